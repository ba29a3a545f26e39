package io.stellarchat.engine.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of platform threads that splits one index range over the cores: {@link #parallelFor}.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Owners.</b> The pool owns its worker threads {@code stellar-compute-0 .. N-1} (daemon) from the
 *       constructor to {@link #close()}. The caller of {@link #parallelFor} owns the {@link Job} it publishes:
 *       it creates it, runs chunks of it itself, waits for it, and clears it. Workers only claim chunks.</li>
 *   <li><b>One job at a time.</b> {@link #current} holds the published job (or null). {@link #busy} admits one
 *       caller at a time; a second concurrent caller, or a task that calls back into the pool from a worker,
 *       runs its range inline on its own thread rather than waiting (no deadlock, same result).</li>
 *   <li><b>Chunks.</b> [0, n) is cut into contiguous chunks whose boundaries are multiples of {@value #GRAIN}
 *       when n allows; a chunk is claimed by incrementing {@link Job#next}, so each index runs exactly once.
 *       {@link Job#pending} counts chunks not yet finished; whoever finishes the last one unparks the caller.</li>
 *   <li><b>Waiting.</b> Workers and the caller spin briefly ({@link Thread#onSpinWait()}), then park. The caller
 *       unparks every worker after publishing a job; a park after that unpark returns at once, so no wake-up
 *       is lost. Spurious wake-ups re-check the state.</li>
 *   <li><b>Failure.</b> The first throwable of any chunk is kept in {@link Job#failure}; the remaining chunks are
 *       skipped (still counted down) and the caller rethrows it after all chunks are accounted for.</li>
 *   <li><b>States.</b> open → closed, once. {@link #close()} is idempotent: it sets {@link #closed}, unparks and
 *       joins the workers. {@link #parallelFor} on a closed pool throws {@link IllegalStateException}.</li>
 * </ul>
 */
public final class ComputePool implements AutoCloseable {

    /** Chunk boundaries are multiples of this many indices (rows) when the range allows. */
    public static final int GRAIN = 16;
    private static final int SPINS = 2_000;

    /** The work of one {@link #parallelFor} call over the index range [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** One published call: the task, its chunking, and the counters every participant shares. */
    private static final class Job {
        final RangeTask task;
        final int n;
        final int chunk;
        final int chunks;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger pending;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(RangeTask task, int n, int chunk, int chunks, Thread caller) {
            this.task = task;
            this.n = n;
            this.chunk = chunk;
            this.chunks = chunks;
            this.caller = caller;
            this.pending = new AtomicInteger(chunks);
        }

        /** Claims and runs chunks until none is left. */
        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    if (failure.get() == null) {
                        int start = c * chunk;
                        task.run(start, Math.min(n, start + chunk));
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (pending.decrementAndGet() == 0) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }

    private final Thread[] workers;
    private volatile Job current;
    private volatile boolean closed;
    private final AtomicInteger busy = new AtomicInteger();

    /**
     * A pool whose workers plus the calling thread use every available processor: {@code cores - 1} workers,
     * because the caller of {@link #parallelFor} runs chunks too (N workers + caller on N cores would
     * oversubscribe them by one thread and make the last chunk wait for a time slice).
     */
    public ComputePool() {
        this(Math.max(0, Runtime.getRuntime().availableProcessors() - 1));
    }

    /**
     * A pool for {@code parallelism} threads in all: {@code parallelism - 1} workers plus the caller of
     * {@link #parallelFor}; {@code 1} runs everything on the caller.
     *
     * @throws IllegalArgumentException when {@code parallelism} is less than 1
     */
    public static ComputePool withParallelism(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        return new ComputePool(parallelism - 1);
    }

    /**
     * A pool of {@code threads} workers; the caller of {@link #parallelFor} also runs chunks.
     *
     * @throws IllegalArgumentException when {@code threads} is negative
     */
    public ComputePool(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("negative thread count " + threads);
        }
        workers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = Thread.ofPlatform().name("stellar-compute-" + i).daemon(true).unstarted(this::workerLoop);
        }
        for (Thread t : workers) {
            t.start();
        }
    }

    /** Number of worker threads (not counting callers); {@code threads() + 1} threads run a call. */
    public int threads() {
        return workers.length;
    }

    /**
     * Runs {@code task} over [0, n) split into contiguous chunks on the workers and the calling thread, and
     * returns when every chunk is done. Each index is covered by exactly one {@code run(start, end)} call.
     *
     * @throws IllegalArgumentException when {@code n} is negative
     * @throws IllegalStateException when the pool is closed
     * @throws RuntimeException or {@link Error}: the first one a chunk threw (a checked throwable is wrapped in
     *     an {@link IllegalStateException})
     */
    public void parallelFor(int n, RangeTask task) {
        if (n < 0) {
            throw new IllegalArgumentException("negative range size " + n);
        }
        if (closed) {
            throw new IllegalStateException("compute pool is closed");
        }
        if (n == 0) {
            return;
        }
        int parties = workers.length + 1;
        int chunk = chunkSize(n, parties);
        int chunks = (n + chunk - 1) / chunk;
        if (chunks == 1 || workers.length == 0 || !busy.compareAndSet(0, 1)) {
            task.run(0, n); // tiny range, no workers, or the pool is already in use: run inline
            return;
        }
        Job job = new Job(task, n, chunk, chunks, Thread.currentThread());
        try {
            current = job;
            for (Thread t : workers) {
                LockSupport.unpark(t);
            }
            job.work();
            int spins = 0;
            while (job.pending.get() != 0) {
                if (spins < SPINS) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        } finally {
            current = null;
            busy.set(0);
        }
        Throwable t = job.failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException("compute task failed", t);
        }
    }

    /** About four chunks per party for balance, rounded up to a multiple of {@link #GRAIN} when n allows. */
    static int chunkSize(int n, int parties) {
        int target = Math.max(1, (n + 4 * parties - 1) / (4 * parties));
        if (n >= GRAIN * 2) {
            target = (target + GRAIN - 1) / GRAIN * GRAIN;
        }
        return target;
    }

    private void workerLoop() {
        Job last = null;
        int spins = 0;
        while (!closed) {
            Job job = current;
            if (job != null && job != last) {
                last = job;
                job.work();
                spins = 0;
            } else if (spins < SPINS) {
                spins++;
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    /** Stops and joins the workers; idempotent. A call in progress on another thread completes first. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        boolean interrupted = false;
        for (Thread t : workers) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
