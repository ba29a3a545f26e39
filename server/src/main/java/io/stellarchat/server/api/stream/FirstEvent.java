package io.stellarchat.server.api.stream;

import io.javalin.http.Context;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ProviderException;
import java.time.Duration;
import java.util.List;

/**
 * The first event of an answer, awaited before a streamed response commits its status. Until a model has
 * produced something the request may still be refused (an engine queue that was full or waited past
 * {@code engine.max_wait}, an upstream that failed before its first byte): waiting here lets that refusal be
 * a real 429/503 with {@code Retry-After} instead of a 200 whose event stream carries an error. The answer
 * is then handed on as a stream that gives the awaited event first.
 *
 * <p>Threads: the request's own thread, like {@link AnswerReader}; the watch on the client's connection is
 * made between waits, when Jetty is not reading it.
 */
final class FirstEvent implements ChatStream {
    /** How often the wait checks that its client is still there. */
    private static final Duration CLIENT_CHECK = Duration.ofMillis(250);

    private final ChatStream stream;
    /** The awaited event until {@link #next} handed it on; owned by the request thread. */
    private ChatEvent first;

    private FirstEvent(ChatStream stream, ChatEvent first) {
        this.stream = stream;
        this.first = first;
    }

    /**
     * Waits for the answer's first event, at most {@code limit}.
     *
     * @return the answer with that event first, or null when the client left (the answer is then cancelled)
     * @throws ProviderException the answer failed before its first event, or produced nothing within {@code limit}
     *                           (it is then cancelled); nothing has been written to the client
     */
    static ChatStream await(Context ctx, ChatStream stream, Duration limit) {
        ClientWatch watch = ClientWatch.of(ctx);
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (true) {
                ChatEvent e = stream.next(CLIENT_CHECK);
                if (e != null) return new FirstEvent(stream, e);
                if (watch.clientGone()) {
                    stream.cancel();
                    return null;
                }
                if (System.nanoTime() - deadline > 0) {
                    stream.cancel();
                    throw ProviderException.unavailable("stalled", "The model produced nothing for "
                            + limit.toSeconds() + " s; the request was cancelled.", Duration.ofSeconds(1));
                }
            }
        } catch (InterruptedException e) {
            stream.cancel();
            Thread.currentThread().interrupt();
            throw ProviderException.unavailable("shutting_down", "The server is shutting down.", null);
        } catch (RuntimeException e) {
            stream.cancel();
            throw e;
        }
    }

    @Override
    public ChatEvent next(Duration timeout) throws InterruptedException {
        ChatEvent e = first;
        if (e != null) {
            first = null;
            return e;
        }
        return stream.next(timeout);
    }

    @Override
    public void cancel() {
        stream.cancel();
    }

    @Override
    public String model() {
        return stream.model();
    }

    @Override
    public String upstream() {
        return stream.upstream();
    }

    @Override
    public List<String> warnings() {
        return stream.warnings();
    }

    @Override
    public int attempts() {
        return stream.attempts();
    }

    @Override
    public void close() {
        stream.close();
    }
}
