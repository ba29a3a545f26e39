package io.stellarchat.engine.runtime;

import io.stellarchat.engine.util.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalInt;

/**
 * Decides, step by step, which tokens of which sequences the next forward pass computes. Pure: no threads,
 * no model, time from an injected {@link Ticker}; the engine thread owns it, tests drive it by hand.
 *
 * <p>Each {@link #schedule()} has a budget of {@code maxBatchTokens} tokens:
 * <ol>
 *   <li>running sequences, oldest first, each get the tokens they still need (one for a decode, the rest of
 *       the prompt for one still in prefill), but never so many that a later running sequence would be left
 *       without its one token: decodes never stall behind a long prompt (chunked prefill);</li>
 *   <li>a running sequence that needs a new KV block when none is available preempts the newest running
 *       sequence (possibly itself): its blocks are released and it goes back to the front of the queue with
 *       its prompt and generated tokens, to be recomputed later (its full blocks stay in the prefix cache
 *       until evicted, so the recompute is often a cache hit);</li>
 *   <li>with the budget left, waiting sequences are admitted first come, first served, while fewer than
 *       {@code maxRunning} run and the pool can hold the rest of their prompt; an admitted sequence first
 *       takes every cached block of its longest cached prefix (at least one token is always left to compute,
 *       so there are logits to sample). No admission in a step that preempted.</li>
 * </ol>
 * After the forward pass, {@link #complete} records the computed tokens and publishes the blocks they filled
 * to the prefix cache. The engine then {@link Sequence#append appends} sampled tokens or {@link #finish
 * finishes} sequences. See {@link SequenceStatus} for the transitions.
 *
 * <p>Admission control: at most {@code queueDepth} sequences wait beyond the free running slots
 * ({@link #add} refuses more); a never-admitted sequence waiting longer than {@code maxWait} is taken out
 * by {@link #expire}.
 */
final class Scheduler {
    /** Chain hash of the empty prefix (the parent of a sequence's first block). */
    static final long ROOT_HASH = 0x5EED_0F_B10C5L;

    /** A run of one sequence's tokens in a step: positions {@code [start, start + count)}. */
    record Chunk(Sequence seq, int start, int count, boolean samples) {}

    /** The work of one step, in batch-row order. */
    record Batch(List<Chunk> chunks, int tokens) {
        boolean isEmpty() {
            return chunks.isEmpty();
        }
    }

    private final int maxBatchTokens;
    private final int maxRunning;
    private final int queueDepth;
    private final long maxWaitNanos;
    private final boolean prefixCaching;
    private final BlockAllocator blocks;
    private final Ticker ticker;
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private long preemptions;
    private long promptTokens;
    private long cachedPromptTokens;

    Scheduler(SchedulerConfig config, BlockAllocator blocks, Ticker ticker) {
        this.maxBatchTokens = config.maxBatchTokens();
        this.maxRunning = config.maxRunning();
        this.queueDepth = config.queueDepth();
        this.maxWaitNanos = config.maxWait().toNanos();
        this.prefixCaching = config.prefixCaching();
        this.blocks = blocks;
        this.ticker = ticker;
    }

    BlockAllocator blocks() {
        return blocks;
    }

    /** Blocks a sequence of {@code capacity} positions needs at most. */
    int blocksFor(int positions) {
        return (positions + blocks.blockSize() - 1) / blocks.blockSize();
    }

    /** Whether one more sequence may queue: fewer than {@code queueDepth} wait beyond the free running slots. */
    static boolean hasRoom(int waiting, int running, int maxRunning, int queueDepth) {
        return waiting < (long) queueDepth + Math.max(0, maxRunning - running);
    }

    /**
     * Queues a new sequence at the back.
     *
     * @throws EngineOverloadedException (queue full, retryable) when the queue is full
     * @throws KvCacheCapacityException  when the sequence could not fit in the whole pool
     */
    void add(Sequence s) {
        requireFits(s.capacity());
        if (!hasRoom(waitingNew(), running.size(), maxRunning, queueDepth)) {
            throw queueFull(waiting.size());
        }
        waiting.addLast(s);
    }

    static EngineOverloadedException queueFull(int waiting) {
        return new EngineOverloadedException("the model's request queue is full (" + waiting
                + " waiting); retry later", true, Duration.ofSeconds(1));
    }

    /**
     * A sequence of {@code positions} could never be admitted. The engine caps a sequence's positions at the
     * pool's size before it gets here; this guards every other caller.
     *
     * @throws KvCacheCapacityException when {@code positions} need more blocks than the pool has
     */
    void requireFits(int positions) {
        int need = blocksFor(positions);
        if (need > blocks.blocks()) {
            throw new KvCacheCapacityException(positions, (long) blocks.blocks() * blocks.blockSize());
        }
    }

    private int waitingNew() {
        int n = 0;
        for (Sequence s : waiting) {
            if (s.status == SequenceStatus.WAITING) {
                n++;
            }
        }
        return n;
    }

    /** Takes out, oldest first, the never-admitted sequences that waited longer than {@code maxWait}. */
    List<Sequence> expire() {
        long now = ticker.read();
        List<Sequence> out = new ArrayList<>();
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.status == SequenceStatus.WAITING && now - s.arrivalNanos() > maxWaitNanos) {
                it.remove();
                s.status = SequenceStatus.FINISHED_ABORTED;
                out.add(s);
            }
        }
        return out;
    }

    /** Removes a sequence wherever it is (a cancel), releasing its blocks; it ends FINISHED_ABORTED. */
    void abort(Sequence s) {
        if (s.status.isFinished()) {
            return;
        }
        waiting.remove(s);
        running.remove(s);
        releaseBlocks(s);
        s.status = SequenceStatus.FINISHED_ABORTED;
    }

    /** Ends a running sequence for {@code reason}, releasing its blocks. */
    void finish(Sequence s, FinishReason reason) {
        if (s.status != SequenceStatus.RUNNING) {
            throw new IllegalStateException("only a running sequence can finish, " + s + " is not");
        }
        running.remove(s);
        releaseBlocks(s);
        s.status = SequenceStatus.finishedBy(reason);
    }

    /** Plans the next step (see the class comment); may preempt and admit. */
    Batch schedule() {
        int budget = maxBatchTokens;
        List<Chunk> chunks = new ArrayList<>();
        boolean preempted = false;
        for (int i = 0; i < running.size(); i++) {
            Sequence s = running.get(i);
            int later = running.size() - i - 1; // one token kept for each running sequence after this one
            int n = Math.min(s.length() - s.computed, budget - later);
            if (n <= 0) {
                continue; // cannot happen while maxBatchTokens >= maxRunning; kept for safety
            }
            int need = blocksFor(s.computed + n) - s.kv.blockCount();
            boolean selfPreempted = false;
            while (need > blocks.available()) {
                Sequence victim = running.getLast();
                preempt(victim);
                preempted = true;
                if (victim == s) {
                    selfPreempted = true;
                    break;
                }
            }
            if (selfPreempted) {
                break; // s was the newest: nothing after it
            }
            for (int k = 0; k < need; k++) {
                s.kv.appendBlock(blocks.allocate());
            }
            chunks.add(new Chunk(s, s.computed, n, s.computed + n == s.length()));
            budget -= n;
        }
        while (!preempted && budget > 0 && running.size() < maxRunning && !waiting.isEmpty()) {
            Sequence s = waiting.peekFirst();
            int hits = s.kv.blockCount() == 0 && prefixCaching ? takeCachedPrefix(s) : 0;
            int needAll = blocksFor(s.length()) - s.kv.blockCount();
            if (needAll > blocks.available()) {
                releaseBlocks(s); // give the hits back; it stays first in line
                break;
            }
            waiting.removeFirst();
            if (!s.admittedOnce) {
                s.admittedOnce = true;
                s.cachedTokens = hits * blocks.blockSize();
                s.startNanos = ticker.read();
                promptTokens += s.promptLength();
                cachedPromptTokens += s.cachedTokens;
            }
            int n = Math.min(s.length() - s.computed, budget);
            int need = blocksFor(s.computed + n) - s.kv.blockCount();
            for (int k = 0; k < need; k++) {
                s.kv.appendBlock(blocks.allocate());
            }
            s.status = SequenceStatus.RUNNING;
            running.add(s);
            chunks.add(new Chunk(s, s.computed, n, s.computed + n == s.length()));
            budget -= n;
        }
        return new Batch(Collections.unmodifiableList(chunks), maxBatchTokens - budget);
    }

    /**
     * Takes references on the cached blocks of {@code s}'s longest cached prefix (full blocks only, and
     * never the block holding its last token), appends them to its table and marks them computed.
     *
     * @return the number of blocks taken
     */
    private int takeCachedPrefix(Sequence s) {
        int bs = blocks.blockSize();
        int[] tokens = s.tokenArray();
        long parent = ROOT_HASH;
        int j = 0;
        while ((j + 1) * bs <= s.length() - 1) {
            long h = blocks.hash(parent, tokens, j * bs);
            OptionalInt b = blocks.lookup(h, parent, tokens, j * bs);
            if (b.isEmpty()) {
                break;
            }
            s.kv.appendBlock(b.getAsInt());
            s.recordHash(h);
            parent = h;
            j++;
        }
        s.computed = j * bs;
        return j;
    }

    /** Records that the batch was computed; publishes the blocks it filled to the prefix cache. */
    void complete(Batch batch) {
        int bs = blocks.blockSize();
        for (Chunk c : batch.chunks()) {
            Sequence s = c.seq();
            if (s.status != SequenceStatus.RUNNING || s.computed != c.start()) {
                continue; // cancelled meanwhile; its blocks are gone
            }
            s.computed += c.count();
            if (!prefixCaching) {
                continue;
            }
            int[] tokens = s.tokenArray();
            while ((s.hashedBlocks + 1) * bs <= s.computed) {
                int j = s.hashedBlocks;
                long parent = j == 0 ? ROOT_HASH : s.blockHashes[j - 1];
                long h = blocks.hash(parent, tokens, j * bs);
                blocks.publish(s.kv.block(j), h, parent, tokens, j * bs);
                s.recordHash(h);
            }
        }
    }

    private void preempt(Sequence s) {
        running.remove(s);
        releaseBlocks(s);
        s.status = SequenceStatus.PREEMPTED;
        waiting.addFirst(s);
        preemptions++;
    }

    /** Releases every block of {@code s}, last first (so the tail of a prefix is evicted before its head). */
    private void releaseBlocks(Sequence s) {
        for (int j = s.kv.blockCount() - 1; j >= 0; j--) {
            blocks.release(s.kv.block(j));
        }
        s.kv.clear();
        s.computed = 0;
        s.hashedBlocks = 0;
    }

    List<Sequence> running() {
        return Collections.unmodifiableList(running);
    }

    /** Waiting sequences in admission order (preempted ones first). */
    List<Sequence> waiting() {
        return List.copyOf(waiting);
    }

    int runningCount() {
        return running.size();
    }

    int waitingCount() {
        return waiting.size();
    }

    long preemptions() {
        return preemptions;
    }

    long promptTokens() {
        return promptTokens;
    }

    long cachedPromptTokens() {
        return cachedPromptTokens;
    }
}
