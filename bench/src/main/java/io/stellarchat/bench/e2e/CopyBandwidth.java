package io.stellarchat.bench.e2e;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * Measures the machine's memory copy bandwidth: {@code MemorySegment.copy} between two off-heap buffers of
 * {@code bytes / 2} each (far larger than any cache), by one thread and by {@code threads} platform threads
 * that each copy their own contiguous slice. Counted as STREAM's Copy does: bytes read plus bytes written,
 * so {@code bytes} per pass. The buffers are touched before timing, so page faults are not measured.
 *
 * <p>Each figure is the best of {@link #PASSES} timed passes after one untimed pass (STREAM reports the best
 * too: slower passes are interference from other processes, not the memory system).
 */
final class CopyBandwidth {
    static final int PASSES = 5;

    /**
     * @param singleGbps bandwidth of one thread, GB/s (10^9 bytes/s), read + written
     * @param multiGbps  bandwidth of {@code threads} threads, GB/s, read + written
     * @param threads    threads of the multi-threaded figure
     * @param bytes      bytes moved per pass (read + written)
     */
    record Result(double singleGbps, double multiGbps, int threads, long bytes) {}

    private CopyBandwidth() {}

    static Result measure(long bytes, int threads) throws InterruptedException {
        long half = (bytes / 2) & ~4095L; // (half) bytes in each buffer, page multiple
        if (half < 4096L * threads) {
            throw new IllegalArgumentException("copy buffer of " + bytes + " bytes is too small for " + threads + " threads");
        }
        try (Arena arena = Arena.ofShared()) { // shared: the worker threads copy too
            MemorySegment src = arena.allocate(half, 4096);
            MemorySegment dst = arena.allocate(half, 4096);
            src.fill((byte) 1);
            dst.fill((byte) 2);
            double single = best(() -> MemorySegment.copy(src, 0, dst, 0, half), 2 * half);
            double multi = bestParallel(src, dst, half, threads);
            return new Result(single, multi, threads, 2 * half);
        }
    }

    private static double best(Runnable pass, long moved) {
        pass.run();
        double best = 0;
        for (int i = 0; i < PASSES; i++) {
            long t0 = System.nanoTime();
            pass.run();
            best = Math.max(best, moved / (double) (System.nanoTime() - t0));
        }
        return best; // bytes per ns == GB/s
    }

    /** Each thread copies slice {@code [t*chunk, (t+1)*chunk)}; the caller times from the start barrier to the end one. */
    private static double bestParallel(MemorySegment src, MemorySegment dst, long half, int threads)
            throws InterruptedException {
        if (threads == 1) {
            return best(() -> MemorySegment.copy(src, 0, dst, 0, half), 2 * half);
        }
        long chunk = (half / threads) & ~63L;
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CyclicBarrier end = new CyclicBarrier(threads + 1);
        int passes = PASSES + 1;
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            long from = t * chunk;
            long len = t == threads - 1 ? half - from : chunk;
            workers[t] = Thread.ofPlatform().daemon().name("copy-bw-" + t).start(() -> {
                try {
                    for (int p = 0; p < passes; p++) {
                        start.await();
                        MemorySegment.copy(src, from, dst, from, len);
                        end.await();
                    }
                } catch (InterruptedException | BrokenBarrierException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        double best = 0;
        try {
            for (int p = 0; p < passes; p++) {
                start.await();
                long t0 = System.nanoTime();
                end.await();
                long ns = System.nanoTime() - t0;
                if (p > 0) { // pass 0 is the untimed warm-up
                    best = Math.max(best, 2.0 * half / ns);
                }
            }
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("copy bandwidth worker failed", e);
        } finally {
            for (Thread w : workers) {
                w.join();
            }
        }
        return best;
    }
}
