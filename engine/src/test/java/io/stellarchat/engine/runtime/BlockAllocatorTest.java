package io.stellarchat.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reference counts, prefix hashes and LRU eviction of KV blocks. */
class BlockAllocatorTest {
    private static final int[] TOKENS = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    @Test
    void allocatesEveryBlockOnceThenRefuses() {
        BlockAllocator a = new BlockAllocator(3, 4, 1);
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            got.add(a.allocate());
        }
        assertEquals(Set.of(0, 1, 2), got);
        assertEquals(0, a.available());
        assertEquals(3, a.used());
        IllegalStateException e = assertThrows(IllegalStateException.class, a::allocate);
        assertTrue(e.getMessage().contains("no KV block"), e.getMessage());
    }

    @Test
    void releasedUnhashedBlockIsFreeAgainAndDoubleReleaseIsRefused() {
        BlockAllocator a = new BlockAllocator(2, 4, 1);
        int b = a.allocate();
        a.release(b);
        assertEquals(2, a.available());
        assertEquals(0, a.used());
        assertThrows(IllegalStateException.class, () -> a.release(b));
    }

    @Test
    void publishedBlockIsFoundBySameTokensAndParentAndCountsReferences() {
        BlockAllocator a = new BlockAllocator(4, 4, 1);
        int b = a.allocate();
        long h = a.hash(Scheduler.ROOT_HASH, TOKENS, 0);
        a.publish(b, h, Scheduler.ROOT_HASH, TOKENS, 0);
        OptionalInt hit = a.lookup(h, Scheduler.ROOT_HASH, TOKENS, 0);
        assertEquals(OptionalInt.of(b), hit);
        assertEquals(2, a.refCount(b));
        a.release(b);
        a.release(b);
        // unreferenced but cached: still counted as used, and available for eviction
        assertEquals(1, a.used());
        assertEquals(4, a.available());
        assertEquals(1, a.cachedUnreferenced());
        assertEquals(OptionalInt.of(b), a.lookup(h, Scheduler.ROOT_HASH, TOKENS, 0));
        assertEquals(0, a.cachedUnreferenced(), "a hit takes the block off the eviction list");
    }

    @Test
    void hashDependsOnParentTokensAndModel() {
        BlockAllocator a = new BlockAllocator(4, 4, 1);
        BlockAllocator otherModel = new BlockAllocator(4, 4, 2);
        long h = a.hash(Scheduler.ROOT_HASH, TOKENS, 0);
        assertEquals(h, a.hash(Scheduler.ROOT_HASH, TOKENS.clone(), 0));
        assertNotEquals(h, a.hash(h, TOKENS, 0), "same tokens after another prefix");
        assertNotEquals(h, a.hash(Scheduler.ROOT_HASH, TOKENS, 1), "other tokens");
        assertNotEquals(h, otherModel.hash(Scheduler.ROOT_HASH, TOKENS, 0), "other model");
    }

    @Test
    void lookupChecksTokensAndParentNotOnlyTheHash() {
        BlockAllocator a = new BlockAllocator(4, 4, 1);
        int b = a.allocate();
        long h = a.hash(Scheduler.ROOT_HASH, TOKENS, 0);
        a.publish(b, h, Scheduler.ROOT_HASH, TOKENS, 0);
        // a forged collision: same hash, other content
        assertTrue(a.lookup(h, Scheduler.ROOT_HASH, TOKENS, 4).isEmpty());
        assertTrue(a.lookup(h, 12345L, TOKENS, 0).isEmpty());
        assertEquals(1, a.refCount(b));
    }

    @Test
    void secondCopyOfSamePrefixStaysPrivateAndIsFreedOnRelease() {
        BlockAllocator a = new BlockAllocator(4, 4, 1);
        long h = a.hash(Scheduler.ROOT_HASH, TOKENS, 0);
        int first = a.allocate();
        int second = a.allocate();
        a.publish(first, h, Scheduler.ROOT_HASH, TOKENS, 0);
        a.publish(second, h, Scheduler.ROOT_HASH, TOKENS, 0);
        assertTrue(a.isCached(first));
        assertFalse(a.isCached(second));
        a.release(second);
        assertEquals(0, a.cachedUnreferenced());
        assertEquals(3, a.available());
    }

    @Test
    void freeBlocksGoFirstThenCachedOnesLeastRecentlyReleasedFirst() {
        BlockAllocator a = new BlockAllocator(3, 4, 1);
        int x = a.allocate();
        int y = a.allocate();
        long hx = a.hash(Scheduler.ROOT_HASH, TOKENS, 0);
        long hy = a.hash(hx, TOKENS, 4);
        a.publish(x, hx, Scheduler.ROOT_HASH, TOKENS, 0);
        a.publish(y, hy, hx, TOKENS, 4);
        a.release(y); // released first: least recently used
        a.release(x);
        int z = a.allocate();
        assertNotEquals(x, z);
        assertNotEquals(y, z);
        assertEquals(0, a.evictions(), "a free block is used before any cached one is evicted");
        assertEquals(y, a.allocate(), "the least recently released cached block is evicted first");
        assertEquals(1, a.evictions());
        assertTrue(a.lookup(hy, hx, TOKENS, 4).isEmpty(), "an evicted block is forgotten");
        assertEquals(OptionalInt.of(x), a.lookup(hx, Scheduler.ROOT_HASH, TOKENS, 0));
    }
}
