package io.stellarchat.engine.runtime;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One submitted generation, seen from the caller: the consumer end of its bounded channel, and cancel.
 *
 * <p>Threads: the engine thread is the only producer ({@link #offer}); one caller thread consumes
 * ({@link #poll}). {@link #cancel()} may be called from any thread; the engine sees it before the next token.
 * The channel is bounded: if the caller stops reading for longer than the engine's offer timeout, the
 * engine cancels the request rather than stall (a slow client never blocks the engine for long).
 */
public final class RequestHandle {
    private final String id;
    private final GenerationRequest request;
    private final long submittedNanos;
    private final CancellationToken cancel = new CancellationToken();
    private final BlockingQueue<StreamItem> channel;

    RequestHandle(String id, GenerationRequest request, int capacity, long submittedNanos) {
        this.id = id;
        this.request = request;
        this.submittedNanos = submittedNanos;
        this.channel = new ArrayBlockingQueue<>(capacity);
    }

    /** The engine's id of this request (for logs). */
    public String id() {
        return id;
    }

    public GenerationRequest request() {
        return request;
    }

    long submittedNanos() {
        return submittedNanos;
    }

    CancellationToken cancellation() {
        return cancel;
    }

    /** Asks the engine to stop this request; it ends with {@link FinishReason#CANCELLED}. Idempotent. */
    public void cancel() {
        cancel.cancel();
    }

    public boolean isCancelled() {
        return cancel.isCancelled();
    }

    /**
     * The next item, waiting at most {@code timeout}; {@code null} when none arrived in time (the caller can
     * then send a keep-alive, check its client, and poll again).
     */
    public StreamItem poll(Duration timeout) throws InterruptedException {
        return channel.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Engine side: hands an item to the caller, waiting at most {@code timeout}; false if the caller is stuck. */
    boolean offer(StreamItem item, Duration timeout) throws InterruptedException {
        return channel.offer(item, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Engine side: the end item, which must always get through (the channel keeps room for it: the engine cancels a request whose reader falls that far behind). */
    void finish(StreamItem end) {
        while (!channel.offer(end)) {
            channel.poll(); // drop the oldest undelivered event: the caller is gone or far behind
        }
    }
}
