package io.stellarchat.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.testing.LiveService;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route the server has, walked from the server's own route table ({@code StellarService.endpoints()}), so
 * that a route added later without a scope, or without a body limit, fails here until it is placed in
 * {@link #SCOPES}: no route but the probes and the web UI's files answers without a key (401); every scoped route
 * refuses a key without its scope (403) and admits one with it; every {@code /v1/admin/*} route needs the admin
 * scope, also when the path is spelled in another way; every route that takes a body answers 413 in the error
 * shape of its dialect, with {@code Content-Length} and chunked without it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteSecurityTest {
    static final String ADMIN = "route-security-admin-7d2c";
    static final long LIMIT = 64 * 1024;

    /**
     * What each route needs: {@code open} (no key), {@code any} (any valid key, no scope), or a scope's wire name.
     * A route missing from this table fails {@link #everyRouteIsInTheScopeTable()}.
     */
    static final Map<String, String> SCOPES = new LinkedHashMap<>();

    static {
        for (String r : List.of("GET /health", "GET /ready", "GET /metrics", "GET /", "GET /console", "GET /ui/{name}")) {
            SCOPES.put(r, "open");
        }
        for (String r : List.of("GET /v1/models", "GET /v1/models/{id}", "GET /api/tags", "GET /api/ps", "GET /api/version",
                "POST /api/show")) {
            SCOPES.put(r, "any");
        }
        for (String r : List.of("POST /v1/chat/completions", "POST /v1/completions", "POST /tokenize", "POST /detokenize",
                "POST /apply-template", "POST /api/chat", "POST /api/generate", "POST /v1/messages",
                "POST /v1/messages/count_tokens")) {
            SCOPES.put(r, "chat");
        }
        for (String r : List.of("POST /v1/embeddings", "POST /v1/rerank", "POST /v2/rerank", "POST /rerank", "POST /api/embed",
                "POST /api/embeddings")) {
            SCOPES.put(r, "embeddings");
        }
        for (String r : List.of("POST /v1/sessions", "GET /v1/sessions", "GET /v1/sessions/{id}", "PATCH /v1/sessions/{id}",
                "DELETE /v1/sessions/{id}", "POST /v1/sessions/{id}/messages", "GET /v1/sessions/{id}/messages",
                "POST /v1/sessions/{id}/messages/{mid}/feedback", "DELETE /v1/sessions/{id}/messages/{mid}", "WS /v1/ws")) {
            SCOPES.put(r, "sessions");
        }
        for (String r : List.of("POST /api/pull", "POST /api/create", "POST /api/copy", "POST /api/push", "DELETE /api/delete")) {
            SCOPES.put(r, "admin");
        }
        // Every /v1/admin/* route is admin whatever it is: checked by prefix in adminScope(), not listed here.
    }

    /** Routes that take no body: an oversized declared body is still refused (413 before routing). */
    static final Set<String> NO_BODY = Set.of("POST /v1/admin/models/{id}/load", "POST /v1/admin/models/{id}/unload",
            "POST /v1/admin/keys/{id}/rotate", "POST /api/create", "POST /api/copy", "POST /api/push");

    LiveService live;
    List<String> endpoints;
    final Map<String, String> keyByScope = new LinkedHashMap<>();
    String noScopes;
    String allButAdmin;
    /** Real ids for the body-limit walk, so that a route reads the body rather than answering 404 first. */
    final Map<String, String> realIds = new LinkedHashMap<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        live = new LiveService(dir, List.of(LiveService.stories("stories", 0)), List.of(ADMIN), List.of(),
                c -> c.withServer(c.server().withMaxBodyBytes(LIMIT).withDrainTimeout(Duration.ofSeconds(1))));
        endpoints = live.service.endpoints();
        for (String scope : List.of("chat", "embeddings", "sessions", "admin")) {
            keyByScope.put(scope, key("[\"" + scope + "\"]"));
        }
        noScopes = key("[]");
        allButAdmin = key("[\"chat\",\"embeddings\",\"sessions\"]");
        HttpResponse<String> s = live.post("/v1/sessions", keyByScope.get("sessions"), "{\"model\":\"stories\"}");
        realIds.put("/v1/sessions/", LiveService.json(s).get("id").asText());
        realIds.put("/v1/admin/keys/", LiveService.json(live.get("/v1/admin/keys", ADMIN)).get("data").get(0).get("id").asText());
        realIds.put("/v1/admin/models/", "stories");
    }

    private String key(String scopes) throws Exception {
        HttpResponse<String> r = live.post("/v1/admin/keys", ADMIN, "{\"name\":\"t\",\"scopes\":" + scopes + "}");
        assertEquals(201, r.statusCode(), r.body());
        return LiveService.json(r).get("key").asText();
    }

    @AfterAll
    void stop() {
        if (live != null) live.close();
    }

    static boolean adminScope(String route) {
        return route.substring(route.indexOf(' ') + 1).startsWith("/v1/admin/");
    }

    static String needed(String route) {
        return adminScope(route) ? "admin" : SCOPES.get(route);
    }

    /** A concrete path for a route template. */
    static String path(String route) {
        return route.substring(route.indexOf(' ') + 1).replace("{id}", "sess_nope").replace("{mid}", "msg_nope")
                .replace("{name}", "app.css");
    }

    static String method(String route) {
        return route.substring(0, route.indexOf(' '));
    }

    private HttpResponse<String> call(String route, String key) throws IOException, InterruptedException {
        String m = method(route);
        HttpRequest.Builder b = live.request(path(route), key);
        if (m.equals("GET") || m.equals("DELETE")) {
            b.method(m, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(m, HttpRequest.BodyPublishers.ofString("{}"));
        }
        return live.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyRouteIsInTheScopeTable() {
        assertTrue(endpoints.size() > 50, "the server's route table: " + endpoints);
        List<String> unknown = endpoints.stream().filter(r -> needed(r) == null).toList();
        assertEquals(List.of(), unknown, "routes with no entry in RouteSecurityTest.SCOPES: decide the scope each needs "
                + "(Authentication.scopeOf) and add it");
        Set<String> stale = new TreeSet<>(SCOPES.keySet());
        endpoints.forEach(stale::remove);
        assertEquals(Set.of(), stale, "SCOPES names routes the server no longer has");
    }

    @Test
    void noRouteButTheOpenOnesAnswersWithoutAKey() throws Exception {
        for (String route : endpoints) {
            if (route.startsWith("WS ")) continue; // below
            HttpResponse<String> r = call(route, null);
            if ("open".equals(needed(route))) {
                assertNotEquals(401, r.statusCode(), route);
            } else {
                assertEquals(401, r.statusCode(), route + " without a key: " + r.body());
            }
        }
        assertEquals(401, upgradeStatus(null));
    }

    @Test
    void everyScopedRouteRefusesAKeyWithoutItsScopeAndAdmitsOneWithIt() throws Exception {
        for (String route : endpoints) {
            String scope = needed(route);
            if (route.startsWith("WS ") || scope.equals("open")) continue;
            HttpResponse<String> bare = call(route, noScopes);
            if (scope.equals("any")) {
                assertFalse(bare.statusCode() == 401 || bare.statusCode() == 403, route + ": " + bare.body());
                continue;
            }
            assertEquals(403, bare.statusCode(), route + " with a key without scopes: " + bare.body());
            assertTrue(bare.body().contains("insufficient_scope") || bare.body().contains("scope needed"), bare.body());
            for (Map.Entry<String, String> other : keyByScope.entrySet()) {
                if (other.getKey().equals(scope)) continue;
                assertEquals(403, call(route, other.getValue()).statusCode(), route + " with only " + other.getKey());
            }
            HttpResponse<String> right = call(route, keyByScope.get(scope));
            assertFalse(right.statusCode() == 401 || right.statusCode() == 403,
                    route + " with the '" + scope + "' scope: " + right.statusCode() + " " + right.body());
        }
        assertEquals(403, upgradeStatus(noScopes));
        assertEquals(403, upgradeStatus(keyByScope.get("chat")));
        assertEquals(101, upgradeStatus(keyByScope.get("sessions")));
    }

    @Test
    void adminRoutesNeedTheAdminScopeHoweverThePathIsSpelled() throws Exception {
        List<String> admin = endpoints.stream().filter(RouteSecurityTest::adminScope).toList();
        assertTrue(admin.size() >= 15, "admin routes: " + admin);
        for (String route : admin) {
            assertEquals(403, call(route, allButAdmin).statusCode(), route + " with every scope but admin");
        }
        // Spellings a router might take for the same route: none may reach the keys list with a non-admin key.
        for (String p : List.of("/v1/admin/keys", "/v1/admin/keys/", "//v1/admin/keys", "/v1//admin/keys", "/v1/admin//keys",
                "/v1/./admin/keys", "/v1/x/../admin/keys", "/v1/%61dmin/keys", "/v1/admin/%6beys", "/V1/ADMIN/KEYS",
                "/v1/admin/keys;x=1", "/v1/admin/keys?x=/v1/models", "/v1/admin/keys%2F", "/v1/admin%2Fkeys")) {
            String[] status = rawGet(p, allButAdmin).split(" ", 3);
            int code = Integer.parseInt(status[1]);
            assertNotEquals(200, code, p + " answered " + String.join(" ", status));
            assertFalse(code >= 500, p + " answered " + String.join(" ", status));
            assertEquals(200, live.get("/v1/admin/keys", ADMIN).statusCode());
        }
    }

    @Test
    void everyRouteThatTakesABodyAnswers413InItsDialectWithAndWithoutContentLength() throws Exception {
        byte[] big = new byte[(int) LIMIT + 4096];
        java.util.Arrays.fill(big, (byte) ' ');
        big[0] = '{';
        big[big.length - 1] = '}';
        List<String> checked = new ArrayList<>();
        for (String route : endpoints) {
            String m = method(route);
            if (!(m.equals("POST") || m.equals("PATCH") || m.equals("PUT"))) continue;
            String key = "open".equals(needed(route)) || "any".equals(needed(route)) ? ADMIN : keyByScope.get(needed(route));
            String p = path(route);
            for (Map.Entry<String, String> id : realIds.entrySet()) {
                if (p.startsWith(id.getKey())) p = p.replace("sess_nope", id.getValue());
            }
            HttpRequest.Builder sized = live.request(p, key).header("Content-Type", "application/json")
                    .method(m, HttpRequest.BodyPublishers.ofByteArray(big));
            assertTooLarge(route, sendFresh(sized.build()), "Content-Length");
            if (NO_BODY.contains(route)) continue;
            HttpRequest.Builder chunked = live.request(p, key).header("Content-Type", "application/json")
                    .method(m, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
            assertTooLarge(route, sendFresh(chunked.build()), "chunked");
            checked.add(route);
        }
        assertTrue(checked.size() >= 25, "routes with a body: " + checked);
    }

    /**
     * On a connection of its own: the server closes a connection whose body it refused to read, and a pooled
     * connection would race that close.
     */
    private static HttpResponse<String> sendFresh(HttpRequest r) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try (java.net.http.HttpClient c = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build()) {
                return c.send(r, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                // The server answers 413 and closes while the client still writes the body; now and then the
                // close resets the connection before the client has read the answer. Another try reads it.
                if (attempt == 3) throw e;
            }
        }
    }

    private static void assertTooLarge(String route, HttpResponse<String> r, String how) throws IOException {
        assertEquals(413, r.statusCode(), route + " (" + how + "): " + r.body());
        JsonNode body = LiveService.JSON.readTree(r.body());
        String p = path(route);
        if (p.startsWith("/api/")) {
            assertTrue(body.get("error").isTextual(), "Ollama's shape on " + route + ": " + r.body());
        } else if (p.startsWith("/v1/messages")) {
            assertEquals("error", body.path("type").asText(), "Anthropic's shape on " + route + ": " + r.body());
            assertEquals("request_too_large", body.path("error").path("type").asText(), r.body());
        } else {
            assertEquals("request_too_large", body.path("error").path("code").asText(), "OpenAI's shape on " + route + ": "
                    + r.body());
            assertEquals("invalid_request_error", body.path("error").path("type").asText(), r.body());
        }
    }

    /** The status line of a GET sent byte for byte as given (no client-side normalisation of the path). */
    private String rawGet(String path, String key) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", live.port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                if (c != '\r') line.append((char) c);
            }
            return line.toString();
        }
    }

    /** The HTTP status a WebSocket upgrade to /v1/ws gets with {@code key} (101 when it opens). */
    private int upgradeStatus(String key) throws Exception {
        WebSocket.Builder b = live.client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (key != null) b.header("Authorization", "Bearer " + key);
        try {
            WebSocket ws = b.buildAsync(URI.create("ws://127.0.0.1:" + live.port + "/v1/ws"), new WebSocket.Listener() {})
                    .get(10, TimeUnit.SECONDS);
            ws.abort();
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) return h.getResponse().statusCode();
            fail("upgrade failed: " + e.getCause());
            return -1;
        }
    }
}
