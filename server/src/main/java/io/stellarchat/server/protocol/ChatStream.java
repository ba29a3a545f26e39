package io.stellarchat.server.protocol;

import java.time.Duration;

/**
 * An answer being generated: a cancellable, pull-based sequence of {@link ChatEvent}s ending with
 * {@link ChatEvent.Done}. Used for plain completions too (text deltas, no tool calls).
 *
 * <p>Threads: one consumer thread calls {@link #next}; {@link #cancel()} may be called from any thread.
 * A stream owns what it started (an engine request, an upstream HTTP exchange) and releases it when it ends,
 * fails or is cancelled; {@link #close()} cancels a stream that has not ended.
 */
public interface ChatStream extends AutoCloseable {

    /**
     * The next event, waiting at most {@code timeout}; null when none arrived in time (the caller may then send
     * a keep-alive or check its client, and call again). After {@link ChatEvent.Done} it must not be called.
     *
     * @throws ProviderException    the answer failed (a timeout, an upstream error, an overloaded engine)
     * @throws InterruptedException the consumer was interrupted; the stream is cancelled
     */
    ChatEvent next(Duration timeout) throws InterruptedException;

    /** Stops the answer (idempotent; a no-op once it ended). The stream then ends with {@link FinishReason#CANCELLED}. */
    void cancel();

    /** The model id to report to the client: the one it asked for, or the fallback's that answered. */
    String model();

    /** Who answers, for {@code X-Stellar-Upstream}: {@code <provider id>/<upstream model>}, {@code local/<model id>}. */
    String upstream();

    /**
     * Notes for the client about how the request was taken (e.g. JSON Schema keywords a non-strict
     * {@code response_format} had ignored); sent as {@code X-Stellar-Warning}. Known before the first event.
     */
    default java.util.List<String> warnings() {
        return java.util.List.of();
    }

    /** Calls made to get this answer (retries and fallbacks included); 1 when it came at the first try. */
    default int attempts() {
        return 1;
    }

    @Override
    default void close() {
        cancel();
    }
}
