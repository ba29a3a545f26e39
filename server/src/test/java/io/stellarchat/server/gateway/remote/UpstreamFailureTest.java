package io.stellarchat.server.gateway.remote;

import static io.stellarchat.server.gateway.remote.RemoteTesting.RELAXED;
import static io.stellarchat.server.gateway.remote.RemoteTesting.hello;
import static io.stellarchat.server.gateway.remote.RemoteTesting.thrown;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.ProviderConfig.ProviderType;
import io.stellarchat.server.gateway.Provider;
import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every way an upstream can refuse or fail a call before the answer streams, mapped to the error taxonomy. */
class UpstreamFailureTest {
    private FakeUpstream fake;
    private UpstreamHttp http;
    private Provider openAi;
    private Provider anthropic;

    @BeforeEach
    void start() {
        fake = FakeUpstream.start();
        http = new UpstreamHttp();
        openAi = RemoteTesting.provider(ProviderType.OPENAI, fake.baseUrl(), "sk-secret", RELAXED, http);
        anthropic = RemoteTesting.provider(ProviderType.ANTHROPIC, fake.baseUrl(), "sk-ant-secret", RELAXED, http);
    }

    @AfterEach
    void stop() {
        http.close();
        fake.close();
    }

    @Test
    void serverErrorBecomesUpstreamErrorWithTheUpstreamsMessageAndStatus() {
        fake.enqueue(Reply.openAiError(500, "CUDA out of memory", "server_error", null, null));
        ProviderException e = thrown(() -> openAi.chat(hello()));
        assertEquals(ErrorKind.UPSTREAM_ERROR, e.kind());
        assertEquals(502, e.status());
        assertEquals(500, e.upstreamStatus());
        assertEquals("upstream_error", e.code());
        assertEquals("Upstream fake answered 500: CUDA out of memory", e.getMessage());
    }

    @Test
    void unavailableUpstreamIsAnUpstreamErrorThatKeeps503AndItsRetryAfter() {
        fake.enqueue(Reply.openAiError(503, "loading", "server_error", null, null).header("Retry-After", "5"));
        ProviderException e = thrown(() -> openAi.chat(hello()));
        assertEquals(ErrorKind.UPSTREAM_ERROR, e.kind());
        assertEquals(502, e.status());
        assertEquals(503, e.upstreamStatus());
        assertEquals(Duration.ofSeconds(5), e.retryAfter());
    }

    @Test
    void rateLimitedUpstreamIsRateLimitedWithRetryAfterInSeconds() {
        fake.enqueue(Reply.openAiError(429, "slow down", "rate_limit_error", null, null).header("Retry-After", "17"));
        ProviderException e = thrown(() -> openAi.chat(hello()));
        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(429, e.status());
        assertEquals("upstream_rate_limited", e.code());
        assertEquals(Duration.ofSeconds(17), e.retryAfter());
    }

    @Test
    void retryAfterAsAnHttpDateIsTheTimeUntilThen() {
        String at = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(120));
        fake.enqueue(Reply.openAiError(429, "slow down", "rate_limit_error", null, null).header("Retry-After", at));
        Duration d = thrown(() -> openAi.chat(hello())).retryAfter();
        assertNotNull(d);
        assertTrue(d.compareTo(Duration.ofSeconds(100)) > 0 && d.compareTo(Duration.ofSeconds(121)) <= 0, d.toString());
    }

    @Test
    void badRequestKeepsTheUpstreamsStatusMessageParamAndCode() {
        fake.enqueue(Reply.openAiError(400, "temperature must be at most 2", "invalid_request_error", "temperature",
                "invalid_value"));
        ProviderException e = thrown(() -> openAi.chat(hello()));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(400, e.status());
        assertEquals("temperature must be at most 2", e.getMessage());
        assertEquals("temperature", e.param());
        assertEquals("invalid_value", e.code());
    }

    @Test
    void unprocessableRequestKeeps422() {
        fake.enqueue(Reply.openAiError(422, "bad schema", "invalid_request_error", "tools", null));
        ProviderException e = thrown(() -> openAi.chat(hello()));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(422, e.status());
    }

    @Test
    void contextTooLongIsContextLength() {
        fake.enqueue(Reply.openAiError(400, "This model's maximum context length is 4096 tokens", "invalid_request_error",
                "messages", "context_length_exceeded"));
        assertEquals(ErrorKind.CONTEXT_LENGTH, thrown(() -> openAi.chat(hello())).kind());
    }

    @Test
    void unknownModelIsNotFound() {
        fake.enqueue(Reply.openAiError(404, "The model `x` does not exist", "invalid_request_error", "model",
                "model_not_found"));
        ProviderException e = thrown(() -> openAi.chat(hello()));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertEquals(404, e.status());
        assertEquals("model_not_found", e.code());
    }

    @Test
    void refusedCredentialsAreAuthenticationAndForbiddenIsPermission() {
        fake.enqueue(Reply.openAiError(401, "Incorrect API key", "invalid_request_error", null, "invalid_api_key"),
                Reply.openAiError(403, "Not allowed", "permission_error", null, null));
        ProviderException unauthorized = thrown(() -> openAi.chat(hello()));
        assertEquals(ErrorKind.AUTHENTICATION, unauthorized.kind());
        assertEquals(401, unauthorized.upstreamStatus());
        assertEquals(ErrorKind.PERMISSION, thrown(() -> openAi.chat(hello())).kind());
    }

    @Test
    void anthropicErrorBodiesAreReadAndItsOverloadIsUnavailable() {
        fake.enqueue(Reply.anthropicError(500, "api_error", "Internal server error"),
                Reply.anthropicError(529, "overloaded_error", "Overloaded"));
        assertEquals("Upstream fake answered 500: Internal server error",
                thrown(() -> anthropic.chat(hello())).getMessage());
        ProviderException overloaded = thrown(() -> anthropic.chat(hello()));
        assertEquals(ErrorKind.UNAVAILABLE, overloaded.kind());
        assertEquals(529, overloaded.upstreamStatus());
    }

    @Test
    void anUnreadableErrorBodyIsShownShortened() {
        fake.enqueue(Reply.text(502, "text/html", "<html>" + "bad gateway ".repeat(100) + "</html>"));
        ProviderException e = thrown(() -> openAi.chat(hello()));
        assertEquals("upstream_error", e.code());
        assertTrue(e.getMessage().startsWith("Upstream fake answered 502: <html>bad gateway"), e.getMessage());
        assertTrue(e.getMessage().length() < 400, e.getMessage());
    }

    @Test
    void refusedConnectionIsAnUpstreamConnectErrorNamingTheProviderNotItsUrl() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Provider nowhere = RemoteTesting.provider(ProviderType.OPENAI,
                URI.create("http://user:pw@127.0.0.1:" + closedPort + "/v1"), "sk-secret", RELAXED, http);
        ProviderException e = thrown(() -> nowhere.chat(hello()));
        assertEquals(ErrorKind.UPSTREAM_ERROR, e.kind());
        assertEquals(502, e.status());
        assertEquals("upstream_connect_error", e.code());
        assertEquals(0, e.upstreamStatus());
        assertTrue(e.getMessage().contains("fake"), e.getMessage());
        assertFalse(e.getMessage().contains("127.0.0.1") || e.getMessage().contains("pw"), e.getMessage());
    }

    @Test
    void connectionResetBeforeTheAnswerIsAnUpstreamConnectError() {
        fake.enqueue(Reply.reset());
        ProviderException e = thrown(() -> openAi.chat(hello()));
        assertEquals(ErrorKind.UPSTREAM_ERROR, e.kind());
        assertEquals("upstream_connect_error", e.code());
        assertEquals(1, fake.attempts(), "a provider does not retry by itself");
    }

    @Test
    void connectionThatIsNeverAcceptedTimesOutAsConnectTimeout() throws Exception {
        try (FakeUpstream.BlackHole hole = new FakeUpstream.BlackHole()) {
            ProviderConfig.Timeouts quick = new ProviderConfig.Timeouts(Duration.ofMillis(300), Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Duration.ofSeconds(10));
            Provider unreachable = RemoteTesting.provider(ProviderType.OPENAI, hole.baseUrl(), "", quick, http);
            long t0 = System.nanoTime();
            ProviderException e = thrown(() -> unreachable.chat(hello()));
            assertEquals(ErrorKind.TIMEOUT, e.kind());
            assertEquals("connect_timeout", e.code());
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(3)) < 0);
        }
    }

    @Test
    void theSameMappingsHoldForModelsAndEmbeddings() {
        fake.enqueue(Reply.openAiError(503, "down", "server_error", null, null),
                Reply.openAiError(400, "input too long", "invalid_request_error", "input", null));
        assertEquals(ErrorKind.UPSTREAM_ERROR, thrown(() -> openAi.models()).kind());
        ProviderException e = thrown(() -> openAi.embed(new io.stellarchat.server.protocol.EmbeddingRequest("m",
                java.util.List.of(new io.stellarchat.server.protocol.EmbeddingRequest.Text("x", "input")), null)));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("input", e.param());
        assertNull(e.retryAfter());
    }
}
