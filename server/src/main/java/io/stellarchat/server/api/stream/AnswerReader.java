package io.stellarchat.server.api.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.WireJson;
import io.stellarchat.server.protocol.ChatCollector;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ProviderException;
import java.time.Duration;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@link ChatStream} for an HTTP client, the one place the API waits for a model's answer: collected
 * for a client that did not ask to stream (its connection checked between waits, so a client that leaves
 * cancels the answer), or handed event by event to an SSE writer with keep-alives while nothing comes.
 * Whatever happens, the stream is closed when reading ends (a no-op for an answer that ended).
 *
 * <p>Threads: runs on the request's (virtual) thread; the stream's producer (the engine thread, an upstream
 * reader) is on the other side of the stream's bounded channel.
 */
public final class AnswerReader {
    private static final Logger log = LoggerFactory.getLogger(AnswerReader.class);
    /** A collected answer gives up when its model produces nothing for this long. */
    private static final Duration STALL = Duration.ofMinutes(5);
    /** How often a collected answer checks that its client is still connected. */
    private static final Duration CLIENT_CHECK = Duration.ofMillis(250);

    private final Duration keepAlive;

    /** @param keepAlive how long a streamed answer may be silent before an SSE comment is sent (0 = 5 s) */
    public AnswerReader(Duration keepAlive) {
        this.keepAlive = keepAlive.isZero() ? Duration.ofSeconds(5) : keepAlive;
    }

    /** The client of a collected answer closed its connection; the answer was cancelled. */
    public static final class ClientGone extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClientGone() {
            super("client disconnected", null, false, false);
        }
    }

    /** Receives a streamed answer's events. */
    public interface Sink {
        /** One event (the last is {@link ChatEvent.Done}). */
        void event(ChatEvent e) throws SseWriter.ClientGoneException;

        /** Nothing came for the keep-alive interval. */
        void idle() throws SseWriter.ClientGoneException;
    }

    /**
     * Waits for the whole answer.
     *
     * @throws ClientGone        the client left; the answer was cancelled
     * @throws ProviderException the answer failed
     */
    public ChatCompletion collect(Context ctx, ChatStream stream) {
        ChatCollector collector = new ChatCollector();
        ClientWatch watch = ClientWatch.of(ctx);
        try (stream) {
            long idleSince = System.nanoTime();
            while (true) {
                if (watch.clientGone()) {
                    throw new ClientGone();
                }
                ChatEvent e = next(stream, CLIENT_CHECK);
                if (e == null) {
                    if (System.nanoTime() - idleSince > STALL.toNanos()) {
                        throw ProviderException.unavailable("stalled", "The model produced nothing for "
                                + STALL.toMinutes() + " minutes; the request was cancelled.", null);
                    }
                    continue;
                }
                idleSince = System.nanoTime();
                if (collector.accept(e)) {
                    return collector.result(stream.model(), stream.upstream());
                }
            }
        }
    }

    /**
     * Hands every event to {@code sink} until {@link ChatEvent.Done}.
     *
     * @throws SseWriter.ClientGoneException the client left; the answer was cancelled
     * @throws ProviderException             the answer failed
     */
    public void stream(ChatStream stream, Sink sink) throws SseWriter.ClientGoneException {
        try (stream) {
            while (true) {
                ChatEvent e = next(stream, keepAlive);
                if (e == null) {
                    sink.idle();
                    continue;
                }
                sink.event(e);
                if (e instanceof ChatEvent.Done) {
                    return;
                }
            }
        }
    }

    /**
     * Streams the answer as server-sent events: waits for its first event ({@link #awaitFirstEvent}: a refusal
     * before it is a plain HTTP error), opens the event stream (headers out then), hands every event
     * to the sink made for it, and ends a failed answer with one error event in the error shape and no
     * {@code [DONE]} (a cut stream that ended normally would look complete to a client). A client that leaves
     * cancels the answer.
     *
     * @param what names the kind of answer in the log line of a client that left
     */
    public void streamSse(Context ctx, ChatStream stream, ObjectMapper json, String what,
                          Function<SseWriter, Sink> sinkFor) {
        stream = awaitFirstEvent(ctx, stream);
        if (stream == null) {
            log.info("client disconnected before a streamed {} began; generation cancelled", what);
            return;
        }
        SseWriter sse;
        try {
            sse = new SseWriter(ctx);
        } catch (SseWriter.ClientGoneException e) {
            stream.cancel();
            return;
        }
        try {
            stream(stream, sinkFor.apply(sse));
        } catch (SseWriter.ClientGoneException e) {
            log.info("client disconnected during a streamed {}; generation cancelled", what);
        } catch (RuntimeException e) {
            ApiException a = ApiException.of(e);
            if (a.status() >= 500) {
                log.warn("streamed {} failed: {} {}", what, a.code(), a.getMessage());
            }
            try {
                sse.data(WireJson.error(json, a).toString());
            } catch (SseWriter.ClientGoneException ignored) {
                // nothing more to tell a client that is gone
            }
        }
    }

    /**
     * Waits for a streamed answer's first event before anything is written, so that an answer refused before
     * it began (a full or timed-out engine queue, an upstream that failed at once) is an HTTP error with its
     * status and {@code Retry-After}, not a 200 whose stream ends in an error event. Waits at most as long as a
     * collected answer may be silent.
     *
     * @return the answer, its first event still to be read; null when the client left (the answer is cancelled)
     * @throws ProviderException the answer failed before its first event
     */
    public ChatStream awaitFirstEvent(Context ctx, ChatStream stream) {
        return FirstEvent.await(ctx, stream, STALL);
    }

    private static ChatEvent next(ChatStream stream, Duration wait) {
        try {
            return stream.next(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProviderException.unavailable("shutting_down", "The server is shutting down.", null);
        }
    }
}
