package io.stellarchat.server.api.openai;

import io.stellarchat.server.testing.RawHttp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.engine.runtime.EngineStats;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.testing.CapturingAppender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI-compatible API seen on the wire, against a real server serving {@code stories260K}: the SSE
 * framing byte by byte, cancellation when the client drops a stream, request validation and the
 * tokenizer endpoints.
 */
class OpenAiWireTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = StoriesServer.MODEL;

    @TempDir
    static Path emptyDir;
    static StellarService service;
    static int port;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        service = StoriesServer.start(emptyDir, 16);
        port = service.port();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.shutdownNow();
        }
        if (service != null) {
            service.close();
        }
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertNotNull(e, r.body());
        assertEquals("invalid_request_error", e.get("type").asText(), r.body());
        return e;
    }

    // ---- SSE framing ----------------------------------------------------------------------------------

    @Test
    void streamedChatIsFramedExactlyAsServerSentEvents() throws Exception {
        String body;
        try (RawHttp r = RawHttp.post(port, "/v1/chat/completions", """
                {"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}],
                 "stream":true,"max_tokens":10,"temperature":0}""")) {
            assertEquals("HTTP/1.1 200 OK", r.statusLine);
            String type = r.headers.get("content-type");
            assertNotNull(type, r.headers.toString());
            assertTrue(type.startsWith("text/event-stream"), type);
            assertEquals("chunked", r.headers.get("transfer-encoding"), r.headers.toString());
            body = r.chunkedBody();
        }
        assertTrue(body.endsWith("data: [DONE]\n\n"), body);
        // Nothing but "data: <one line>\n\n" events, back to back.
        assertTrue(Pattern.compile("(data: [^\\n]+\\n\\n)+").matcher(body).matches(), body);
        List<JsonNode> chunks = new ArrayList<>();
        Matcher m = Pattern.compile("data: ([^\\n]+)\\n\\n").matcher(body);
        while (m.find()) {
            if (!m.group(1).equals("[DONE]")) {
                chunks.add(JSON.readTree(m.group(1)));
            }
        }
        assertEquals(1, body.split("data: \\[DONE]", -1).length - 1, "exactly one [DONE]");
        assertTrue(chunks.size() >= 3, body);
        JsonNode first = chunks.getFirst();
        assertTrue(first.get("id").asText().startsWith("chatcmpl-"), first.toString());
        for (JsonNode c : chunks) {
            assertEquals(first.get("id"), c.get("id"));
            assertEquals(first.get("created"), c.get("created"));
            assertEquals("chat.completion.chunk", c.get("object").asText());
            assertEquals(MODEL, c.get("model").asText());
            assertEquals(1, c.get("choices").size());
            assertEquals(0, c.get("choices").get(0).get("index").asInt());
        }
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        JsonNode lastChoice = chunks.getLast().get("choices").get(0);
        assertEquals("length", lastChoice.get("finish_reason").asText(), lastChoice.toString());
        assertTrue(lastChoice.get("delta").isObject() && lastChoice.get("delta").isEmpty(), lastChoice.toString());
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(c.at("/choices/0/finish_reason").isNull(), c.toString());
            assertFalse(c.has("usage"), "no usage field without include_usage: " + c);
        }
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.at("/choices/0/delta/content").asText("")));
        JsonNode whole = JSON.readTree(post("/v1/chat/completions", """
                {"model":"stories260K","messages":[{"role":"user","content":"Once upon a time"}],
                 "max_tokens":10,"temperature":0}""").body());
        assertEquals(whole.at("/choices/0/message/content").asText(), text.toString());
    }

    // ---- client disconnect ----------------------------------------------------------------------------

    /**
     * A client that closes its connection mid-stream stops the generation. Detection is by write failure: the
     * first event written after the close usually still succeeds (the kernel accepts it; the peer answers
     * with RST), the next one fails, and the engine sees the cancel before its following token, so the run
     * ends one to three tokens after the close rather than at max_tokens.
     */
    @Test
    void droppingTheStreamCancelsTheGeneration() throws Exception {
        int maxTokens = 1900; // EOS is banned below, so an uncancelled run produces all of them
        // Warm the generation path so the rate seen below is the engine's, not the JIT's.
        assertEquals(200, post("/v1/chat/completions", """
                {"model":"stories260K","messages":[{"role":"user","content":"Hi"}],"max_tokens":20}""").statusCode());
        EngineStats before = StoriesServer.stats(service);
        assertEquals(0, before.running());
        try (CapturingAppender logs = new CapturingAppender("io.stellarchat.server.api")) {
            long sent = System.nanoTime();
            int events = 0;
            try (RawHttp r = RawHttp.post(port, "/v1/chat/completions", """
                    {"model":"stories260K","messages":[{"role":"user","content":"Tell me a long story."}],
                     "stream":true,"max_tokens":%d,"temperature":0,"logit_bias":{"2":-100}}""".formatted(maxTokens))) {
                assertEquals("HTTP/1.1 200 OK", r.statusLine);
                while (events < 30) {
                    byte[] c = r.chunk();
                    assertNotNull(c, "the stream ended early");
                    String s = new String(c, StandardCharsets.UTF_8);
                    events += s.split("data: ", -1).length - 1;
                }
                assertEquals(1, StoriesServer.stats(service).running(), "still generating when the client leaves");
            }
            long closed = System.nanoTime();
            // Measured from the send, not from the first event: events can arrive in a burst after a pause of
            // this thread, which would make the rate look far higher than the engine's.
            double perEventNanos = (closed - sent) / (double) events;
            long deadline = closed + Duration.ofSeconds(2).toNanos();
            while (StoriesServer.stats(service).running() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long stopped = System.nanoTime();
            EngineStats after = StoriesServer.stats(service);
            assertEquals(0, after.running(), "the engine stopped within 2 s of the disconnect");
            assertEquals(before.completed() + 1, after.completed());
            // Ended early: the whole run would have needed (at the rate seen before the close) far longer.
            double fullRunNanos = perEventNanos * maxTokens;
            assertTrue(stopped - sent < fullRunNanos / 2, "stopped after " + (stopped - sent) / 1e6
                    + " ms; the full " + maxTokens + " tokens take about " + fullRunNanos / 1e6 + " ms");
            assertNotNull(logs.await(e -> e.getFormattedMessage().contains("client disconnected")));
        }
        // The engine is free again: a new request is served at once.
        HttpResponse<String> r = post("/v1/completions", """
                {"model":"stories260K","prompt":"","max_tokens":3,"temperature":0}""");
        assertEquals(200, r.statusCode(), r.body());
    }

    /**
     * A client that gives up on a non-streamed answer (nothing is written to it until the answer is ready)
     * stops the generation too: the request's thread probes the connection every 250 ms.
     */
    @Test
    void droppingANonStreamedRequestCancelsTheGeneration() throws Exception {
        EngineStats before = StoriesServer.stats(service);
        try (CapturingAppender logs = new CapturingAppender("io.stellarchat.server.api")) {
            try (RawHttp r = RawHttp.send(port, "/v1/completions", """
                    {"model":"stories260K","prompt":"Once","max_tokens":1900,"temperature":0,"logit_bias":{"2":-100}}""")) {
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (StoriesServer.stats(service).running() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(1, StoriesServer.stats(service).running(), "generating before the client leaves");
            }
            long closed = System.nanoTime();
            long deadline = closed + Duration.ofSeconds(2).toNanos();
            while (StoriesServer.stats(service).running() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, StoriesServer.stats(service).running(), "the engine stopped within 2 s of the disconnect");
            assertEquals(before.completed() + 1, StoriesServer.stats(service).completed());
            assertNotNull(logs.await(e -> e.getFormattedMessage().contains("client disconnected before the answer")));
        }
    }

    // ---- validation -----------------------------------------------------------------------------------

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", """
                {"model":"stories260K","messages":[{"role":"user","content":"Hi"}],"max_tokens":3,
                 "foo":1,"extra_body":{"repetition_penalty":1.1,"nested":{"x":[1,2]}},"metadata":{"k":"v"}}""");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("chat.completion", JSON.readTree(r.body()).get("object").asText());
    }

    @Test
    void nonTextContentPartIsRejectedByItsPath() throws Exception {
        JsonNode e = error(post("/v1/chat/completions", """
                {"model":"stories260K","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}"""), 400);
        assertEquals("messages[0].content[0].type", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("image_url"), e.toString());
    }

    @Test
    void invalidJsonIsBadRequest() throws Exception {
        JsonNode e = error(post("/v1/chat/completions", "{\"model\":\"stories260K\",\"messages\":["), 400);
        assertFalse(e.get("message").asText().isBlank());
        error(post("/v1/completions", "[1,2,3]"), 400);
    }

    @Test
    void nOutOfRangeNamesN() throws Exception {
        for (String n : List.of("0", "9", "\"two\"", "1.5")) {
            JsonNode e = error(post("/v1/chat/completions", """
                    {"model":"stories260K","messages":[{"role":"user","content":"Hi"}],"n":%s}""".formatted(n)), 400);
            assertEquals("n", e.get("param").asText(), n);
        }
    }

    @Test
    void hugeMaxTokensIsContextLengthExceededNotAnOverflow() throws Exception {
        // 1 prompt token + 2147483647 wrapped around to a negative int and slipped past the context check.
        JsonNode e = error(post("/v1/completions", """
                {"model":"stories260K","prompt":"","max_tokens":2147483647,"stop":"."}"""), 400);
        assertEquals("context_length_exceeded", e.get("code").asText());
        assertTrue(e.get("message").asText().contains("2147483648"), e.toString());
        assertEquals("prompt", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("2048"), e.toString());
    }

    @Test
    void logitBiasOutsideTheVocabularyIsBadRequestBeforeTheStreamStarts() throws Exception {
        // Was a 500 (and, streamed, a 200 with an error event): the sampler found the bad id at the first token.
        for (String stream : List.of("false", "true")) {
            JsonNode e = error(post("/v1/completions", """
                    {"model":"stories260K","prompt":"","max_tokens":3,"logit_bias":{"512":5},"stream":%s}"""
                    .formatted(stream)), 400);
            assertEquals("logit_bias", e.get("param").asText());
            assertTrue(e.get("message").asText().contains("512"), e.toString());
        }
        // The last id of the 512-token vocabulary is fine.
        assertEquals(200, post("/v1/completions", """
                {"model":"stories260K","prompt":"","max_tokens":2,"logit_bias":{"511":5}}""").statusCode());
    }

    @Test
    void seedOutsideInt64IsOutOfRangeNotAWrongType() throws Exception {
        JsonNode e = error(post("/v1/completions", """
                {"model":"stories260K","prompt":"","max_tokens":2,"seed":18446744073709551615}"""), 400);
        assertEquals("seed", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("out of range"), e.toString());
        error(post("/v1/completions", """
                {"model":"stories260K","prompt":"","max_tokens":2,"seed":"7"}"""), 400);
    }

    @Test
    void unknownModelIdIs404() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/v1/models/no-such-model")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertEquals("model_not_found", e.get("code").asText());
        assertTrue(e.get("message").asText().contains("no-such-model"), e.toString());
    }

    // ---- tokenizer endpoints --------------------------------------------------------------------------

    @Test
    void tokenizeAndDetokenizeRoundTrip() throws Exception {
        // The reference greedy output (shared/models/README.md) begins 403 407 261 378 = "Once upon a time".
        HttpResponse<String> t = post("/tokenize", """
                {"model":"stories260K","content":"Once upon a time"}""");
        assertEquals(200, t.statusCode(), t.body());
        JsonNode tokens = JSON.readTree(t.body()).get("tokens");
        assertEquals("[403,407,261,378]", tokens.toString());
        HttpResponse<String> d = post("/detokenize", "{\"tokens\":" + tokens + "}");
        assertEquals(200, d.statusCode(), d.body());
        assertEquals("Once upon a time", JSON.readTree(d.body()).get("content").asText().strip());

        String text = "Lily's mom said, \"Lily, let's go to the park!\" 123 é";
        JsonNode ids = JSON.readTree(post("/tokenize", JSON.writeValueAsString(java.util.Map.of("content", text))).body())
                .get("tokens");
        String back = JSON.readTree(post("/detokenize", "{\"model\":\"stories\",\"tokens\":" + ids + "}").body())
                .get("content").asText();
        assertEquals(text, back.strip());

        JsonNode bad = error(post("/detokenize", "{\"tokens\":[1,99999]}"), 400);
        assertEquals("tokens", bad.get("param").asText());
    }
}
