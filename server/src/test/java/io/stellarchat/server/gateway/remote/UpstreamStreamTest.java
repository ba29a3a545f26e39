package io.stellarchat.server.gateway.remote;

import static io.stellarchat.server.gateway.remote.RemoteTesting.WAIT;
import static io.stellarchat.server.gateway.remote.RemoteTesting.failureOf;
import static io.stellarchat.server.gateway.remote.RemoteTesting.hello;
import static io.stellarchat.server.gateway.remote.RemoteTesting.next;
import static io.stellarchat.server.gateway.remote.RemoteTesting.thrown;
import static io.stellarchat.server.testing.FakeUpstream.DONE;
import static io.stellarchat.server.testing.FakeUpstream.openAiChunk;
import static io.stellarchat.server.testing.FakeUpstream.openAiText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.ProviderConfig.ProviderType;
import io.stellarchat.server.gateway.Provider;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An answer in flight: deadlines (each its own kind), cut and broken streams, the stream's own poll timeout,
 * cancellation reaching the upstream, and the reader thread always ending.
 */
class UpstreamStreamTest {
    /** Short deadlines, far enough apart that each failure can only be the one named. */
    private static final ProviderConfig.Timeouts SHORT = new ProviderConfig.Timeouts(Duration.ofSeconds(2),
            Duration.ofMillis(400), Duration.ofMillis(400), Duration.ofSeconds(20));

    private FakeUpstream fake;
    private UpstreamHttp http;
    private Provider provider;

    @BeforeEach
    void start() {
        fake = FakeUpstream.start();
        http = new UpstreamHttp();
        provider = RemoteTesting.provider(ProviderType.OPENAI, fake.baseUrl(), "", SHORT, http);
    }

    @AfterEach
    void stop() {
        http.close();
        fake.close();
    }

    private static List<String> fiveChunks() {
        return List.of(openAiChunk("{\"content\":\"a\"}", null), openAiChunk("{\"content\":\"b\"}", null),
                openAiChunk("{\"content\":\"c\"}", null), openAiChunk("{}", "stop"), DONE);
    }

    @Test
    void upstreamSilentBeforeItsHeadersFailsTheCallWithFirstTokenTimeout() throws Exception {
        fake.enqueue(Reply.sse(openAiText("late")).delayHeaders(Duration.ofSeconds(5)));
        ProviderException e = thrown(() -> provider.chat(hello()));
        assertEquals(ErrorKind.TIMEOUT, e.kind());
        assertEquals("first_token_timeout", e.code());
        assertTrue(fake.awaitDisconnect(WAIT), "the abandoned exchange is closed");
    }

    @Test
    void headersWithoutAFirstChunkFailNextWithFirstTokenTimeout() throws Exception {
        fake.enqueue(Reply.sse(openAiText("late")).delayFirstEvent(Duration.ofSeconds(5)));
        try (ChatStream stream = provider.chat(hello())) {
            ProviderException e = failureOf(stream);
            assertEquals(ErrorKind.TIMEOUT, e.kind());
            assertEquals("first_token_timeout", e.code());
        }
        assertTrue(fake.awaitDisconnect(WAIT));
    }

    @Test
    void roleOnlyChunkDoesNotCountAsTheFirstToken() throws Exception {
        fake.enqueue(Reply.sse(openAiText("late")).stallAfter(1)); // the role chunk, then nothing
        try (ChatStream stream = provider.chat(hello())) {
            assertEquals("first_token_timeout", failureOf(stream).code());
        }
    }

    @Test
    void upstreamStallingMidStreamFailsWithIdleTimeout() throws Exception {
        fake.enqueue(Reply.sse(fiveChunks()).stallAfter(2));
        try (ChatStream stream = provider.chat(hello())) {
            assertEquals("a", ((ChatEvent.Delta) next(stream)).content());
            assertEquals("b", ((ChatEvent.Delta) next(stream)).content());
            ProviderException e = failureOf(stream);
            assertEquals(ErrorKind.TIMEOUT, e.kind());
            assertEquals("idle_timeout", e.code());
            assertSame(e, assertThrows(ProviderException.class, () -> stream.next(Duration.ZERO)),
                    "a failed stream keeps failing the same way");
        }
        assertTrue(fake.awaitDisconnect(WAIT), "the upstream sees the stalled exchange closed");
    }

    @Test
    void slowButSteadyUpstreamFailsWithTotalTimeout() throws Exception {
        ProviderConfig.Timeouts total = new ProviderConfig.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofSeconds(2), Duration.ofMillis(700));
        Provider p = RemoteTesting.provider(ProviderType.OPENAI, fake.baseUrl(), "", total, http);
        fake.enqueue(Reply.sse(openAiText("a", "b", "c", "d", "e", "f", "g", "h")).everyEvent(Duration.ofMillis(150)));
        try (ChatStream stream = p.chat(hello())) {
            ProviderException e = failureOf(stream);
            assertEquals(ErrorKind.TIMEOUT, e.kind());
            assertEquals("total_timeout", e.code());
        }
    }

    @Test
    void nextReturnsNullWhenItsOwnTimeoutPassesFirstSoTheCallerCanSendKeepAlives() throws Exception {
        ProviderConfig.Timeouts patient = new ProviderConfig.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(20));
        Provider p = RemoteTesting.provider(ProviderType.OPENAI, fake.baseUrl(), "", patient, http);
        fake.enqueue(Reply.sse(fiveChunks()).delayFirstEvent(Duration.ofMillis(600)));
        try (ChatStream stream = p.chat(hello())) {
            long t0 = System.nanoTime();
            assertNull(stream.next(Duration.ofMillis(100)));
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            // null (not the first event, due after 600 ms) proves it returned on its own timeout; it did wait for it
            assertTrue(waited >= 90, "waited " + waited + " ms");
            assertEquals("abc", RemoteTesting.collect(stream).choices().getFirst().content());
        }
    }

    @Test
    void streamCutAfterTwoChunksWithoutDoneFailsWithUpstreamError() throws Exception {
        fake.enqueue(Reply.sse(fiveChunks()).endAfter(2));
        try (ChatStream stream = provider.chat(hello())) {
            next(stream);
            next(stream);
            ProviderException e = failureOf(stream);
            assertEquals(ErrorKind.UPSTREAM_ERROR, e.kind());
            assertEquals("upstream_stream_error", e.code());
        }
    }

    @Test
    void doneBeforeTheChoicesEndedFailsWithUpstreamError() throws Exception {
        fake.enqueue(Reply.sse(List.of(openAiChunk("{\"content\":\"a\"}", null), DONE)));
        try (ChatStream stream = provider.chat(hello())) {
            next(stream);
            ProviderException e = failureOf(stream);
            assertEquals(ErrorKind.UPSTREAM_ERROR, e.kind());
            assertTrue(e.getMessage().contains("[DONE] before its choices ended"), e.getMessage());
        }
    }

    @Test
    void choicesEndedButNoDoneIsStillACutStream() throws Exception {
        fake.enqueue(Reply.sse(fiveChunks()).endAfter(4));
        try (ChatStream stream = provider.chat(hello())) {
            ProviderException e = failureOf(stream);
            assertEquals(ErrorKind.UPSTREAM_ERROR, e.kind());
            assertTrue(e.getMessage().contains("before [DONE]"), e.getMessage());
        }
    }

    @Test
    void connectionClosedInTheMiddleOfTheBodyFailsWithUpstreamError() throws Exception {
        fake.enqueue(Reply.sse(fiveChunks()).abortAfter(2));
        try (ChatStream stream = provider.chat(hello())) {
            ProviderException e = failureOf(stream);
            assertEquals(ErrorKind.UPSTREAM_ERROR, e.kind());
            assertEquals("upstream_stream_error", e.code());
        }
    }

    @Test
    void errorChunkAfterTheHeadersFailsTheStreamWithTheUpstreamsMessage() throws Exception {
        fake.enqueue(Reply.sse(List.of(openAiChunk("{\"content\":\"a\"}", null),
                FakeUpstream.data("{\"error\":{\"message\":\"engine died\",\"type\":\"server_error\"}}"))));
        try (ChatStream stream = provider.chat(hello())) {
            next(stream);
            ProviderException e = failureOf(stream);
            assertEquals(ErrorKind.UPSTREAM_ERROR, e.kind());
            assertTrue(e.getMessage().contains("engine died"), e.getMessage());
        }
    }

    @Test
    void cancelClosesTheUpstreamConnectionAndEndsTheChoiceCancelled() throws Exception {
        fake.enqueue(Reply.sse(fiveChunks()).stallAfter(1));
        UpstreamStream stream = (UpstreamStream) provider.chat(hello());
        assertEquals("a", ((ChatEvent.Delta) next(stream)).content());
        assertTrue(stream.reader().getName().matches("upstream-fake-\\d+"), stream.reader().getName());

        stream.cancel();

        assertTrue(fake.awaitDisconnect(WAIT), "the upstream sees the client go");
        assertEquals(new ChatEvent.ChoiceEnd(0, FinishReason.CANCELLED), stream.next(Duration.ZERO));
        assertInstanceOf(ChatEvent.Done.class, stream.next(Duration.ZERO));
        assertTrue(stream.reader().join(WAIT), "the reader thread ends");
        stream.cancel(); // idempotent
    }

    @Test
    void cancelFromAnotherThreadWakesAConsumerWaitingInNext() throws Exception {
        fake.enqueue(Reply.sse(fiveChunks()).stallAfter(1));
        ChatStream stream = provider.chat(hello());
        next(stream);
        AtomicReference<ChatEvent> seen = new AtomicReference<>();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread consumer = Thread.ofVirtual().start(() -> {
            try {
                waiting.countDown();
                seen.set(stream.next(Duration.ofSeconds(30)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(waiting.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        stream.cancel();
        assertTrue(consumer.join(WAIT));
        assertEquals(new ChatEvent.ChoiceEnd(0, FinishReason.CANCELLED), seen.get());
    }

    @Test
    void interruptingTheConsumerCancelsTheExchange() throws Exception {
        fake.enqueue(Reply.sse(fiveChunks()).stallAfter(1));
        UpstreamStream stream = (UpstreamStream) provider.chat(hello());
        next(stream);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread consumer = Thread.ofVirtual().start(() -> {
            try {
                stream.next(Duration.ofSeconds(30));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        Thread.sleep(50);
        consumer.interrupt();
        assertTrue(consumer.join(WAIT));
        assertInstanceOf(InterruptedException.class, thrown.get());
        assertTrue(fake.awaitDisconnect(WAIT));
        assertTrue(stream.reader().join(WAIT));
    }

    @Test
    void closingAnEndedStreamIsHarmlessAndItsReaderHasEnded() throws Exception {
        UpstreamStream stream = (UpstreamStream) provider.chat(hello());
        RemoteTesting.collect(stream);
        stream.close();
        assertTrue(stream.reader().join(WAIT));
        assertThrows(IllegalStateException.class, () -> stream.next(Duration.ZERO));
        assertFalse(fake.awaitDisconnect(Duration.ofMillis(50)), "a finished answer is not a disconnect");
    }

    @Test
    void abandonedStreamIsAbortedAtItsTotalDeadlineEvenWithoutAConsumer() throws Exception {
        ProviderConfig.Timeouts total = new ProviderConfig.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofMillis(500));
        Provider p = RemoteTesting.provider(ProviderType.OPENAI, fake.baseUrl(), "", total, http);
        fake.enqueue(Reply.sse(fiveChunks()).stallAfter(1));
        UpstreamStream stream = (UpstreamStream) p.chat(hello());
        assertTrue(stream.reader().join(WAIT), "the watchdog ends the reader");
        assertTrue(fake.awaitDisconnect(WAIT));
        assertEquals("total_timeout", failureOf(stream).code());
    }

    @Test
    void closingTheHttpHolderAbortsStreamsInFlight() throws Exception {
        fake.enqueue(Reply.sse(fiveChunks()).stallAfter(1));
        UpstreamStream stream = (UpstreamStream) provider.chat(hello());
        next(stream);
        http.close();
        assertTrue(stream.reader().join(WAIT));
        assertEquals(ErrorKind.UPSTREAM_ERROR, failureOf(stream).kind());
        assertThrows(IllegalStateException.class, () -> http.clientFor(fake.baseUrl(), Duration.ofSeconds(1)));
    }
}
