package io.stellarchat.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.stellarchat.engine.model.KvBlockPool;
import io.stellarchat.engine.model.KvPrecision;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelConfig;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.sampling.SamplingParams;
import io.stellarchat.engine.tensor.Kernels;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The batching engine seen through {@link EngineClient}: cancel, admission control, shutdown, stats, embeddings. */
class BatchEngineTest {
    private static final Path MODEL = Path.of(System.getProperty("stellar.shared", "../shared"))
            .resolve("models/stories260K.gguf");

    private final AtomicLong clock = new AtomicLong();
    private Model model;
    private BatchEngine engine;

    @BeforeEach
    void load() throws IOException {
        model = Model.load(MODEL, ModelOptions.defaults().withThreads(2).withKernels(Kernels.scalar()));
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
        model.close();
    }

    private BatchEngine start(int maxRunning, int queueDepth, Duration maxWait, boolean prefixCaching) {
        SchedulerConfig cfg = new SchedulerConfig(32, maxRunning, queueDepth, maxWait, 16, 4 << 20, KvPrecision.F16,
                prefixCaching);
        engine = new BatchEngine(model, "test", cfg, clock::get);
        return engine;
    }

    private GenerationRequest endless(String text) {
        return new GenerationRequest(model.tokenizer().encode(text, true, false), SamplingParams.greedy(), 400,
                List.of(), true, 512);
    }

    private static StreamItem next(RequestHandle h) throws InterruptedException {
        StreamItem item = h.poll(Duration.ofSeconds(30));
        if (item == null) {
            fail("no item from " + h.id() + " within 30 s");
        }
        return item;
    }

    private static StreamItem end(RequestHandle h) throws InterruptedException {
        while (true) {
            StreamItem item = next(h);
            if (!(item instanceof StreamItem.Event)) {
                return item;
            }
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void cancelEndsTheRequestAsCancelledAndFreesItsBlocksBeforeTheNextStep() throws InterruptedException {
        start(4, 4, Duration.ofSeconds(60), false);
        RequestHandle h = engine.submit(endless("Once upon a time"));
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(StreamItem.Event.class, next(h));
        }
        assertTrue(engine.stats().kvBlocksUsed() > 0);
        h.cancel();
        StreamItem.Finished f = assertInstanceOf(StreamItem.Finished.class, end(h));
        assertEquals(FinishReason.CANCELLED, f.result().finishReason());
        assertTrue(f.result().usage().completionTokens() >= 3);
        assertTrue(f.result().usage().completionTokens() < 400);
        await(() -> engine.stats().kvBlocksUsed() == 0 && engine.stats().running() == 0, "blocks freed");
        assertEquals(1, engine.stats().completed());
    }

    @Test
    void aFullQueueRefusesWithRetryable429() throws InterruptedException {
        start(1, 1, Duration.ofSeconds(60), false);
        RequestHandle running = engine.submit(endless("Once upon a time"));
        assertInstanceOf(StreamItem.Event.class, next(running)); // admitted, holds the only slot
        await(() -> engine.stats().running() == 1, "the running gauge");
        RequestHandle waiting = engine.submit(endless("The cat"));
        EngineOverloadedException e = assertThrows(EngineOverloadedException.class,
                () -> engine.submit(endless("The dog")));
        assertTrue(e.queueFull());
        assertTrue(e.retryAfter().toMillis() > 0);
        assertEquals(1, engine.stats().rejected());
        running.cancel();
        waiting.cancel();
        assertInstanceOf(StreamItem.Finished.class, end(running));
        assertInstanceOf(StreamItem.Finished.class, end(waiting));
    }

    @Test
    void aRequestWaitingPastMaxWaitFailsWithNonRetryable503() throws InterruptedException {
        start(1, 4, Duration.ofSeconds(5), false);
        RequestHandle running = engine.submit(endless("Once upon a time"));
        assertInstanceOf(StreamItem.Event.class, next(running));
        RequestHandle waiting = engine.submit(endless("The cat"));
        clock.addAndGet(Duration.ofSeconds(5).toNanos() + 1);
        StreamItem.Failed f = assertInstanceOf(StreamItem.Failed.class, end(waiting));
        EngineOverloadedException e = assertInstanceOf(EngineOverloadedException.class, f.error());
        assertFalse(e.queueFull());
        assertTrue(e.getMessage().contains("5000 ms"), e.getMessage());
        assertEquals(1, engine.stats().rejected());
        assertInstanceOf(StreamItem.Event.class, next(running), "the running request goes on");
        running.cancel();
    }

    @Test
    void closeEndsRunningRequestsAsCancelledFailsWaitingOnesAndRefusesNewOnes() throws InterruptedException {
        start(1, 4, Duration.ofSeconds(60), false);
        RequestHandle running = engine.submit(endless("Once upon a time"));
        assertInstanceOf(StreamItem.Event.class, next(running));
        RequestHandle waiting = engine.submit(endless("The cat"));
        engine.close();
        StreamItem.Finished f = assertInstanceOf(StreamItem.Finished.class, end(running));
        assertEquals(FinishReason.CANCELLED, f.result().finishReason());
        StreamItem.Failed w = assertInstanceOf(StreamItem.Failed.class, end(waiting));
        assertInstanceOf(IllegalStateException.class, w.error());
        assertThrows(IllegalStateException.class, () -> engine.submit(endless("The dog")));
        engine.close(); // idempotent
    }

    @Test
    void aPromptLargerThanThePoolIsRefusedAtSubmitAndAReplyBudgetBeyondItEndsWithLength()
            throws InterruptedException {
        long bytes = io.stellarchat.engine.model.KvBlockPool.bytesPerBlock(model.config(), 16, KvPrecision.F16) * 4;
        engine = new BatchEngine(model, "test", new SchedulerConfig(32, 2, 4, Duration.ofSeconds(60), 16, bytes,
                KvPrecision.F16, false), clock::get);
        assertEquals(64, engine.pool().tokens());
        int[] longPrompt = new int[64];
        java.util.Arrays.fill(longPrompt, 300);
        GenerationRequest tooLong = new GenerationRequest(longPrompt, SamplingParams.greedy(), 4, List.of(), true, 512);
        KvCacheCapacityException e = assertThrows(KvCacheCapacityException.class, () -> engine.submit(tooLong));
        assertTrue(e.getMessage().contains("65") && e.getMessage().contains("64 tokens"), e.getMessage());

        int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
        GenerationRequest bigBudget = new GenerationRequest(prompt, SamplingParams.greedy(), 500, List.of(), true, 512);
        StreamItem.Finished f = assertInstanceOf(StreamItem.Finished.class, end(engine.submit(bigBudget)));
        assertEquals(FinishReason.LENGTH, f.result().finishReason());
        assertEquals(64 - prompt.length + 1, f.result().usage().completionTokens(), "positions 0..63, then one more token");

        GenerationRequest overflow = new GenerationRequest(new int[40], SamplingParams.greedy(), 4, List.of(), true, 40);
        assertThrows(ContextOverflowException.class, () -> engine.submit(overflow));
        GenerationRequest badToken = new GenerationRequest(new int[] {1, 100000}, SamplingParams.greedy(), 4,
                List.of(), true, 64);
        assertThrows(IllegalArgumentException.class, () -> engine.submit(badToken));
        assertEquals(0, engine.stats().rejected());
    }

    @Test
    void statsCountStepsTokensAndPrefixHits() throws InterruptedException {
        start(4, 4, Duration.ofSeconds(60), true);
        String prompt = "Once upon a time, there was a little girl named Lily. She loved to play outside.";
        GenerationRequest r = new GenerationRequest(model.tokenizer().encode(prompt, true, false),
                SamplingParams.greedy(), 5, List.of(), true, 512);
        StreamItem.Finished first = assertInstanceOf(StreamItem.Finished.class, end(engine.submit(r)));
        StreamItem.Finished second = assertInstanceOf(StreamItem.Finished.class, end(engine.submit(r)));
        assertEquals(first.result().text(), second.result().text());
        assertEquals(0, first.result().usage().cachedTokens());
        int promptLen = r.promptTokens().length;
        assertEquals((promptLen - 1) / 16 * 16, second.result().usage().cachedTokens());
        await(() -> engine.stats().completed() == 2, "stats");
        EngineStats s = engine.stats();
        assertEquals(2L * promptLen, s.promptTokens());
        assertEquals(second.result().usage().cachedTokens(), s.cachedPromptTokens());
        assertTrue(s.prefixCacheHitRate() > 0.2, "hit rate " + s.prefixCacheHitRate());
        // first: prompt in ceil(len/32) steps, 4 decode steps; second: the uncached rest, 4 decodes
        assertEquals(2L * promptLen - s.cachedPromptTokens() + 8, s.stepTokens());
        assertEquals(0, s.running());
        assertEquals(0, s.waiting());
        assertTrue(s.kvBlocksUsed() > 0, "cached prefix blocks stay in the pool");
        assertEquals(engine.pool().blocks(), s.kvBlocksTotal());
    }

    @Test
    void embeddingRunsBetweenStepsAndEqualsTheGenerators() throws Exception {
        start(4, 4, Duration.ofSeconds(60), false);
        RequestHandle gen = engine.submit(endless("Once upon a time"));
        int[] tokens = model.tokenizer().encode("The cat sat on the mat.", true, false);
        float[] got = engine.embed(tokens).get(30, TimeUnit.SECONDS);
        assertInstanceOf(StreamItem.Event.class, next(gen));
        gen.cancel();
        end(gen);
        engine.close();
        float[] expected = new Generator(model).embed(tokens);
        assertArrayEquals(expected, got);
    }

    @Test
    void aCallerThatStopsReadingIsCancelledInsteadOfStallingTheBatch() throws InterruptedException {
        start(4, 4, Duration.ofSeconds(60), false);
        GenerationRequest longer = new GenerationRequest(model.tokenizer().encode("Once", true, false),
                SamplingParams.greedy(), 1500, List.of(), true, 2048);
        RequestHandle stuck = engine.submit(longer); // never read until the end
        RequestHandle other = engine.submit(endless("The cat"));
        StreamItem.Finished f = assertInstanceOf(StreamItem.Finished.class, end(other));
        assertEquals(FinishReason.LENGTH, f.result().finishReason());
        await(() -> engine.stats().running() == 0, "the stuck request to be dropped");
        StreamItem last = null;
        StreamItem item;
        while ((item = stuck.poll(Duration.ofMillis(100))) != null) {
            last = item;
        }
        StreamItem.Finished s = assertInstanceOf(StreamItem.Finished.class, last);
        assertEquals(FinishReason.CANCELLED, s.result().finishReason());
    }

    @Test
    void aKvCacheLargerThanHalfTheHeapIsCutToHalfTheHeap() {
        SchedulerConfig cfg = new SchedulerConfig(32, 4, 4, Duration.ofSeconds(1), 16, 1L << 30, KvPrecision.F32, true);
        ModelConfig mc = model.config();
        long perBlock = KvBlockPool.bytesPerBlock(mc, 16, KvPrecision.F32);
        // stories260K: 5 layers x kvDim 32 x 2 (keys, values) x 4 bytes x 16 tokens = 20480 bytes per block
        assertEquals(20480, perBlock);
        int wanted = 10_000;
        assertEquals(wanted, BatchEngine.heapBounded(wanted, mc, cfg, 1L << 34, "t"), "fits: unchanged");
        long heap = 64L << 20; // 64 MiB heap: half holds 1638 blocks
        assertEquals((int) (heap / 2 / perBlock), BatchEngine.heapBounded(wanted, mc, cfg, heap, "t"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchEngine.heapBounded(wanted, mc, cfg, 30_000, "t"));
        assertTrue(e.getMessage().contains("cannot hold one KV cache block"), e.getMessage());
    }
}
