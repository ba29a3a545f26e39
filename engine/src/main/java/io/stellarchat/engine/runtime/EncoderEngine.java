package io.stellarchat.engine.runtime;

import io.stellarchat.engine.model.Encoder;
import io.stellarchat.engine.model.Model;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The engine of an encoder model (embeddings, reranking): it batches whole inputs, padding-free, into one
 * forward pass of the {@link Encoder}.
 *
 * <p>Design:
 * <ul>
 *   <li><b>Caller threads</b> ({@link #embed}) check the input (empty, longer than the context, vocabulary) and
 *       put a job into the bounded {@code inbox}; a full inbox is an {@link EngineOverloadedException} at once.</li>
 *   <li><b>The engine thread</b> ({@code encoder-<id>}) alone runs the encoder and owns its scratch buffers. It
 *       takes the first waiting job, then every further one already queued while the batch stays within
 *       {@code maxBatchTokens} (a single input longer than that still runs, alone), skips jobs whose futures
 *       were cancelled, runs them as one batch and completes each future with its vector.</li>
 *   <li><b>States:</b> running → closed, once. {@link #close()} (idempotent) sets {@code closed} and joins the thread
 *       (bounded wait; the thread polls the inbox with a 200 ms timeout), then fails every job still queued. A job taken by the thread when the
 *       engine closes is completed or failed by that thread before it exits.</li>
 * </ul>
 * Generations are refused: an encoder does not generate ({@link #submit} throws {@link IllegalStateException}).
 */
public final class EncoderEngine implements EngineClient {
    private static final Logger LOG = Logger.getLogger(EncoderEngine.class.getName());
    private static final long JOIN_MILLIS = 10_000;

    private final Model model;
    private final Encoder encoder;
    private final int maxBatchTokens;
    private final BlockingQueue<Job> inbox;
    private final Thread thread;
    private volatile boolean closed;
    private volatile int running; // inputs in the batch being computed (engine thread writes)
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong tokens = new AtomicLong();

    /** One input waiting for the engine thread. */
    private record Job(int[] tokens, CompletableFuture<float[]> result) {}

    /**
     * @param model          an encoder model (the engine does not own it)
     * @param id             names the engine thread
     * @param queueDepth     inputs that may wait; more are refused
     * @param maxBatchTokens tokens per forward pass (inputs are never split)
     */
    public EncoderEngine(Model model, String id, int queueDepth, int maxBatchTokens) {
        if (!model.isEncoder()) {
            throw new IllegalArgumentException("model " + model.name() + " is not an encoder");
        }
        if (queueDepth < 1 || maxBatchTokens < 1) {
            throw new IllegalArgumentException("queueDepth and maxBatchTokens must be positive");
        }
        this.model = model;
        this.encoder = model.encoder();
        this.maxBatchTokens = maxBatchTokens;
        this.inbox = new ArrayBlockingQueue<>(queueDepth);
        this.thread = Thread.ofPlatform().name("encoder-" + id).daemon(true).unstarted(this::loop);
        thread.start();
    }

    /** Encoders do not generate text. */
    @Override
    public RequestHandle submit(GenerationRequest request) {
        throw new IllegalStateException("model " + model.name() + " is an embedding/reranking model; it does not generate text");
    }

    /**
     * The pooled output of {@code tokens}: an L2-normalised embedding, or for a rank-pooling model the
     * classifier's raw scores (logits). Queued and batched with other inputs.
     *
     * @throws ContextOverflowException  when the input is longer than the model's context
     * @throws IllegalArgumentException  when it is empty or has a token outside the vocabulary
     * @throws EngineOverloadedException when the queue is full
     */
    @Override
    public CompletableFuture<float[]> embed(int[] tokens) {
        if (closed) {
            throw new IllegalStateException("the engine is shut down");
        }
        int ctx = encoder.config().contextLength();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("cannot embed an empty input");
        }
        if (tokens.length > ctx) {
            throw new ContextOverflowException(tokens.length, ctx);
        }
        int vocab = encoder.config().vocabSize();
        for (int t : tokens) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        Job job = new Job(tokens.clone(), new CompletableFuture<>());
        if (!inbox.offer(job)) {
            rejected.incrementAndGet();
            throw new EngineOverloadedException("the embedding queue is full (" + inbox.size() + " inputs waiting)",
                    true, Duration.ofSeconds(1));
        }
        if (closed && inbox.remove(job)) {
            throw new IllegalStateException("the engine is shut down");
        }
        return job.result();
    }

    /** Engine thread: batch, run, complete; until closed. */
    private void loop() {
        List<Job> batch = new ArrayList<>();
        while (!closed) {
            Job first;
            try {
                first = inbox.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                continue;
            }
            batch.clear();
            int total = 0;
            for (Job j = first; j != null; ) {
                if (!j.result().isDone()) {
                    batch.add(j);
                    total += j.tokens().length;
                }
                Job next = inbox.peek();
                if (next == null || total + next.tokens().length > maxBatchTokens) {
                    break;
                }
                j = inbox.poll();
            }
            if (batch.isEmpty()) {
                continue;
            }
            run(batch, total);
        }
    }

    private void run(List<Job> batch, int total) {
        running = batch.size();
        try {
            List<int[]> inputs = new ArrayList<>(batch.size());
            for (Job j : batch) {
                inputs.add(j.tokens());
            }
            float[][] out = encoder.encode(inputs, true);
            batches.incrementAndGet();
            tokens.addAndGet(total);
            // Counters first: whoever is woken by a result sees stats that include it.
            completed.addAndGet(batch.size());
            running = 0;
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(out[i]);
            }
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, "encoder batch failed", e);
            completed.addAndGet(batch.size());
            running = 0;
            for (Job j : batch) {
                j.result().completeExceptionally(e);
            }
        }
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(inbox.size(), running, completed.get(), rejected.get(), 0, 0, tokens.get(), 0,
                batches.get(), tokens.get(), 0);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true; // the thread sees it within one poll (200 ms) or after its current batch
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Job j;
        while ((j = inbox.poll()) != null) {
            j.result().completeExceptionally(new IllegalStateException("the engine is shut down"));
        }
    }
}
