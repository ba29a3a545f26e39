package io.stellarchat.server.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.CacheConfig;
import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.LimitsConfig;
import io.stellarchat.server.testing.CapturingAppender;
import io.stellarchat.server.testing.LocalRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication and ownership over REST, SSE and WebSocket with static and managed keys: every route but the
 * probes needs a key; missing, wrong, revoked, expired and disabled keys get 401 {@code invalid_api_key}; a key
 * without a route's scope 403; one owner never sees another's sessions; a key limited to some models sees only
 * those; and no secret made by the test appears in any log line. Run on SQLite and PostgreSQL by the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KeyAuthContract {
    @TempDir
    static Path dir;
    LocalRedis redis;
    Replica a;
    CapturingAppender logs;
    final List<String> secrets = new CopyOnWriteArrayList<>();

    abstract DatabaseConfig database(Path dir);

    @BeforeAll
    void start() {
        logs = new CapturingAppender(org.slf4j.Logger.ROOT_LOGGER_NAME);
        redis = LocalRedis.start();
        a = Replica.start(dir, database(dir), redis.url(), LimitsConfig.none(), CacheConfig.defaults());
        secrets.add(Replica.ADMIN);
    }

    @AfterAll
    void stop() {
        try {
            if (a != null) a.close();
            if (redis != null) redis.close();
            // No secret the test made or used is in any log line, message, key-value, MDC or stack trace.
            List<ILoggingEvent> events = logs.events();
            assertTrue(events.size() > 20, "the run logged: " + events.size());
            for (ILoggingEvent e : events) {
                String all = e.getFormattedMessage() + " " + e.getKeyValuePairs() + " " + e.getMDCPropertyMap()
                        + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
                for (String s : secrets) assertFalse(all.contains(s), "a secret in the log: " + all);
            }
        } finally {
            logs.close();
        }
    }

    private String key(String body) {
        JsonNode k = a.createKey(body);
        secrets.add(k.get("key").asText());
        return k.get("key").asText();
    }

    private static void assertUnauthorized(HttpResponse<String> r, String what) {
        assertEquals(401, r.statusCode(), what + ": " + r.body());
        JsonNode e = Replica.json(r).get("error");
        assertEquals("invalid_api_key", e.get("code").asText(), r.body());
        assertEquals("authentication_error", e.get("type").asText(), r.body());
    }

    @Test
    void everyRouteButTheProbesNeedsAKeyAndTakesItAsBearerOrXApiKey() throws Exception {
        String chat = "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":2}";
        String[][] routes = {
                {"GET", "/v1/models", null}, {"GET", "/v1/models/stories", null},
                {"POST", "/v1/chat/completions", chat},
                {"POST", "/v1/chat/completions", chat.replace("}", ",\"stream\":true}")},
                {"POST", "/v1/completions", "{\"model\":\"stories\",\"prompt\":\"Hi\",\"max_tokens\":2}"},
                {"POST", "/v1/embeddings", "{\"model\":\"stories\",\"input\":\"Hi\"}"},
                {"POST", "/tokenize", "{\"content\":\"Hi\"}"},
                {"GET", "/v1/sessions", null}, {"POST", "/v1/sessions", "{\"model\":\"stories\"}"},
                {"GET", "/v1/admin/keys", null}, {"GET", "/v1/admin/audit", null}, {"GET", "/v1/admin/models", null},
                {"GET", "/v1/no-such-route", null}};
        for (String[] r : routes) {
            assertUnauthorized(a.send(r[1], r[0], null, r[2]), "no key " + r[0] + " " + r[1]);
            assertUnauthorized(a.send(r[1], r[0], "sk-stellar-not-a-real-key-000000000000000000000", r[2]),
                    "wrong key " + r[1]);
        }
        for (String probe : List.of("/health", "/ready", "/metrics")) {
            assertEquals(200, a.get(probe, null).statusCode(), probe);
        }
        var req = java.net.http.HttpRequest.newBuilder(a.uri("/v1/models")).header("x-api-key", Replica.ADMIN).build();
        assertEquals(200, HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).statusCode());
        // The WebSocket upgrade is refused the same way.
        var e = assertThrows(ExecutionException.class, () -> socket(null));
        assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        assertEquals(401, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
    }

    @Test
    void revokedExpiredDisabledAndOutOfScopeKeysAreRefused() throws Exception {
        String chatOnly = key("{\"name\":\"c\",\"owner\":\"carol\",\"scopes\":[\"chat\"]}");
        assertEquals(200, a.chat(chatOnly, "stories", 2, "").statusCode());
        for (String path : List.of("/v1/admin/keys", "/v1/sessions")) {
            HttpResponse<String> r = a.get(path, chatOnly);
            assertEquals(403, r.statusCode(), path + ": " + r.body());
            assertEquals("insufficient_scope", Replica.json(r).at("/error/code").asText());
        }
        assertEquals(403, a.post("/v1/embeddings", chatOnly, "{\"model\":\"stories\",\"input\":\"x\"}").statusCode());
        var e = assertThrows(ExecutionException.class, () -> socket(chatOnly));
        assertEquals(403, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());

        String expired = key("{\"name\":\"e\",\"owner\":\"erin\",\"expires_at\":\"" + Instant.now().minusSeconds(5) + "\"}");
        HttpResponse<String> r = a.get("/v1/models", expired);
        assertUnauthorized(r, "expired");
        assertTrue(r.body().contains("expired"), r.body());

        JsonNode made = a.createKey("{\"name\":\"d\",\"owner\":\"dan\"}");
        String disabled = made.get("key").asText();
        secrets.add(disabled);
        assertEquals(200, a.patch("/v1/admin/keys/" + made.get("id").asText(), Replica.ADMIN, "{\"disabled\":true}").statusCode());
        assertUnauthorized(a.get("/v1/models", disabled), "disabled");
        assertEquals(200, a.patch("/v1/admin/keys/" + made.get("id").asText(), Replica.ADMIN, "{\"disabled\":false}").statusCode());
        assertEquals(200, a.get("/v1/models", disabled).statusCode(), "enabled again");

        assertEquals(200, a.delete("/v1/admin/keys/" + made.get("id").asText(), Replica.ADMIN).statusCode());
        assertUnauthorized(a.get("/v1/models", disabled), "revoked");
        assertUnauthorized(a.chat(disabled, "stories", 2, "\"stream\":true"), "revoked, streamed");
        e = assertThrows(ExecutionException.class, () -> socket(disabled));
        assertEquals(401, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());

        // Rotation: the old secret stops, the new one works.
        JsonNode k = a.createKey("{\"name\":\"r\",\"owner\":\"rita\"}");
        secrets.add(k.get("key").asText());
        JsonNode rotated = Replica.json(a.post("/v1/admin/keys/" + k.get("id").asText() + "/rotate", Replica.ADMIN, ""));
        secrets.add(rotated.get("key").asText());
        assertUnauthorized(a.get("/v1/models", k.get("key").asText()), "rotated away");
        assertEquals(200, a.get("/v1/models", rotated.get("key").asText()).statusCode());
        // Every change is in the audit log.
        String audit = a.get("/v1/admin/audit?limit=100", Replica.ADMIN).body();
        for (String action : List.of("key.create", "key.update", "key.revoke", "key.rotate")) {
            assertTrue(audit.contains(action), action + " in " + audit);
        }
    }

    @Test
    void oneOwnerNeverSeesAnothersSessionsOverRestSseOrWebSocket() throws Exception {
        String alice = key("{\"name\":\"a\",\"owner\":\"alice-" + System.nanoTime() + "\"}");
        String bob = key("{\"name\":\"b\",\"owner\":\"bob-" + System.nanoTime() + "\",\"scopes\":[\"chat\",\"sessions\",\"admin\"]}");
        HttpResponse<String> made = a.post("/v1/sessions", alice, "{\"model\":\"stories\"}");
        assertEquals(201, made.statusCode(), made.body());
        String sid = Replica.json(made).get("id").asText();
        assertEquals(200, a.get("/v1/sessions/" + sid, alice).statusCode());
        assertEquals(404, a.get("/v1/sessions/" + sid, bob).statusCode());
        assertEquals(404, a.get("/v1/sessions/" + sid + "/messages", bob).statusCode());
        assertEquals(404, a.post("/v1/sessions/" + sid + "/messages", bob, "{\"content\":\"hi\",\"stream\":true}").statusCode());
        assertFalse(a.get("/v1/sessions", bob).body().contains(sid));
        // The audit log of a managed admin key shows its owner's entries only.
        String bobsAudit = a.get("/v1/admin/audit?limit=100", bob).body();
        assertFalse(bobsAudit.contains(sid), bobsAudit);
        assertTrue(a.get("/v1/admin/audit?limit=100", Replica.ADMIN).body().contains(sid));

        Socket s = socket(bob);
        s.ws.sendText("{\"type\":\"message\",\"request_id\":\"r1\",\"session_id\":\"" + sid + "\",\"content\":\"hi\"}", true)
                .get(5, TimeUnit.SECONDS);
        JsonNode f = s.frames.poll(10, TimeUnit.SECONDS);
        assertEquals("error", f.get("type").asText(), String.valueOf(f));
        assertEquals(404, f.at("/error/status").asInt(404), String.valueOf(f));
        s.ws.abort();
    }

    @Test
    void aKeyLimitedToSomeModelsSeesOnlyThose() {
        String k = key("{\"name\":\"m\",\"owner\":\"mia\",\"models\":[\"stories\"]}");
        String list = a.get("/v1/models", k).body();
        assertTrue(list.contains("\"stories\"") && !list.contains("stories-b"), list);
        HttpResponse<String> r = a.chat(k, "stories-b", 2, "");
        assertEquals(404, r.statusCode(), r.body());
        assertEquals("model_not_found", Replica.json(r).at("/error/code").asText());
        assertFalse(r.body().contains("Available"), "does not list other models: " + r.body());
        assertEquals(404, a.get("/v1/models/stories-b", k).statusCode());
        assertEquals(200, a.chat(k, "stories", 2, "").statusCode());
    }

    @Test
    void badKeyRequestsAreRefusedWithPreciseErrors() {
        for (String body : List.of("{\"scopes\":[\"root\"]}", "{\"limits\":{\"requests_per_minute\":-1}}",
                "{\"limits\":{\"rpm\":5}}", "{\"expires_at\":\"tomorrow\"}", "{\"models\":[]}", "{\"secret\":\"x\"}")) {
            HttpResponse<String> r = a.post("/v1/admin/keys", Replica.ADMIN, body);
            assertEquals(400, r.statusCode(), body + ": " + r.body());
            assertEquals("invalid_request_error", Replica.json(r).at("/error/type").asText());
        }
        assertEquals(404, a.delete("/v1/admin/keys/key_nope", Replica.ADMIN).statusCode());
    }

    /** A WebSocket to /v1/ws with {@code key} (null: none). */
    private Socket socket(String key) throws Exception {
        Socket s = new Socket();
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (key != null) b.header("Authorization", "Bearer " + key);
        s.ws = b.buildAsync(URI.create("ws://127.0.0.1:" + a.port() + "/v1/ws"), s).get(10, TimeUnit.SECONDS);
        return s;
    }

    private static final class Socket implements WebSocket.Listener {
        final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        final StringBuilder partial = new StringBuilder();
        WebSocket ws;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(ReplicasContract.parse(partial.toString()));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}
