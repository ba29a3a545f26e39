package io.stellarchat.engine.runtime;

import io.stellarchat.engine.model.Model;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An {@link EngineClient} that runs one generation at a time, in FIFO order, on one model.
 *
 * <p>Design. One named platform thread, {@code stellar-engine-<name>}, owns the model's forward pass: it
 * alone calls the {@link Generator}. Callers talk to it only through messages: {@link #submit} puts a
 * {@link RequestHandle} in a bounded waiting queue (full → {@link EngineOverloadedException}); the engine
 * thread takes the oldest, drops it if it was cancelled or waited longer than {@code maxWait} (ending it with
 * {@link StreamItem.Failed} of an {@link EngineOverloadedException}), else generates it, writing each event
 * to the request's bounded channel. If a caller stops reading for {@code stallTimeout}, its request is
 * cancelled. Every request ends with exactly one {@link StreamItem.Finished} or {@link StreamItem.Failed}.
 *
 * <p>The batching scheduler (continuous batching over a paged KV cache) replaces this class behind the same
 * interface.
 *
 * <p>Shutdown: {@link #close()} refuses new requests, cancels the running one, fails the queued ones, and
 * joins the thread (bounded wait).
 */
public final class SerialEngine implements EngineClient {
    private static final Logger LOG = Logger.getLogger(SerialEngine.class.getName());
    private static final Duration POLL = Duration.ofMillis(200);

    private final Generator generator;
    private final BlockingQueue<Object> waiting; // RequestHandle or EmbedJob, in arrival order
    private final Duration maxWait;
    private final Duration stallTimeout;
    private final int channelCapacity;
    private final Thread thread;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean closed;
    private volatile RequestHandle current;

    /**
     * @param model        the model this engine runs
     * @param name         used in the thread name and request ids
     * @param queueDepth   requests that may wait (beyond it: rejected)
     * @param maxWait      how long a request may wait before it is failed as overloaded
     * @param stallTimeout how long the engine waits for a caller to take an event before cancelling it
     */
    public SerialEngine(Model model, String name, int queueDepth, Duration maxWait, Duration stallTimeout) {
        if (queueDepth < 1) {
            throw new IllegalArgumentException("queue depth must be >= 1, got " + queueDepth);
        }
        this.generator = new Generator(model);
        this.waiting = new ArrayBlockingQueue<>(queueDepth);
        this.maxWait = maxWait;
        this.stallTimeout = stallTimeout;
        this.channelCapacity = 1024;
        this.thread = Thread.ofPlatform().name("stellar-engine-" + name).daemon(true).unstarted(this::loop);
        this.thread.start();
    }

    @Override
    public RequestHandle submit(GenerationRequest request) {
        if (closed) {
            throw new IllegalStateException("the engine is shut down");
        }
        int prompt = request.promptTokens().length;
        if (prompt >= request.contextLength()) {
            throw new ContextOverflowException(prompt, request.contextLength());
        }
        RequestHandle h = new RequestHandle("gen-" + ids.incrementAndGet(), request, channelCapacity, System.nanoTime());
        if (!waiting.offer(h)) {
            rejected.incrementAndGet();
            throw new EngineOverloadedException("the model's request queue is full (" + (waiting.size())
                    + " waiting); retry later", true, Duration.ofSeconds(1));
        }
        return h;
    }

    /** An embedding waiting for the engine thread. */
    private record EmbedJob(int[] tokens, CompletableFuture<float[]> result, long submittedNanos) {}

    @Override
    public CompletableFuture<float[]> embed(int[] tokens) {
        if (closed) {
            throw new IllegalStateException("the engine is shut down");
        }
        EmbedJob job = new EmbedJob(tokens.clone(), new CompletableFuture<>(), System.nanoTime());
        if (!waiting.offer(job)) {
            rejected.incrementAndGet();
            throw new EngineOverloadedException("the model's request queue is full (" + waiting.size()
                    + " waiting); retry later", true, Duration.ofSeconds(1));
        }
        return job.result();
    }

    @Override
    public EngineStats stats() {
        return EngineStats.ofRequests(waiting.size(), running.get(), completed.get(), rejected.get());
    }

    private void loop() {
        long start = System.nanoTime();
        try {
            generator.warmUp(); // requests that arrive meanwhile wait in the queue
            LOG.fine(() -> "warm-up took " + (System.nanoTime() - start) / 1_000_000 + " ms");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "warm-up failed", e);
        }
        while (!closed) {
            Object job;
            try {
                job = waiting.poll(POLL.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                break;
            }
            switch (job) {
                case null -> { }
                case RequestHandle h -> run(h);
                case EmbedJob e -> runEmbedding(e);
                default -> throw new IllegalStateException("unknown job " + job);
            }
        }
        Object left;
        while ((left = waiting.poll()) != null) {
            IllegalStateException shutDown = new IllegalStateException("the engine shut down");
            if (left instanceof RequestHandle h) {
                h.finish(new StreamItem.Failed(shutDown));
            } else if (left instanceof EmbedJob e) {
                e.result().completeExceptionally(shutDown);
            }
        }
    }

    private void run(RequestHandle h) {
        long waited = System.nanoTime() - h.submittedNanos();
        if (h.isCancelled()) {
            completed.incrementAndGet();
            h.finish(new StreamItem.Finished(new GenerationResult(FinishReason.CANCELLED, "",
                    new Usage(h.request().promptTokens().length, 0, 0, 0, 0))));
            return;
        }
        if (waited > maxWait.toNanos()) {
            rejected.incrementAndGet();
            h.finish(new StreamItem.Failed(new EngineOverloadedException("the request waited "
                    + waited / 1_000_000 + " ms for the model, longer than the limit of " + maxWait.toMillis()
                    + " ms; retry later", false, Duration.ofSeconds(2))));
            return;
        }
        current = h;
        running.incrementAndGet();
        try {
            GenerationResult r = generator.generate(h.request(), h.cancellation(), event -> deliver(h, event));
            h.finish(new StreamItem.Finished(r));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "generation " + h.id() + " failed", e);
            h.finish(new StreamItem.Failed(e));
        } finally {
            running.decrementAndGet();
            completed.incrementAndGet();
            current = null;
        }
    }

    private void runEmbedding(EmbedJob job) {
        if (job.result().isDone()) {
            return; // the caller gave up
        }
        running.incrementAndGet();
        try {
            job.result().complete(generator.embed(job.tokens()));
        } catch (RuntimeException e) {
            job.result().completeExceptionally(e);
        } finally {
            running.decrementAndGet();
            completed.incrementAndGet();
        }
    }

    private void deliver(RequestHandle h, GenerationEvent event) {
        try {
            if (!h.offer(new StreamItem.Event(event), stallTimeout)) {
                h.cancel(); // the caller stopped reading: do not hold the model for it
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            h.cancel();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RequestHandle c = current;
        if (c != null) {
            c.cancel();
        }
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
