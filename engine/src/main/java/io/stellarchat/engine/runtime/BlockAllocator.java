package io.stellarchat.engine.runtime;

import io.stellarchat.engine.util.Checks;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Hands out the blocks of a KV block pool to sequences, counts references, and remembers full blocks by
 * content so that a later sequence with the same prefix reuses them (automatic prefix caching).
 *
 * <p>Block states (each block is in exactly one):
 * <ul>
 *   <li><b>free</b>: in {@code free}, refs 0, no hash;</li>
 *   <li><b>in use</b>: refs &ge; 1 (several sequences share a cached prefix block), with or without a hash;</li>
 *   <li><b>cached</b>: refs 0 but hashed: its entries are kept for a later hit, in {@code evictable} in the
 *       order it became unreferenced (least recently used first).</li>
 * </ul>
 * A block gets a hash only when it is full; a full block is never written again, so sharing it is safe.
 * The hash of block {@code j} of a sequence is chained: {@code H(hash of block j-1, tokens of block j, model)};
 * two blocks with the same hash hold the KV entries of the same token prefix. A hit is also checked against
 * the stored tokens and parent hash, so a 64-bit collision cannot hand out wrong entries. Cached blocks are
 * evicted (LRU) only when the free list is empty.
 *
 * <p>Not thread-safe: the engine thread owns it (through the {@link Scheduler}).
 */
final class BlockAllocator {
    /** What a cached block holds: its chain hash, its parent's hash and its tokens. */
    private record BlockKey(long hash, long parent, int[] tokens) {}

    private final int blocks;
    private final int blockSize;
    private final long modelSalt;
    private final int[] refs;
    private final BlockKey[] keys;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();
    private final Map<Long, Integer> byHash = new HashMap<>();
    private long evictions;

    /**
     * @param modelSalt mixed into every hash, so that blocks of different models never match
     */
    BlockAllocator(int blocks, int blockSize, long modelSalt) {
        Checks.require(blocks > 0 && blockSize > 0, "blocks and block size must be positive");
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.modelSalt = modelSalt;
        this.refs = new int[blocks];
        this.keys = new BlockKey[blocks];
        for (int b = 0; b < blocks; b++) {
            free.add(b);
        }
    }

    int blocks() {
        return blocks;
    }

    int blockSize() {
        return blockSize;
    }

    /** Blocks that {@link #allocate} can hand out now: free ones and unreferenced cached ones. */
    int available() {
        return free.size() + evictable.size();
    }

    /** Blocks referenced by sequences or holding cached prefix entries (all but the free list). */
    int used() {
        return blocks - free.size();
    }

    /** Cached blocks with no reference (evictable). */
    int cachedUnreferenced() {
        return evictable.size();
    }

    long evictions() {
        return evictions;
    }

    int refCount(int block) {
        return refs[block];
    }

    boolean isCached(int block) {
        return keys[block] != null;
    }

    /**
     * A block with one reference: a free one, else the least recently used cached one (its entries forgotten).
     *
     * @throws IllegalStateException when none is {@link #available()}
     */
    int allocate() {
        Integer b = free.poll();
        if (b == null) {
            Iterator<Integer> it = evictable.iterator();
            if (!it.hasNext()) {
                throw new IllegalStateException("no KV block is available (" + blocks + " in use)");
            }
            b = it.next();
            it.remove();
            byHash.remove(keys[b].hash());
            keys[b] = null;
            evictions++;
        }
        refs[b] = 1;
        return b;
    }

    /** Drops one reference; an unreferenced block becomes cached (if hashed) or free. */
    void release(int block) {
        if (refs[block] <= 0) {
            throw new IllegalStateException("block " + block + " released more often than referenced");
        }
        if (--refs[block] == 0) {
            if (keys[block] != null) {
                evictable.add(block); // most recently used: at the end
            } else {
                free.add(block);
            }
        }
    }

    /** The chain hash of the block holding {@code tokens[from, from + blockSize)} after a block hashed {@code parent}. */
    long hash(long parent, int[] tokens, int from) {
        long h = parent * 0x9E3779B97F4A7C15L ^ modelSalt;
        for (int i = 0; i < blockSize; i++) {
            h ^= tokens[from + i] & 0xFFFFFFFFL;
            h *= 0x100000001B3L; // FNV-1a step over 32-bit tokens
            h ^= h >>> 29;
        }
        return h;
    }

    /**
     * A cached block holding {@code tokens[from, from + blockSize)} after the prefix hashed {@code parent},
     * with one more reference, if there is one.
     */
    OptionalInt lookup(long hash, long parent, int[] tokens, int from) {
        Integer b = byHash.get(hash);
        if (b == null) {
            return OptionalInt.empty();
        }
        BlockKey k = keys[b];
        if (k.parent() != parent || !Arrays.equals(k.tokens(), 0, blockSize, tokens, from, from + blockSize)) {
            return OptionalInt.empty(); // a hash collision: not the same prefix
        }
        if (refs[b]++ == 0) {
            evictable.remove(b);
        }
        return OptionalInt.of(b);
    }

    /**
     * Makes the full, referenced {@code block} findable by its content. If another block already holds the
     * same prefix, that one stays the cached copy and this one stays private (freed when released).
     */
    void publish(int block, long hash, long parent, int[] tokens, int from) {
        if (refs[block] <= 0) {
            throw new IllegalStateException("block " + block + " is published without a reference");
        }
        if (keys[block] != null || byHash.containsKey(hash)) {
            return;
        }
        keys[block] = new BlockKey(hash, parent, Arrays.copyOfRange(tokens, from, from + blockSize));
        byHash.put(hash, block);
    }
}
