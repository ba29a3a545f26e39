package io.stellarchat.server.api.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WebSocket chat end to end: a real service (stories260K, SQLite in a temp dir) and the JDK's WebSocket
 * client. What a test asserts about a reply is checked against what the REST API says was stored.
 */
class ChatSocketTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "stories260K";
    /** The same file under a second id: its own engine, so two turns really run at once (the engine is serial). */
    static final String MODEL_2 = "stories260K-2";
    /** Small enough to provoke cheaply; frames in the other tests are far below it. */
    static final long FRAME_LIMIT = 128 * 1024; // above Jetty's own 64 KiB defaults, so the setting is what counts
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static StellarService service;
    static HttpClient http;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        Path shared = Path.of(System.getProperty("stellar.shared", "../shared"));
        StellarConfig d = StellarConfig.defaults();
        ModelsConfig modelsConfig = new ModelsConfig(dir, List.of(new ModelEntry(MODEL,
                shared.resolve("models/stories260K.gguf"), List.of(), 0),
                new ModelEntry(MODEL_2, shared.resolve("models/stories260K.gguf"), List.of(), 0)));
        StellarConfig config = d.withServer(d.server().withPort(0).withWsMaxFrameBytes(FRAME_LIMIT))
                .withModels(modelsConfig);
        ModelRegistry models = ModelRegistry.load(modelsConfig, config.engine());
        ChatDatabase db = ChatDatabase.open(config.database(), dir.resolve("data"), Clock.systemUTC());
        service = new StellarService(config, models, db, List.of());
        port = service.start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
        if (http != null) http.close();
    }

    // ---- the specification ----

    @Test
    void messageWithoutSessionCreatesOneStreamsTheReplyAndStoresIt() throws Exception {
        try (Client c = Client.open()) {
            c.send(message("r1", null, "Once upon a time", Map.of("max_tokens", 24)));
            JsonNode session = c.next("r1");
            assertEquals("session", session.get("type").asText(), session.toString());
            String sessionId = session.get("session_id").asText();
            JsonNode start = c.next("r1");
            assertEquals("start", start.get("type").asText(), start.toString());
            assertEquals(sessionId, start.get("session_id").asText());
            StringBuilder text = new StringBuilder();
            JsonNode end = c.collect("r1", text);
            assertEquals("end", end.get("type").asText(), end.toString());
            assertEquals(start.get("message_id").asText(), end.get("message_id").asText());
            assertFalse(text.isEmpty(), "deltas carried text");
            int completion = end.get("usage").get("completion_tokens").asInt();
            assertTrue(completion >= 1 && completion <= 24, end.toString());

            List<JsonNode> stored = messages(sessionId);
            assertEquals(2, stored.size(), stored.toString());
            JsonNode user = byRole(stored, "user");
            JsonNode reply = byRole(stored, "assistant");
            assertEquals("Once upon a time", user.get("content").asText());
            assertEquals(start.get("user_message_id").asText(), user.get("id").asText());
            assertEquals(end.get("message_id").asText(), reply.get("id").asText());
            assertEquals(text.toString(), reply.get("content").asText(), "stored reply = streamed deltas");
            assertEquals(end.get("finish_reason").asText(), reply.get("finish_reason").asText());
            assertEquals(completion, reply.get("usage").get("completion_tokens").asInt());

            // the session continues over the same socket: the second turn sees the first
            c.send(message("r2", sessionId, "The end.", Map.of("max_tokens", 4)));
            assertEquals("start", c.next("r2").get("type").asText());
            JsonNode end2 = c.collect("r2", new StringBuilder());
            assertEquals("end", end2.get("type").asText(), end2.toString());
            assertTrue(end2.get("usage").get("prompt_tokens").asInt() > end.get("usage").get("prompt_tokens").asInt(),
                    "the second prompt includes the first exchange");
            assertEquals(4, messages(sessionId).size());
        }
    }

    @Test
    void twoSessionsStreamAtOnceOnOneConnection() throws Exception {
        try (Client c = Client.open()) {
            Map<String, StringBuilder> text = new HashMap<>(Map.of("a", new StringBuilder(), "b", new StringBuilder()));
            Map<String, JsonNode> ends = new HashMap<>();
            Map<String, String> sessions = new HashMap<>();
            List<String> order = new ArrayList<>(); // request id of each delta, in arrival order
            // a runs long (EOS banned); b, on another model's engine, starts while a streams and ends first;
            // then a is stopped
            c.send(message("a", null, "Tom had a dog", longParams(1500)));
            while (order.isEmpty()) record(c.next("a"), text, ends, sessions, order);
            c.send(message("b", null, MODEL_2, "Lily saw a cat", longParams(40)));
            while (!ends.containsKey("b")) record(c.next(x -> true), text, ends, sessions, order);
            assertFalse(ends.containsKey("a"), "a still runs after b ended");
            c.send(obj("type", "stop", "request_id", "a"));
            while (!ends.containsKey("a")) record(c.next(x -> true), text, ends, sessions, order);

            assertFalse(sessions.get("a").equals(sessions.get("b")), "two sessions");
            assertEquals("length", ends.get("b").get("finish_reason").asText(), ends.get("b").toString());
            assertEquals(40, ends.get("b").get("usage").get("completion_tokens").asInt());
            assertEquals("stop", ends.get("a").get("finish_reason").asText(), ends.get("a").toString());
            for (String id : List.of("a", "b")) {
                JsonNode reply = byRole(messages(sessions.get(id)), "assistant");
                assertEquals(text.get(id).toString(), reply.get("content").asText(), "request " + id);
            }
            // interleaved: a streamed on while b streamed, not one after the other
            int firstB = order.indexOf("b");
            int lastB = order.lastIndexOf("b");
            assertTrue(order.subList(firstB, lastB).contains("a"), "deltas interleave: " + String.join("", order));
        }
    }

    private static void record(JsonNode f, Map<String, StringBuilder> text, Map<String, JsonNode> ends,
                               Map<String, String> sessions, List<String> order) {
        String id = f.get("request_id").asText();
        switch (f.get("type").asText()) {
            case "session" -> sessions.put(id, f.get("session_id").asText());
            case "start" -> { }
            case "delta" -> {
                text.get(id).append(f.get("content").asText());
                order.add(id);
            }
            case "end" -> ends.put(id, f);
            default -> fail("unexpected frame " + f);
        }
    }

    @Test
    void stopEndsTheNamedRequestWithinATokenAndStoresThePartialReply() throws Exception {
        try (Client c = Client.open()) {
            c.send(message("long", null, "Once upon a time", longParams(1500)));
            String sessionId = c.next("long").get("session_id").asText();
            assertEquals("start", c.next("long").get("type").asText());
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                JsonNode d = c.next("long");
                assertEquals("delta", d.get("type").asText(), d.toString());
                text.append(d.get("content").asText());
            }
            c.send(obj("type", "stop", "request_id", "long"));
            JsonNode end = c.collect("long", text);
            assertEquals("end", end.get("type").asText(), end.toString());
            assertEquals("stop", end.get("finish_reason").asText());
            int completion = end.get("usage").get("completion_tokens").asInt();
            assertTrue(completion < 1500, "stopped early: " + completion);

            JsonNode reply = byRole(messages(sessionId), "assistant");
            assertEquals("stop", reply.get("finish_reason").asText());
            assertEquals(text.toString(), reply.get("content").asText(), "partial reply stored as streamed");
            // a stop for a request that is no longer running is answered, and the socket stays usable
            c.send(obj("type", "stop", "request_id", "long"));
            JsonNode err = c.next("long");
            assertEquals("request_not_running", err.get("error").get("code").asText(), err.toString());
            c.send(obj("type", "ping"));
            assertEquals("pong", c.next(f -> f.get("type").asText().equals("pong")).get("type").asText());
        }
    }

    @Test
    void abruptDisconnectCancelsTheTurnAndStoresItAsCancelled() throws Exception {
        Client c = Client.open();
        c.send(message("gone", null, "Once upon a time", longParams(1500)));
        String sessionId = c.next("gone").get("session_id").asText();
        assertEquals("start", c.next("gone").get("type").asText());
        assertEquals("delta", c.next("gone").get("type").asText());
        c.ws.abort();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        JsonNode reply;
        do {
            Thread.sleep(50);
            reply = byRole(messages(sessionId), "assistant");
        } while (reply.get("finish_reason").isNull() && System.nanoTime() < deadline);
        assertEquals("cancelled", reply.get("finish_reason").asText(), reply.toString());
        assertTrue(reply.get("usage").get("completion_tokens").asInt() < 1500, reply.toString());
    }

    @Test
    void malformedFramesGetErrorFramesAndTheConnectionStaysOpen() throws Exception {
        try (Client c = Client.open()) {
            c.send("this is not JSON");
            assertError(c.next(x -> true), null, "invalid_json");
            c.send("{\"type\":\"ping\"} trailing");
            assertError(c.next(x -> true), null, "invalid_json");
            c.send("[1,2]");
            assertError(c.next(x -> true), null, "invalid_frame");
            c.send("");
            assertError(c.next(x -> true), null, "invalid_frame");
            c.send("[".repeat(20_000)); // nesting beyond the parser's limit: refused, not a stack overflow
            assertError(c.next(x -> true), null, "invalid_json");
            c.send(obj("type", "message", "request_id", "p1", "model", MODEL, "content", "hi", "params", "hot"));
            assertEquals("params", c.next(x -> true).get("error").get("param").asText());
            c.send(obj("type", "dance", "request_id", "d1"));
            JsonNode unknown = c.next(x -> true);
            assertError(unknown, "d1", "unknown_frame_type");
            assertEquals("type", unknown.get("error").get("param").asText());
            c.send(obj("type", "message", "request_id", "m1", "model", MODEL));
            JsonNode missing = c.next(x -> true);
            assertError(missing, "m1", "invalid_frame");
            assertEquals("content", missing.get("error").get("param").asText());
            c.send(obj("type", "message", "request_id", "m2", "content", "hi"));
            assertEquals("model", c.next(x -> true).get("error").get("param").asText(), "new session needs a model");
            c.send(obj("type", "message", "content", "hi", "model", MODEL));
            assertEquals("request_id", c.next(x -> true).get("error").get("param").asText());
            c.send(obj("type", "message", "request_id", "m3", "content", "hi", "model", "no-such-model"));
            assertError(c.next(x -> true), "m3", "model_not_found");
            c.send(obj("type", "message", "request_id", "m4", "content", "hi", "session_id", "no-such-session"));
            assertError(c.next(x -> true), "m4", "session_not_found");

            c.send(obj("type", "ping"));
            assertEquals("pong", c.next(x -> true).get("type").asText());
        }
    }

    @Test
    void secondMessageForARunningSessionIsRefusedAsBusy() throws Exception {
        try (Client c = Client.open()) {
            c.send(message("first", null, "Once upon a time", longParams(1500)));
            String sessionId = c.next("first").get("session_id").asText();
            assertEquals("start", c.next("first").get("type").asText());
            c.send(message("second", sessionId, "Again", Map.of("max_tokens", 4)));
            JsonNode busy = c.next("second");
            assertError(busy, "second", "session_busy");
            assertEquals(409, busy.get("error").get("status").asInt());
            c.send(obj("type", "stop", "request_id", "first"));
            JsonNode end = c.collect("first", new StringBuilder());
            assertEquals("stop", end.get("finish_reason").asText(), end.toString());
            // once the end frame is out, the session takes the next message at once
            c.send(message("third", sessionId, "Again", Map.of("max_tokens", 4)));
            assertEquals("start", c.next("third").get("type").asText());
            assertEquals("end", c.collect("third", new StringBuilder()).get("type").asText());
        }
    }

    @Test
    void frameUpToTheLimitIsReadAndALargerOneClosesTheConnectionWith1009() throws Exception {
        Client c = Client.open();
        String justUnder = "{\"type\":\"ping\",\"pad\":\"" + "x".repeat((int) FRAME_LIMIT - 100) + "\"}";
        c.send(justUnder);
        assertEquals("pong", c.next(x -> true).get("type").asText());
        c.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat((int) FRAME_LIMIT) + "\"}");
        assertEquals(1009, c.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void sessionsBelongToTheBearerTokenOfTheUpgradeRequest() throws Exception {
        try (Client c = Client.open("Bearer ws-test-key")) {
            c.send(message("k", null, "Once upon a time", Map.of("max_tokens", 2)));
            String sessionId = c.next("k").get("session_id").asText();
            assertEquals("end", c.collect("k", new StringBuilder()).get("type").asText());
            String path = "http://127.0.0.1:" + port + "/v1/sessions/" + sessionId + "/messages";
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, other.statusCode(), "another owner does not see it");
            HttpResponse<String> mine = http.send(HttpRequest.newBuilder(URI.create(path))
                    .header("Authorization", "Bearer ws-test-key").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, mine.statusCode(), mine.body());
            assertEquals(2, JSON.readTree(mine.body()).get("data").size());
        }
    }

    // ---- helpers ----

    static void assertError(JsonNode f, String requestId, String code) {
        assertEquals("error", f.get("type").asText(), f.toString());
        if (requestId == null) {
            assertTrue(f.get("request_id").isNull(), f.toString());
        } else {
            assertEquals(requestId, f.get("request_id").asText(), f.toString());
        }
        assertEquals(code, f.get("error").get("code").asText(), f.toString());
        assertFalse(f.get("error").get("message").asText().isEmpty());
        assertFalse(f.get("error").get("type").asText().isEmpty());
    }

    /** Params that keep the story model talking: EOS (token 2) banned, a large budget. */
    static Map<String, Object> longParams(int maxTokens) {
        return Map.of("max_tokens", maxTokens, "logit_bias", Map.of("2", -100));
    }

    static String message(String requestId, String sessionId, String content, Map<String, Object> params) {
        return message(requestId, sessionId, MODEL, content, params);
    }

    static String message(String requestId, String sessionId, String model, String content, Map<String, Object> params) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", "message");
        o.put("request_id", requestId);
        if (sessionId == null) {
            o.put("model", model);
        } else {
            o.put("session_id", sessionId);
        }
        o.put("content", content);
        o.set("params", JSON.valueToTree(params));
        return o.toString();
    }

    static String obj(String... kv) {
        ObjectNode o = JSON.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) o.put(kv[i], kv[i + 1]);
        return o.toString();
    }

    static List<JsonNode> messages(String sessionId) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/sessions/" + sessionId + "/messages"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(r.body()).get("data").forEach(out::add);
        return out;
    }

    static JsonNode byRole(List<JsonNode> messages, String role) {
        List<JsonNode> found = messages.stream().filter(m -> m.get("role").asText().equals(role)).toList();
        assertEquals(1, found.size(), "one " + role + " message in " + messages);
        return found.get(0);
    }

    /** A JDK WebSocket client that queues whole text frames as JSON and records the close status. */
    static final class Client implements WebSocket.Listener, AutoCloseable {
        final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final StringBuilder partial = new StringBuilder();
        WebSocket ws;

        static Client open() throws Exception {
            return open(null);
        }

        static Client open(String authorization) throws Exception {
            Client c = new Client();
            WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
            if (authorization != null) b.header("Authorization", authorization);
            c.ws = b.buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/ws"), c).get(10, TimeUnit.SECONDS);
            return c;
        }

        void send(String text) throws Exception {
            ws.sendText(text, true).get(10, TimeUnit.SECONDS);
        }

        /** The next frame tagged with this request id (frames of other requests are skipped). */
        JsonNode next(String requestId) throws Exception {
            return next(f -> requestId.equals(f.path("request_id").asText(null)));
        }

        JsonNode next(Predicate<JsonNode> wanted) throws Exception {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                JsonNode f = frames.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (f == null) fail("no frame within " + WAIT + (closed.isDone() ? "; closed " + closed.get() : ""));
                if (wanted.test(f)) return f;
            }
        }

        /**
         * Appends the request's deltas to {@code text} until its end or error frame, which it returns; a
         * {@code start} on the way is allowed, a second one is not.
         */
        JsonNode collect(String requestId, StringBuilder text) throws Exception {
            boolean started = false;
            while (true) {
                JsonNode f = next(requestId);
                switch (f.get("type").asText()) {
                    case "start" -> {
                        assertFalse(started || !text.isEmpty(), "start after start or delta: " + f);
                        started = true;
                    }
                    case "delta" -> text.append(f.get("content").asText());
                    case "end", "error" -> {
                        return f;
                    }
                    default -> fail("unexpected frame " + f);
                }
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    frames.add(JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    frames.add(JSON.createObjectNode().put("type", "client_parse_failure").put("text", partial.toString()));
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }

        @Override
        public void close() {
            ws.abort();
        }
    }
}
