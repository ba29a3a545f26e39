package io.stellarchat.engine.model;

import io.stellarchat.engine.util.Checks;
import java.util.Arrays;

/**
 * The key/value cache of one sequence: a block table over a {@link KvBlockPool}. Position {@code p} of the
 * sequence is slot {@code p % blockSize} of block {@code table[p / blockSize]}; the cache holds
 * {@code blockCount() * blockSize} positions ({@link #capacity()}).
 *
 * <p>Two kinds:
 * <ul>
 *   <li>{@link #KvCache(ModelConfig, int) private}: one sequence alone (the {@code Generator}, embeddings,
 *       tests): a private F32 pool of one block as large as the requested context, i.e. contiguous rows
 *       {@code (capacity, kvDim)} per layer;</li>
 *   <li>{@link #paged(KvBlockPool) paged}: the batching engine's sequences over a shared pool; the engine's
 *       allocator appends blocks as the sequence grows and releases them when it ends (blocks of a shared
 *       prefix may appear in several tables; only full, never-rewritten blocks are shared).</li>
 * </ul>
 *
 * <p>Ownership: a cache belongs to one sequence and is touched only by the thread running the forward
 * passes (rows written by compute workers during a pass are published by the pool's barrier).
 */
public final class KvCache {
    private final KvBlockPool pool;
    private int[] table;
    private int count;

    /** A private, contiguous F32 cache for one sequence of at most {@code capacity} positions. */
    public KvCache(ModelConfig config, int capacity) {
        Checks.require(capacity > 0, "KV cache capacity must be positive, got " + capacity);
        Checks.require((long) capacity * config.kvDim() <= Integer.MAX_VALUE - 16,
                "KV cache of " + capacity + " positions is too large for one layer array");
        this.pool = new KvBlockPool(config, 1, capacity, KvPrecision.F32);
        this.table = new int[] {0};
        this.count = 1;
    }

    private KvCache(KvBlockPool pool) {
        this.pool = pool;
        this.table = new int[8];
        this.count = 0;
    }

    /** An empty block table over a shared pool; the caller appends the blocks it allocates. */
    public static KvCache paged(KvBlockPool pool) {
        return new KvCache(pool);
    }

    public KvBlockPool pool() {
        return pool;
    }

    /** Positions this cache can hold now: blocks in the table times the block size. */
    public int capacity() {
        return (int) Math.min(Integer.MAX_VALUE, (long) count * pool.blockSize());
    }

    /** Blocks in the table. */
    public int blockCount() {
        return count;
    }

    /** The pool block holding positions {@code [i * blockSize, (i + 1) * blockSize)}. */
    public int block(int i) {
        if (i < 0 || i >= count) { // not Checks.require: this runs per block in attention; no eager message
            throw new IndexOutOfBoundsException("block index " + i + " is outside the table of " + count);
        }
        return table[i];
    }

    /** Appends a pool block to the table (extending the capacity by one block). */
    public void appendBlock(int block) {
        Checks.require(block >= 0 && block < pool.blocks(), "block " + block + " is outside the pool of "
                + pool.blocks());
        if (count == table.length) {
            table = Arrays.copyOf(table, count * 2);
        }
        table[count++] = block;
    }

    /** Empties the table (the caller releases the blocks to its allocator). */
    public void clear() {
        count = 0;
    }

    /** Bytes of the blocks in the table. */
    public long bytes() {
        return pool.bytesPerBlock() * count;
    }

    /** Pool block of position {@code pos} (no bounds check beyond the array's). */
    int blockOf(int pos) {
        return table[pos / pool.blockSize()];
    }
}
