package io.stellarchat.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.model.KvBlockPool;
import io.stellarchat.engine.model.KvCache;
import io.stellarchat.engine.model.KvPrecision;
import io.stellarchat.engine.model.ModelConfig;
import io.stellarchat.engine.model.RopeType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scheduler driven step by step with an injected clock: no model, no threads. A "step" here is what the
 * engine does: schedule, (pretend to) run the forward pass, complete, then append a token to every sequence
 * that sampled.
 */
class SchedulerTest {
    private static final ModelConfig TINY = new ModelConfig("llama", 1, 8, 8, 1, 1, 2, 64, 4096, 1e-5f, 10000f,
            2, RopeType.NORM, 1f, false, false);

    private final long[] now = {0};
    private KvBlockPool pool;
    private Scheduler scheduler;
    private int nextId;

    private Scheduler scheduler(int maxBatchTokens, int maxRunning, int queueDepth, int blockSize, int blocks,
                                boolean prefixCaching) {
        SchedulerConfig cfg = new SchedulerConfig(maxBatchTokens, maxRunning, queueDepth, Duration.ofSeconds(5),
                blockSize, 1L << 20, KvPrecision.F32, prefixCaching);
        pool = new KvBlockPool(TINY, blocks, blockSize, KvPrecision.F32);
        scheduler = new Scheduler(cfg, new BlockAllocator(blocks, blockSize, 42), () -> now[0]);
        return scheduler;
    }

    private Sequence seq(int[] prompt, int capacity) {
        return new Sequence("s" + (nextId++), prompt, capacity, now[0], KvCache.paged(pool));
    }

    private static int[] prompt(int length, int first) {
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = (first + i) % 60 + 1;
        }
        return p;
    }

    /** Schedules and completes one step; every sequence that sampled gets token 7 appended. */
    private Scheduler.Batch step() {
        Scheduler.Batch b = scheduler.schedule();
        scheduler.complete(b);
        for (Scheduler.Chunk c : b.chunks()) {
            if (c.samples()) {
                c.seq().append(7);
            }
        }
        return b;
    }

    private static Scheduler.Chunk chunkOf(Scheduler.Batch b, Sequence s) {
        return b.chunks().stream().filter(c -> c.seq() == s).findFirst().orElse(null);
    }

    @Test
    void longPromptIsSpreadOverStepsWhileRunningSequencesDecodeEveryStep() {
        scheduler(8, 4, 4, 4, 64, false);
        Sequence a = seq(prompt(3, 0), 100);
        scheduler.add(a);
        Scheduler.Batch b1 = step();
        assertEquals(new Scheduler.Chunk(a, 0, 3, true), chunkOf(b1, a));
        Sequence big = seq(prompt(20, 10), 100);
        scheduler.add(big);
        int[] bigChunks = new int[3];
        for (int i = 0; i < 3; i++) {
            Scheduler.Batch b = step();
            Scheduler.Chunk ca = chunkOf(b, a);
            assertEquals(1, ca.count(), "the decode gets its token in step " + i);
            assertTrue(ca.samples());
            Scheduler.Chunk cb = chunkOf(b, big);
            bigChunks[i] = cb.count();
            assertEquals(i == 2, cb.samples(), "only the chunk that reaches the prompt's end samples");
            assertTrue(b.tokens() <= 8);
        }
        assertEquals(List.of(7, 7, 6), List.of(bigChunks[0], bigChunks[1], bigChunks[2]));
        assertEquals(21, big.computed() + 1, "prompt computed, the sampled token still to feed");
    }

    @Test
    void admissionIsFirstComeFirstServedUpToMaxRunning() {
        scheduler(16, 2, 8, 4, 64, false);
        Sequence a = seq(prompt(2, 0), 10);
        Sequence b = seq(prompt(2, 5), 10);
        Sequence c = seq(prompt(2, 9), 10);
        scheduler.add(a);
        scheduler.add(b);
        scheduler.add(c);
        Scheduler.Batch s1 = step();
        assertEquals(List.of(a, b), s1.chunks().stream().map(Scheduler.Chunk::seq).toList());
        assertEquals(SequenceStatus.WAITING, c.status());
        step();
        assertEquals(SequenceStatus.WAITING, c.status());
        scheduler.finish(a, FinishReason.STOP_TOKEN);
        assertEquals(SequenceStatus.FINISHED_STOPPED, a.status());
        assertEquals(0, a.kv.blockCount(), "a finished sequence holds no blocks");
        Scheduler.Batch s3 = step();
        assertEquals(List.of(b, c), s3.chunks().stream().map(Scheduler.Chunk::seq).toList());
        assertEquals(SequenceStatus.RUNNING, c.status());
    }

    @Test
    void newRequestWaitsWhileThePoolCannotHoldItsPrompt() {
        scheduler(64, 4, 8, 4, 4, false); // 16 tokens of KV in all
        Sequence a = seq(prompt(10, 0), 16); // 3 blocks
        Sequence b = seq(prompt(6, 20), 8);  // 2 blocks: only 1 left
        scheduler.add(a);
        scheduler.add(b);
        step();
        assertEquals(SequenceStatus.RUNNING, a.status());
        assertEquals(SequenceStatus.WAITING, b.status());
        assertEquals(1, scheduler.blocks().available());
        scheduler.finish(a, FinishReason.LENGTH);
        step();
        assertEquals(SequenceStatus.RUNNING, b.status());
    }

    @Test
    void whenARunningSequenceNeedsABlockTheNewestIsPreemptedAndRecomputedLater() {
        scheduler(16, 4, 8, 2, 5, false); // 5 blocks of 2 tokens
        Sequence a = seq(prompt(4, 0), 10);
        Sequence b = seq(prompt(3, 30), 10);
        scheduler.add(a);
        scheduler.add(b);
        step(); // a: 4 tokens (2 blocks), b: 3 tokens (2 blocks); both sampled
        assertEquals(1, scheduler.blocks().available());
        step(); // a feeds position 4 → 3rd block (the last free one); b feeds position 3 (own block)
        assertEquals(0, scheduler.blocks().available());
        assertEquals(6, a.length());
        assertEquals(5, b.length());
        step(); // a feeds 5 (block 3 has room); b feeds 4 → needs a block: b is the newest: preempts itself
        assertEquals(SequenceStatus.PREEMPTED, b.status());
        assertEquals(0, b.kv.blockCount());
        assertEquals(0, b.computed());
        assertEquals(1, scheduler.preemptions());
        assertSame(b, scheduler.waiting().getFirst(), "a preempted sequence waits at the front");
        assertEquals(5, b.length(), "prompt and generated tokens are kept for the recompute");
        Scheduler.Batch next = step(); // a feeds 6 → needs block 4: two are free now
        assertEquals(1, chunkOf(next, a).count());
        assertEquals(null, chunkOf(next, b), "b waits: one free block cannot hold its 5 tokens");
        scheduler.finish(a, FinishReason.LENGTH);
        Scheduler.Batch resumed = step();
        assertEquals(new Scheduler.Chunk(b, 0, 5, true), chunkOf(resumed, b), "recomputed from position 0");
        assertEquals(SequenceStatus.RUNNING, b.status());
    }

    @Test
    void preemptionTakesTheNewestSequenceNotTheOneThatNeedsTheBlock() {
        scheduler(16, 4, 8, 2, 4, false);
        Sequence a = seq(prompt(3, 0), 8);
        scheduler.add(a);
        step(); // a: 2 blocks
        Sequence b = seq(prompt(3, 30), 8);
        scheduler.add(b);
        step(); // a feeds 3 (own block), b: 2 blocks → pool full
        assertEquals(0, scheduler.blocks().available());
        step(); // a feeds 4 → needs a block → b (newest) is preempted
        assertEquals(SequenceStatus.RUNNING, a.status());
        assertEquals(SequenceStatus.PREEMPTED, b.status());
        assertEquals(5, a.computed());
    }

    @Test
    void newRequestReusesTheCachedBlocksOfItsLongestPrefixAndComputesTheRest() {
        scheduler(64, 4, 8, 4, 16, true);
        int[] system = prompt(10, 0);
        Sequence a = seq(system, 32);
        scheduler.add(a);
        step();
        scheduler.finish(a, FinishReason.STOP_TOKEN); // its 2 full blocks stay cached
        assertEquals(2, scheduler.blocks().cachedUnreferenced());
        int[] turn2 = new int[14];
        System.arraycopy(system, 0, turn2, 0, 10);
        System.arraycopy(prompt(4, 40), 0, turn2, 10, 4);
        Sequence b = seq(turn2, 32);
        scheduler.add(b);
        Scheduler.Batch s = step();
        assertEquals(new Scheduler.Chunk(b, 8, 6, true), chunkOf(s, b));
        assertEquals(8, b.cachedTokens);
        assertEquals(24, scheduler.promptTokens());
        assertEquals(8, scheduler.cachedPromptTokens());
    }

    @Test
    void aPromptOfWholeBlocksStillComputesItsLastToken() {
        scheduler(64, 4, 8, 4, 16, true);
        int[] p = prompt(8, 0);
        Sequence a = seq(p, 16);
        scheduler.add(a);
        step();
        Sequence b = seq(p.clone(), 16); // while a still runs: the blocks are shared
        scheduler.add(b);
        Scheduler.Batch s = step();
        assertEquals(new Scheduler.Chunk(b, 4, 4, true), chunkOf(s, b),
                "the second block holds the last prompt token, so it is computed, not reused");
        assertEquals(2, scheduler.blocks().refCount(a.kv.block(0)), "the first block is shared");
        assertEquals(a.kv.block(0), b.kv.block(0));
    }

    @Test
    void cachedBlocksAreEvictedLeastRecentlyUsedFirstOnlyWhenNoBlockIsFree() {
        scheduler(64, 4, 8, 2, 4, true); // 4 blocks of 2
        int[] pa = prompt(5, 0);
        Sequence a = seq(pa, 6); // 3 blocks; blocks 0 and 1 full and cached
        scheduler.add(a);
        step();
        scheduler.finish(a, FinishReason.STOP_TOKEN);
        assertEquals(2, scheduler.blocks().cachedUnreferenced());
        Sequence b = seq(prompt(5, 30), 6); // needs 3: 2 free, then evicts a's second block (released first)
        scheduler.add(b);
        step();
        assertEquals(1, scheduler.blocks().evictions());
        scheduler.finish(b, FinishReason.STOP_TOKEN);
        Sequence c = seq(pa.clone(), 6);
        scheduler.add(c);
        Scheduler.Batch s = step();
        assertEquals(new Scheduler.Chunk(c, 2, 3, true), chunkOf(s, c),
                "the head of a's prefix survived, its tail was evicted");
    }

    @Test
    void abortFreesBlocksBeforeTheNextStepWhereverTheSequenceIs() {
        scheduler(16, 1, 8, 4, 8, false);
        Sequence a = seq(prompt(6, 0), 20);
        Sequence b = seq(prompt(6, 10), 20);
        scheduler.add(a);
        scheduler.add(b);
        step();
        int before = scheduler.blocks().available();
        scheduler.abort(a);
        assertEquals(SequenceStatus.FINISHED_ABORTED, a.status());
        assertEquals(before + 2, scheduler.blocks().available());
        scheduler.abort(b); // still waiting
        assertEquals(SequenceStatus.FINISHED_ABORTED, b.status());
        assertTrue(step().isEmpty());
        assertEquals(8, scheduler.blocks().available());
    }

    @Test
    void queueBeyondItsDepthIsRefusedAsRetryable() {
        scheduler(16, 1, 1, 4, 8, false);
        scheduler.add(seq(prompt(2, 0), 8)); // takes the free running slot
        scheduler.add(seq(prompt(2, 0), 8)); // waits
        EngineOverloadedException e = assertThrows(EngineOverloadedException.class,
                () -> scheduler.add(seq(prompt(2, 0), 8)));
        assertTrue(e.queueFull());
        step();
        assertThrows(EngineOverloadedException.class, () -> scheduler.add(seq(prompt(2, 0), 8)));
    }

    @Test
    void neverAdmittedSequencesPastMaxWaitExpireButRunningAndPreemptedOnesDoNot() {
        scheduler(16, 1, 4, 4, 8, false);
        Sequence a = seq(prompt(2, 0), 8);
        scheduler.add(a);
        step();
        now[0] = Duration.ofSeconds(1).toNanos();
        Sequence b = seq(prompt(2, 0), 8);
        scheduler.add(b);
        now[0] = Duration.ofSeconds(6).toNanos();
        assertTrue(scheduler.expire().isEmpty(), "b waited 5 s: not more than the limit");
        now[0] = Duration.ofSeconds(6).toNanos() + 1;
        assertEquals(List.of(b), scheduler.expire());
        assertEquals(SequenceStatus.FINISHED_ABORTED, b.status());
        assertEquals(SequenceStatus.RUNNING, a.status());
        assertEquals(0, scheduler.waitingCount());
    }

    @Test
    void aRequestLargerThanThePoolIsRefusedAtOnce() {
        scheduler(16, 1, 4, 4, 8, false); // 32 tokens
        KvCacheCapacityException e = assertThrows(KvCacheCapacityException.class,
                () -> scheduler.add(seq(prompt(4, 0), 33)));
        assertTrue(e.getMessage().contains("33") && e.getMessage().contains("32"), e.getMessage());
        scheduler.add(seq(prompt(4, 0), 32));
    }

    @Test
    void statusesAreOrderedAndEachFinishedStatusMapsToOneReason() {
        SequenceStatus[] v = SequenceStatus.values();
        assertEquals(List.of(SequenceStatus.WAITING, SequenceStatus.RUNNING, SequenceStatus.PREEMPTED,
                SequenceStatus.FINISHED_STOPPED, SequenceStatus.FINISHED_LENGTH, SequenceStatus.FINISHED_ABORTED),
                List.of(v));
        for (SequenceStatus s : v) {
            assertEquals(s.compareTo(SequenceStatus.FINISHED_STOPPED) >= 0, s.isFinished());
            if (s.isFinished()) {
                assertEquals(s, SequenceStatus.finishedBy(s.finishReason()));
            } else {
                assertThrows(IllegalStateException.class, s::finishReason);
            }
        }
        assertEquals(SequenceStatus.FINISHED_STOPPED, SequenceStatus.finishedBy(FinishReason.STOP_SEQUENCE));
        assertFalse(SequenceStatus.PREEMPTED.isFinished());
    }
}
