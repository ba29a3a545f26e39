package io.stellarchat.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.stellarchat.engine.model.KvBlockPool;
import io.stellarchat.engine.model.KvPrecision;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.sampling.Grammar;
import io.stellarchat.engine.sampling.SamplingParams;
import io.stellarchat.engine.tensor.Kernels;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Greedy generation is token-for-token the same whether a request runs alone or batched with others of
 * different prompt and output lengths — also when prompts hit the prefix cache and when the pool is so small
 * that sequences are preempted and recomputed. Runs on the trained stories260K model (large top-2 margins).
 *
 * <p>The scalar kernels compute a row the same way in a batch (mat-mat) as alone (mat-vec); the vector
 * kernels do so once matMul and matVec sum in the same order (the kernels change of issue #7's companion
 * branch). {@link #vectorKernelsBatchedEqualsAlone} checks that.
 */
class BatchDeterminismTest {
    private static final Path MODEL = Path.of(System.getProperty("stellar.shared", "../shared"))
            .resolve("models/stories260K.gguf");
    private static final String[] STORIES = {
        "Once upon a time, there was a little girl named Lily.",
        "Tom had a red ball. He liked to",
        "The sun was shining and the birds",
        "One day, a big dog came to the park. The dog",
        "Lily and her mom went to the store to buy",
        "There was a little boy who loved to play with his toy car. Every day he",
        "The cat sat on the mat.",
        "Once upon a time, in a small house, there lived an old man who had a garden full of flowers. He",
        "Sue was sad because",
        "Ben and Anna were friends. They liked to play in the sand. One day they found",
    };
    private static final int[] MAX_TOKENS = {30, 7, 45, 12, 25, 3, 40, 18, 33, 9};

    private record Output(List<Integer> tokens, GenerationResult result) {}

    private static Model load(Kernels kernels) throws IOException {
        return load(MODEL, kernels);
    }

    private static Model load(Path file, Kernels kernels) throws IOException {
        return Model.load(file, ModelOptions.defaults().withThreads(2).withKernels(kernels));
    }

    private static List<GenerationRequest> requests(Model m, String sharedPrefix) {
        return requests(m, sharedPrefix, false);
    }

    /**
     * One request per story. Even ones run to their budget, odd ones may stop at an end-of-story token; with
     * {@code seeded}, every third one samples at temperature 0.8 with its own seed instead of greedily (its
     * random generator is its own, so batching must not change its draws either).
     */
    private static List<GenerationRequest> requests(Model m, String sharedPrefix, boolean seeded) {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < STORIES.length; i++) {
            int[] prompt = m.tokenizer().encode(sharedPrefix + STORIES[i], true, false);
            SamplingParams p = seeded && i % 3 == 0
                    ? SamplingParams.defaults().withTemperature(0.8f).withSeed(100 + i)
                    : SamplingParams.greedy();
            out.add(new GenerationRequest(prompt, p, MAX_TOKENS[i], List.of(), i % 2 == 0, 512));
        }
        return out;
    }

    static Output collect(RequestHandle h) {
        List<Integer> tokens = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try {
            while (System.nanoTime() < deadline) {
                StreamItem item = h.poll(Duration.ofSeconds(1));
                switch (item) {
                    case null -> { }
                    case StreamItem.Event e -> {
                        if (e.event() instanceof GenerationEvent.Token t) {
                            tokens.add(t.token());
                        }
                    }
                    case StreamItem.Finished f -> {
                        return new Output(tokens, f.result());
                    }
                    case StreamItem.Failed f -> throw new AssertionError("request " + h.id() + " failed", f.error());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return fail("request " + h.id() + " did not end within 60 s");
    }

    /** Each request through the one-sequence Generator (contiguous F32 KV cache). */
    private static List<Output> aloneWithGenerator(Kernels kernels, List<GenerationRequest> reqs) throws IOException {
        try (Model m = load(kernels)) {
            Generator g = new Generator(m);
            List<Output> out = new ArrayList<>();
            for (GenerationRequest r : reqs) {
                List<Integer> tokens = new ArrayList<>();
                GenerationResult res = g.generate(r, new CancellationToken(), e -> {
                    if (e instanceof GenerationEvent.Token t) {
                        tokens.add(t.token());
                    }
                });
                out.add(new Output(tokens, res));
            }
            return out;
        }
    }

    /** Each request alone through a batching engine with {@code config}: submit, wait for the end, next. */
    private static List<Output> aloneWithEngine(Kernels kernels, SchedulerConfig config, List<GenerationRequest> reqs)
            throws IOException {
        return aloneWithEngine(MODEL, kernels, config, reqs);
    }

    private static List<Output> aloneWithEngine(Path file, Kernels kernels, SchedulerConfig config,
                                                List<GenerationRequest> reqs) throws IOException {
        try (Model m = load(file, kernels); BatchEngine e = new BatchEngine(m, "alone", config)) {
            List<Output> out = new ArrayList<>();
            for (GenerationRequest r : reqs) {
                out.add(collect(e.submit(r)));
            }
            return out;
        }
    }

    private static List<Output> batched(BatchEngine e, List<GenerationRequest> reqs) {
        List<RequestHandle> handles = new ArrayList<>();
        for (GenerationRequest r : reqs) {
            handles.add(e.submit(r));
        }
        List<Output> out = new ArrayList<>();
        for (RequestHandle h : handles) { // channels hold far more than these outputs: drained in turn
            out.add(collect(h));
        }
        return out;
    }

    private static void assertSameOutputs(List<Output> expected, List<Output> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).tokens(), actual.get(i).tokens(), "request " + i + " tokens");
            assertEquals(expected.get(i).result().text(), actual.get(i).result().text(), "request " + i + " text");
            assertEquals(expected.get(i).result().finishReason(), actual.get(i).result().finishReason(), "request " + i);
            assertEquals(expected.get(i).result().usage().completionTokens(),
                    actual.get(i).result().usage().completionTokens(), "request " + i);
        }
    }

    private static SchedulerConfig config(int maxBatchTokens, int blockSize, long bytes, KvPrecision p, boolean prefix) {
        return new SchedulerConfig(maxBatchTokens, 8, 32, Duration.ofSeconds(60), blockSize, bytes, p, prefix);
    }

    @Test
    void tenConcurrentRequestsEqualTheGeneratorAlone() throws IOException {
        Kernels k = Kernels.scalar();
        List<GenerationRequest> reqs;
        List<Output> got;
        EngineStats stats;
        try (Model m = load(k); BatchEngine e = new BatchEngine(m, "batched", config(48, 16, 8 << 20, KvPrecision.F32, false))) {
            reqs = requests(m, "", true);
            got = batched(e, reqs);
            stats = e.stats();
        }
        assertSameOutputs(aloneWithGenerator(k, reqs), got);
        assertTrue(stats.stepTokens() > 2 * stats.steps(), "steps carried several rows: " + stats);
        assertEquals(0, stats.preemptions());
    }

    @Test
    void grammarConstrainedRequestsBatchedEqualTheGeneratorAlone() throws IOException {
        Kernels k = Kernels.scalar();
        Grammar[] grammars = {
            Grammar.jsonObject(),
            Grammar.jsonSchema("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
                    + "\"n\":{\"type\":\"integer\"}},\"required\":[\"name\",\"n\"]}", true),
            Grammar.gbnf("root ::= [a-z ]{1,30} \".\""),
        };
        List<GenerationRequest> reqs = new ArrayList<>();
        List<Output> got;
        try (Model m = load(k); BatchEngine e = new BatchEngine(m, "grammar", config(48, 16, 8 << 20, KvPrecision.F32, false))) {
            for (int i = 0; i < 6; i++) {
                int[] prompt = m.tokenizer().encode(STORIES[i], true, false);
                SamplingParams p = (i % 2 == 0 ? SamplingParams.greedy()
                        : SamplingParams.defaults().withTemperature(0.9f).withSeed(7 + i)).withGrammar(grammars[i % 3]);
                reqs.add(new GenerationRequest(prompt, p, 40, List.of(), false, 512));
            }
            got = batched(e, reqs);
        }
        assertSameOutputs(aloneWithGenerator(k, reqs), got);
        for (Output o : got) {
            assertTrue(o.result().finishReason() == FinishReason.GRAMMAR_COMPLETE
                    || o.result().finishReason() == FinishReason.LENGTH, o.result().toString());
        }
    }

    @Test
    void prefixCacheHitsGiveTheSameTokensAsComputingEverything() throws IOException {
        Kernels k = Kernels.scalar();
        String system = "You are a story teller. Tell a short story for a child about a friendly animal. ";
        List<GenerationRequest> reqs;
        List<Output> got = new ArrayList<>();
        EngineStats stats;
        SchedulerConfig withCache = config(64, 8, 8 << 20, KvPrecision.F16, true);
        try (Model m = load(k); BatchEngine e = new BatchEngine(m, "prefix", withCache)) {
            reqs = requests(m, system);
            got.add(collect(e.submit(reqs.getFirst()))); // fills the cache with the shared prefix
            got.addAll(batched(e, reqs.subList(1, reqs.size())));
            stats = e.stats();
        }
        List<Output> alone = aloneWithEngine(k, config(64, 8, 8 << 20, KvPrecision.F16, false), reqs);
        assertSameOutputs(alone, got);
        assertTrue(stats.cachedPromptTokens() >= 9L * 8, "prefix hits: " + stats);
        for (int i = 1; i < got.size(); i++) {
            Usage u = got.get(i).result().usage();
            assertTrue(u.cachedTokens() > 0 && u.cachedTokens() % 8 == 0 && u.cachedTokens() < u.promptTokens(),
                    "request " + i + " usage " + u);
        }
        assertEquals(0, alone.getLast().result().usage().cachedTokens());
    }

    @Test
    void aPoolTooSmallForAllForcesPreemptionWithoutChangingAnyToken() throws IOException {
        Kernels k = Kernels.scalar();
        List<GenerationRequest> reqs;
        List<Output> got;
        EngineStats stats;
        try (Model m = load(k)) {
            long bytes = KvBlockPool.bytesPerBlock(m.config(), 4, KvPrecision.F32) * 24; // 96 tokens for all
            try (BatchEngine e = new BatchEngine(m, "small", config(64, 4, bytes, KvPrecision.F32, true))) {
                assertEquals(24, e.pool().blocks());
                reqs = requests(m, "", true);
                got = batched(e, reqs);
                stats = e.stats();
            }
        }
        assertTrue(stats.preemptions() > 0, "the pool forced preemption: " + stats);
        assertSameOutputs(aloneWithGenerator(k, reqs), got);
    }

    /**
     * The same check with the CPU's vector kernels. Needs matMul (batch) and matVec (one row) to give
     * bit-identical rows: the kernels change merged with this engine. If it fails on a branch without that
     * change, the difference is in the last float bits of a projection, not in the engine.
     */
    @Test
    void vectorKernelsBatchedEqualsAlone() throws IOException {
        Kernels k = Kernels.select();
        List<GenerationRequest> reqs;
        List<Output> got;
        try (Model m = load(k); BatchEngine e = new BatchEngine(m, "vector", config(48, 16, 8 << 20, KvPrecision.F16, true))) {
            reqs = requests(m, "");
            got = batched(e, reqs);
        }
        List<Output> alone = aloneWithEngine(k, config(48, 16, 8 << 20, KvPrecision.F16, false), reqs);
        assertNotNull(alone);
        assertSameOutputs(alone, got);
    }

    /**
     * Vector kernels on a quantized model (Q4_0 weights: the mat-mat and mat-vec kernels differ most there).
     * Needs the kernels change that makes matMul rows bit-identical to matVec; see the class comment.
     */
    @Test
    void vectorKernelsOnQuantizedWeightsBatchedEqualsAlone() throws IOException {
        Path q4 = Path.of(System.getProperty("stellar.shared", "../shared"))
                .resolve("testdata/engine/models/synth-llama-q4_0.gguf");
        Kernels k = Kernels.select();
        SchedulerConfig cfg = config(48, 16, 8 << 20, KvPrecision.F32, false);
        List<GenerationRequest> reqs;
        List<Output> got;
        try (Model m = load(q4, k); BatchEngine e = new BatchEngine(m, "vector-q4", cfg)) {
            reqs = requests(m, "");
            got = batched(e, reqs);
        }
        assertSameOutputs(aloneWithEngine(q4, k, cfg, reqs), got);
    }
}
