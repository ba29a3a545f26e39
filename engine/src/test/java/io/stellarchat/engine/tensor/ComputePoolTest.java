package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ComputePoolTest {

    static List<Thread> computeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("stellar-compute-")).toList();
    }

    @Test
    void everyIndexRunsExactlyOnceInChunksAlignedToTheGrain() {
        try (ComputePool pool = new ComputePool(3)) {
            for (int n : new int[] {0, 1, 15, 16, 17, 31, 32, 100, 1000, 12_345}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                Set<Integer> starts = ConcurrentHashMap.newKeySet();
                for (int rep = 0; rep < 20; rep++) {
                    pool.parallelFor(n, (start, end) -> {
                        starts.add(start);
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(20, hits.get(i), "n = " + n + ", index " + i);
                }
                if (n >= 2 * ComputePool.GRAIN) {
                    for (int s : starts) {
                        assertEquals(0, s % ComputePool.GRAIN, "chunk start " + s + " for n = " + n);
                    }
                }
            }
        }
    }

    @Test
    void workIsSharedWithTheWorkerThreads() {
        try (ComputePool pool = new ComputePool(2)) {
            Set<String> names = ConcurrentHashMap.newKeySet();
            for (int rep = 0; rep < 200 && names.size() < 2; rep++) {
                pool.parallelFor(4096, (start, end) -> {
                    names.add(Thread.currentThread().getName());
                    long spin = System.nanoTime() + 20_000;
                    while (System.nanoTime() < spin) {
                        Thread.onSpinWait();
                    }
                });
            }
            assertTrue(names.stream().anyMatch(n -> n.startsWith("stellar-compute-")), names.toString());
        }
    }

    @Test
    void aWorkerExceptionReachesTheCallerAndThePoolStaysUsable() {
        try (ComputePool pool = new ComputePool(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            for (int rep = 0; rep < 10; rep++) {
                IllegalStateException thrown = assertThrows(IllegalStateException.class,
                        () -> pool.parallelFor(1024, (start, end) -> {
                            if (start <= 700 && 700 < end) {
                                throw boom;
                            }
                        }));
                assertSame(boom, thrown);
            }
            AssertionError error = new AssertionError("err");
            assertSame(error, assertThrows(AssertionError.class, () -> pool.parallelFor(1024, (s, e) -> {
                throw error;
            })));
            AtomicInteger sum = new AtomicInteger();
            pool.parallelFor(1000, (start, end) -> sum.addAndGet(end - start));
            assertEquals(1000, sum.get());
        }
    }

    @Test
    void nestedAndConcurrentCallsStillCoverEveryIndex() throws Exception {
        try (ComputePool pool = new ComputePool(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(64 * 64);
            pool.parallelFor(64, (s, e) -> {
                for (int i = s; i < e; i++) {
                    int row = i;
                    pool.parallelFor(64, (s2, e2) -> {
                        for (int j = s2; j < e2; j++) {
                            hits.incrementAndGet(row * 64 + j);
                        }
                    });
                }
            });
            for (int i = 0; i < hits.length(); i++) {
                assertEquals(1, hits.get(i));
            }
            AtomicIntegerArray both = new AtomicIntegerArray(10_000);
            Runnable caller = () -> {
                for (int rep = 0; rep < 50; rep++) {
                    pool.parallelFor(10_000, (s, e) -> {
                        for (int i = s; i < e; i++) {
                            both.incrementAndGet(i);
                        }
                    });
                }
            };
            Thread other = Thread.ofPlatform().start(caller);
            caller.run();
            other.join();
            for (int i = 0; i < both.length(); i++) {
                assertEquals(100, both.get(i));
            }
        }
    }

    @Test
    void closeStopsTheThreadsAndIsIdempotent() throws Exception {
        List<Thread> before = computeThreads();
        ComputePool pool = new ComputePool(3);
        List<Thread> mine = computeThreads().stream().filter(t -> !before.contains(t)).toList();
        assertEquals(3, mine.size());
        assertTrue(mine.stream().allMatch(Thread::isDaemon));
        pool.parallelFor(100, (s, e) -> {});
        pool.close();
        pool.close();
        for (Thread t : mine) {
            t.join(5_000);
            assertFalse(t.isAlive(), t.getName());
        }
        assertThrows(IllegalStateException.class, () -> pool.parallelFor(10, (s, e) -> {}));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ComputePool(-1));
        try (ComputePool pool = new ComputePool(0)) {
            assertThrows(IllegalArgumentException.class, () -> pool.parallelFor(-1, (s, e) -> {}));
            AtomicInteger sum = new AtomicInteger();
            pool.parallelFor(50, (s, e) -> sum.addAndGet(e - s)); // no workers: the caller runs it all
            assertEquals(50, sum.get());
        }
    }

    @Test
    void parallelismCountsTheCallerAsOneOfTheThreads() {
        assertThrows(IllegalArgumentException.class, () -> ComputePool.withParallelism(0));
        try (ComputePool one = ComputePool.withParallelism(1); ComputePool three = ComputePool.withParallelism(3)) {
            assertEquals(0, one.threads());
            assertEquals(2, three.threads());
            java.util.Set<Thread> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            one.parallelFor(1000, (s, e) -> seen.add(Thread.currentThread()));
            assertEquals(java.util.Set.of(Thread.currentThread()), seen);
        }
        try (ComputePool byDefault = new ComputePool()) {
            assertEquals(Math.max(0, Runtime.getRuntime().availableProcessors() - 1), byDefault.threads());
        }
    }

    @Test
    void kernelsSplitOverThePoolGiveTheSameResultAsOneThread() {
        Kernels k = Kernels.vector();
        try (ComputePool pool = new ComputePool(2); java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            Tensor w = RandomTensors.random(arena, io.stellarchat.engine.gguf.GgmlType.Q4_K, 300, 512, 11);
            float[] x = RandomTensors.randomFloats(2 * 512, 12);
            float[] one = new float[2 * 300];
            float[] many = new float[2 * 300];
            k.matMul(w, x, 2, one, 0, 300);
            pool.parallelFor(300, (s, e) -> k.matMul(w, x, 2, many, s, e));
            assertTrue(java.util.Arrays.equals(one, many));
        }
    }
}
