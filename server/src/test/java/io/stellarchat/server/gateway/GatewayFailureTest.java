package io.stellarchat.server.gateway;

import static io.stellarchat.server.gateway.FrontServer.chat;
import static io.stellarchat.server.gateway.FrontServer.fastRetries;
import static io.stellarchat.server.gateway.FrontServer.json;
import static io.stellarchat.server.gateway.FrontServer.provider;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelEntry.Upstream;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import io.stellarchat.server.testing.SseEvents;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's behaviour under upstream failure (issue 11, section 4), each case against real HTTP upstreams
 * that fail on cue: what the client got, and how many attempts each upstream saw.
 */
class GatewayFailureTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    private FakeUpstream fake() {
        FakeUpstream f = FakeUpstream.start();
        closing.add(f);
        return f;
    }

    private FrontServer front(List<ProviderConfig> providers, List<ModelEntry> models, boolean local) {
        FrontServer s = FrontServer.start(dir, providers, models, local);
        closing.add(s);
        return s;
    }

    /** A remote model "chat" on the given upstreams (provider ids a, b, ...), weights as given. */
    private static ModelEntry chatModel(int retries, Upstream... ups) {
        return ModelEntry.remote("chat", List.of(ups)).withRetries(fastRetries(retries));
    }

    private static Upstream up(String provider, int weight) {
        return new Upstream(provider, FakeUpstream.MODEL, weight);
    }

    @Test
    void aServerErrorOnTheFirstUpstreamIsRetriedOnTheOther() {
        FakeUpstream a = fake().enqueue(Reply.openAiError(500, "boom", "server_error", null, null));
        FakeUpstream b = fake();
        FrontServer s = front(List.of(provider("a", a.baseUrl()), provider("b", b.baseUrl())),
                List.of(chatModel(2, up("a", 1), up("b", 0))), false);
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Hello world", json(r).at("/choices/0/message/content").asText());
        assertEquals("chat", json(r).get("model").asText());
        assertEquals("b/" + FakeUpstream.MODEL, r.headers().firstValue("X-Stellar-Upstream").orElseThrow());
        assertEquals(1, a.attempts());
        assertEquals(1, b.attempts());
        String metrics = s.get("/metrics").body();
        assertTrue(metrics.contains("stellar_upstream_retries_total{provider=\"b\",reason=\"upstream_error\"} 1.0"), metrics);
    }

    @Test
    void serverErrorsAreRetriedUpToMaxThenTheUpstreamsErrorIsPassedOn() {
        FakeUpstream a = fake().enqueue(Reply.openAiError(503, "warming up", "server_error", null, null),
                Reply.openAiError(502, "still warming up", "server_error", null, null),
                Reply.openAiError(500, "not yet", "server_error", null, null));
        FrontServer s = front(List.of(provider("a", a.baseUrl())), List.of(chatModel(1, up("a", 1))), false);
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(502, r.statusCode(), r.body());
        JsonNode err = json(r).get("error");
        assertEquals("upstream_error", err.get("code").asText());
        assertTrue(err.get("message").asText().contains("still warming up"), err.toString());
        assertEquals(2, a.attempts(), "one try and one retry (retries.max = 1)");
        // The third scripted failure is still queued: the next request fails once, and its retry answers.
        HttpResponse<String> ok = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(4, a.attempts());
    }

    @Test
    void aRetryAfterWithinMaxBackoffIsHonouredAndTheCallRetried() {
        FakeUpstream a = fake().enqueue(Reply.openAiError(429, "slow down", "rate_limit_error", null, null)
                .header("Retry-After", "0"));
        FrontServer s = front(List.of(provider("a", a.baseUrl())), List.of(chatModel(2, up("a", 1))), false);
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(2, a.attempts());
    }

    @Test
    void clientErrorsAreNeverRetriedAndKeepTheUpstreamsMessage() {
        FakeUpstream a = fake().enqueue(Reply.openAiError(400, "temperature is too hot", "invalid_request_error",
                "temperature", "invalid_value"));
        FakeUpstream b = fake();
        FrontServer s = front(List.of(provider("a", a.baseUrl()), provider("b", b.baseUrl())),
                List.of(chatModel(2, up("a", 1), up("b", 0))), false);
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(400, r.statusCode(), r.body());
        JsonNode err = json(r).get("error");
        assertEquals("temperature is too hot", err.get("message").asText());
        assertEquals("temperature", err.get("param").asText());
        assertEquals("invalid_request_error", err.get("type").asText());
        assertEquals(1, a.attempts());
        assertEquals(0, b.attempts(), "a client error is not tried elsewhere");
    }

    @Test
    void aResetConnectionIsRetried() {
        FakeUpstream a = fake().enqueue(Reply.reset());
        FrontServer s = front(List.of(provider("a", a.baseUrl())), List.of(chatModel(2, up("a", 1))), false);
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(2, a.attempts());
    }

    @Test
    void aFirstTokenTimeoutIsRetriedOnAnotherUpstreamAndCountedApart() {
        FakeUpstream a = fake().enqueue(Reply.sse(FakeUpstream.openAiText("late")).delayFirstEvent(Duration.ofSeconds(3)));
        FakeUpstream b = fake();
        FrontServer s = front(List.of(provider("a", a.baseUrl()), provider("b", b.baseUrl())),
                List.of(chatModel(1, up("a", 1), up("b", 0))), false);
        HttpResponse<InputStream> r = s.postStream("/v1/chat/completions", chat("chat", true));
        assertEquals(200, r.statusCode());
        assertEquals("b/" + FakeUpstream.MODEL, r.headers().firstValue("X-Stellar-Upstream").orElseThrow());
        String text = streamedText(r.body());
        assertEquals("Hello world", text);
        String metrics = s.get("/metrics").body();
        assertTrue(metrics.contains("outcome=\"first_token_timeout\""), metrics);
    }

    @Test
    void aStreamCutAfterItsFirstByteEndsWithAnErrorEventNoDoneAndNoRetry() throws Exception {
        // A pause between events, so the first is surely handed to the client before the break.
        FakeUpstream a = fake().enqueue(Reply.sse(FakeUpstream.openAiText("one", "two", "three"))
                .everyEvent(Duration.ofMillis(150)).abortAfter(3));
        FakeUpstream b = fake();
        FrontServer s = front(List.of(provider("a", a.baseUrl()), provider("b", b.baseUrl())),
                List.of(chatModel(2, up("a", 1), up("b", 0))), false);
        HttpResponse<InputStream> r = s.postStream("/v1/chat/completions", chat("chat", true));
        assertEquals(200, r.statusCode());
        List<String> events = new ArrayList<>();
        try (SseEvents sse = new SseEvents(r.body())) {
            for (String e = sse.next(); e != null; e = sse.next()) events.add(e);
        }
        assertFalse(events.contains(SseEvents.DONE), events.toString());
        JsonNode last = FrontServer.JSON.readTree(events.getLast());
        assertEquals("upstream_stream_error", last.at("/error/code").asText(), events.toString());
        assertEquals("server_error", last.at("/error/type").asText());
        assertTrue(events.stream().anyMatch(e -> e.contains("\"content\":\"one\"")), events.toString());
        assertEquals(1, a.attempts());
        assertEquals(0, b.attempts(), "nothing is retried after the first byte");
    }

    @Test
    void aStreamThatStallsPastIdleEndsWithAnIdleTimeoutError() throws Exception {
        FakeUpstream a = fake().enqueue(Reply.sse(FakeUpstream.openAiText("one", "two", "three")).stallAfter(2));
        FrontServer s = front(List.of(provider("a", a.baseUrl())), List.of(chatModel(2, up("a", 1))), false);
        HttpResponse<InputStream> r = s.postStream("/v1/chat/completions", chat("chat", true));
        List<String> events = new ArrayList<>();
        try (SseEvents sse = new SseEvents(r.body())) {
            for (String e = sse.next(); e != null; e = sse.next()) events.add(e);
        }
        assertFalse(events.contains(SseEvents.DONE), events.toString());
        JsonNode last = FrontServer.JSON.readTree(events.getLast());
        assertEquals("idle_timeout", last.at("/error/code").asText(), events.toString());
        assertEquals("timeout_error", last.at("/error/type").asText());
        assertTrue(a.awaitDisconnect(Duration.ofSeconds(5)), "the stalled upstream call was closed");
        assertEquals(1, a.attempts());
    }

    @Test
    void theBreakerOpensAfterFailuresAndThenTheProviderIsNotCalled() {
        FakeUpstream a = fake();
        for (int i = 0; i < 4; i++) a.enqueue(Reply.openAiError(500, "down", "server_error", null, null));
        ProviderConfig p = provider("a", a.baseUrl()).withBreaker(
                new ProviderConfig.BreakerSettings(50, 2, 2, Duration.ofSeconds(30), 1));
        FrontServer s = front(List.of(p), List.of(chatModel(0, up("a", 1))), false);
        assertEquals(502, s.post("/v1/chat/completions", chat("chat", false)).statusCode());
        assertEquals(502, s.post("/v1/chat/completions", chat("chat", false)).statusCode());
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("model_unavailable", json(r).at("/error/code").asText());
        long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 25 && retryAfter <= 30, "Retry-After is the breaker's wait: " + retryAfter);
        assertEquals(2, a.attempts(), "an open breaker sends nothing");
        assertTrue(s.get("/metrics").body().contains("stellar_upstream_circuit_state{provider=\"a\"} 2.0"));
    }

    @Test
    void whenEveryUpstreamFailsTheLocalFallbackAnswersUnderItsOwnName() {
        FakeUpstream a = fake();
        for (int i = 0; i < 3; i++) a.enqueue(Reply.openAiError(503, "overloaded", "server_error", null, null));
        ModelEntry remote = chatModel(2, up("a", 1)).withFallbacks(List.of(FrontServer.LOCAL));
        FrontServer s = front(List.of(provider("a", a.baseUrl())), List.of(remote), true);
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(FrontServer.LOCAL, json(r).get("model").asText(), "the fallback's id after a fallback");
        assertEquals("local/" + FrontServer.LOCAL, r.headers().firstValue("X-Stellar-Upstream").orElseThrow());
        assertEquals(3, a.attempts());
        assertTrue(s.get("/metrics").body().contains(
                "stellar_upstream_fallbacks_total{from=\"chat\",to=\"" + FrontServer.LOCAL + "\"} 1.0"));
    }

    @Test
    void aFullProviderIsSkippedAndWhenAllAreFullTheClientGets429() throws Exception {
        FakeUpstream a = fake().enqueue(Reply.sse(FakeUpstream.openAiText("s", "l", "o", "w")).everyEvent(Duration.ofMillis(400)));
        ProviderConfig p = provider("a", a.baseUrl()).withMaxConcurrency(1);
        FrontServer s = front(List.of(p), List.of(chatModel(2, up("a", 1))), false);
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(
                () -> s.post("/v1/chat/completions", chat("chat", false)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (a.attempts() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("upstream_busy", json(r).at("/error/code").asText());
        assertNotNull(r.headers().firstValue("Retry-After").orElse(null));
        assertEquals(200, slow.get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(1, a.attempts());
    }

    @Test
    void anAnthropicUpstreamAnswersInOpenAiShape() {
        FakeUpstream a = fake();
        ProviderConfig p = ProviderConfig.of("claude", ProviderConfig.ProviderType.ANTHROPIC, a.baseUrl())
                .withHealthInterval(Duration.ZERO);
        FrontServer s = front(List.of(p), List.of(ModelEntry.remote("sonnet",
                List.of(new Upstream("claude", "claude-sonnet", 1)))), false);
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("sonnet", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Hello world", json(r).at("/choices/0/message/content").asText());
        assertEquals("stop", json(r).at("/choices/0/finish_reason").asText());
        assertEquals("/v1/messages", a.onlyRequest().path());
        assertEquals("claude-sonnet", a.onlyRequest().json().get("model").asText());
    }

    @Test
    void streamingPassesUsageOnlyWhenTheClientAskedButAlwaysAsksTheUpstream() throws Exception {
        FakeUpstream a = fake();
        FrontServer s = front(List.of(provider("a", a.baseUrl())), List.of(chatModel(0, up("a", 1))), false);
        HttpResponse<InputStream> plain = s.postStream("/v1/chat/completions", chat("chat", true));
        List<String> events = new ArrayList<>();
        try (SseEvents sse = new SseEvents(plain.body())) {
            for (String e = sse.next(); e != null; e = sse.next()) events.add(e);
        }
        assertEquals(SseEvents.DONE, events.getLast());
        assertTrue(events.stream().noneMatch(e -> e.contains("\"usage\"")), events.toString());
        assertTrue(a.requests().getLast().json().at("/stream_options/include_usage").asBoolean());

        String withUsage = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"top_k\":7,\"chat_template_kwargs\":{\"enable_thinking\":false}}";
        events.clear();
        try (SseEvents sse = new SseEvents(s.postStream("/v1/chat/completions", withUsage).body())) {
            for (String e = sse.next(); e != null; e = sse.next()) events.add(e);
        }
        JsonNode usage = FrontServer.JSON.readTree(events.get(events.size() - 2)).get("usage");
        assertEquals(7, usage.get("prompt_tokens").asInt(), events.toString());
        assertEquals(2, usage.get("completion_tokens").asInt());
        JsonNode sent = a.requests().getLast().json();
        assertEquals(7, sent.get("top_k").asInt());
        assertFalse(sent.at("/chat_template_kwargs/enable_thinking").asBoolean(true), "extras are passed on");
    }

    @Test
    void aProviderFailingItsHealthCheckIsSkipped() throws Exception {
        FakeUpstream a = fake().enqueue(Reply.openAiError(503, "loading model", "server_error", null, null));
        FakeUpstream b = fake();
        ProviderConfig sick = provider("a", a.baseUrl()).withHealthInterval(Duration.ofMinutes(10)); // one probe, at start
        FrontServer s = front(List.of(sick, provider("b", b.baseUrl())),
                List.of(chatModel(0, up("a", 1), up("b", 0))), false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (json(s.get("/v1/admin/providers")).at("/data/0/healthy").asBoolean(true) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(json(s.get("/v1/admin/providers")).at("/data/0/healthy").asBoolean(true));
        HttpResponse<String> r = s.post("/v1/chat/completions", chat("chat", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("b/" + FakeUpstream.MODEL, r.headers().firstValue("X-Stellar-Upstream").orElseThrow());
        assertEquals(1, a.attempts(), "only the health probe reached the unhealthy provider");
        assertEquals("GET", a.onlyRequest().method());
    }

    @Test
    void aPromptTooLongForALocalModelGoesToItsContextFallback() {
        FakeUpstream a = fake();
        ModelEntry small = new ModelEntry(FrontServer.LOCAL, FrontServer.storiesModel(), List.of(), 64)
                .withContext(64, List.of("chat"));
        FrontServer s = FrontServer.start(dir, List.of(provider("a", a.baseUrl())),
                List.of(small, chatModel(0, up("a", 1))), false);
        closing.add(s);
        String longPrompt = "Once upon a time there was a little cat. ".repeat(20);
        HttpResponse<String> r = s.post("/v1/chat/completions", "{\"model\":\"" + FrontServer.LOCAL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}],\"max_tokens\":8}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("chat", json(r).get("model").asText());
        assertEquals(1, a.attempts());
        HttpResponse<String> shortOne = s.post("/v1/chat/completions", chat(FrontServer.LOCAL, false));
        assertEquals("local/" + FrontServer.LOCAL, shortOne.headers().firstValue("X-Stellar-Upstream").orElseThrow());
    }

    private static String streamedText(InputStream body) {
        StringBuilder text = new StringBuilder();
        try (SseEvents sse = new SseEvents(body)) {
            for (String e = sse.next(); e != null && !e.equals(SseEvents.DONE); e = sse.next()) {
                JsonNode c = FrontServer.JSON.readTree(e);
                assertFalse(c.has("error"), e);
                text.append(c.at("/choices/0/delta/content").asText(""));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return text.toString();
    }
}
