package io.stellarchat.server.gateway;

import static io.stellarchat.server.gateway.FrontServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelEntry.Upstream;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import io.stellarchat.server.testing.SseEvents;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streamed answer whose upstream breaks off after words reached the client is continued when the model asks
 * for it ({@code retries.resume_streams}): routed again with those words as the assistant reply to continue, in
 * the same client stream ({@link ResumedStream}). Without the setting the stream ends in an error event
 * ({@code GatewayFailureTest.aStreamCutAfterItsFirstByteEndsWithAnErrorEventNoDoneAndNoRetry}).
 */
class ResumedStreamTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    private static ModelEntry resuming(String id, List<Upstream> ups, int retries) {
        ModelEntry.RetrySettings fast = FrontServer.fastRetries(retries);
        return ModelEntry.remote(id, ups).withRetries(
                new ModelEntry.RetrySettings(fast.max(), fast.backoff(), fast.maxBackoff(), true));
    }

    /** The stream's events: content pieces joined, whether it ended with [DONE], and its last JSON event. */
    record Streamed(String text, boolean done, List<String> events) {}

    private static Streamed read(InputStream body) throws IOException {
        StringBuilder text = new StringBuilder();
        List<String> events = new ArrayList<>();
        boolean done = false;
        try (SseEvents sse = new SseEvents(body)) {
            for (String e = sse.next(); e != null; e = sse.next()) {
                events.add(e);
                if (e.equals(SseEvents.DONE)) {
                    done = true;
                    continue;
                }
                JsonNode chunk = FrontServer.JSON.readTree(e);
                for (JsonNode c : chunk.path("choices")) text.append(c.at("/delta/content").asText(""));
            }
        }
        return new Streamed(text.toString(), done, events);
    }

    @Test
    void anAnswerCutAfterItsFirstWordsIsContinuedFromThoseWords() throws Exception {
        // A pause between events, so "Hello" has surely reached the client before the break.
        FakeUpstream up = FakeUpstream.start().enqueue(
                Reply.sse(FakeUpstream.openAiText("Hello", ",", " there")).everyEvent(Duration.ofMillis(100)).abortAfter(3),
                Reply.sse(FakeUpstream.openAiText(" world", "!")));
        closing.add(up);
        FrontServer s = FrontServer.start(dir, List.of(FrontServer.provider("a", up.baseUrl())),
                List.of(resuming("chat", List.of(new Upstream("a", FakeUpstream.MODEL, 1)), 1)), false);
        closing.add(s);

        HttpResponse<InputStream> r = s.postStream("/v1/chat/completions", "{\"model\":\"chat\",\"stream\":true,"
                + "\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(200, r.statusCode());
        Streamed got = read(r.body());
        assertTrue(got.done(), "the stream ends with [DONE]: " + got.events());
        assertEquals("Hello, world!", got.text(), got.events().toString());
        assertFalse(got.events().stream().anyMatch(e -> e.contains("\"error\"")), got.events().toString());

        assertEquals(2, up.attempts());
        JsonNode again = up.requests().get(1).json();
        JsonNode messages = again.get("messages");
        assertEquals(2, messages.size(), again.toString());
        assertEquals("assistant", messages.get(1).get("role").asText());
        assertEquals("Hello,", messages.get(1).get("content").asText(), "the words the client already has");
        assertTrue(again.get("continue_final_message").asBoolean(), again.toString());
        assertFalse(again.get("add_generation_prompt").asBoolean(), again.toString());
        assertEquals(8, again.get("max_tokens").asInt(), "10 less the 2 pieces already sent");
        assertTrue(s.get("/metrics").body().contains(
                "stellar_upstream_retries_total{provider=\"a\",reason=\"stream_resumed\"} 1.0"));
    }

    @Test
    void aCutStreamIsContinuedByTheLocalFallbackModel() throws Exception {
        FakeUpstream up = FakeUpstream.start().enqueue(
                Reply.sse(FakeUpstream.openAiText("Once", " upon", " a")).everyEvent(Duration.ofMillis(100)).abortAfter(3),
                Reply.openAiError(503, "down", "server_error", null, null)); // the continuation must go elsewhere
        closing.add(up);
        ModelEntry chat = resuming("chat", List.of(new Upstream("a", FakeUpstream.MODEL, 1)), 0)
                .withFallbacks(List.of(FrontServer.LOCAL));
        FrontServer s = FrontServer.start(dir, List.of(FrontServer.provider("a", up.baseUrl())), List.of(chat), true);
        closing.add(s);

        HttpResponse<InputStream> r = s.postStream("/v1/chat/completions", "{\"model\":\"chat\",\"stream\":true,"
                + "\"max_tokens\":12,\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Tell a story\"}]}");
        assertEquals(200, r.statusCode());
        Streamed got = read(r.body());
        assertTrue(got.done(), "the local model finished the answer: " + got.events());
        assertTrue(got.text().startsWith("Once upon") && got.text().length() > "Once upon".length(), got.text());
        assertEquals(2, up.attempts(), "the cut answer, then the continuation it refused");
        String metrics = s.get("/metrics").body();
        assertTrue(metrics.contains("stellar_upstream_fallbacks_total{from=\"chat\",to=\"" + FrontServer.LOCAL + "\"} 1.0"),
                metrics);
    }

    @Test
    void anAnswerThatCarriedToolCallsIsNotContinued() throws Exception {
        List<String> frames = List.of(
                FakeUpstream.openAiChunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}", null),
                FakeUpstream.openAiChunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\"\"}}]}", null),
                FakeUpstream.openAiChunk("{}", "tool_calls"), FakeUpstream.DONE);
        FakeUpstream up = FakeUpstream.start().enqueue(Reply.sse(frames).everyEvent(Duration.ofMillis(100)).abortAfter(2));
        closing.add(up);
        FrontServer s = FrontServer.start(dir, List.of(FrontServer.provider("a", up.baseUrl())),
                List.of(resuming("chat", List.of(new Upstream("a", FakeUpstream.MODEL, 1)), 2)), false);
        closing.add(s);
        HttpResponse<InputStream> r = s.postStream("/v1/chat/completions", FrontServer.chat("chat", true));
        Streamed got = read(r.body());
        assertFalse(got.done(), got.events().toString());
        assertEquals("upstream_stream_error", json(got.events().getLast()).at("/error/code").asText());
        assertEquals(1, up.attempts(), "half a tool call cannot be continued");
    }

    private static JsonNode json(String event) throws IOException {
        return FrontServer.JSON.readTree(event);
    }
}
