package io.stellarchat.server.api.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.testing.LiveService;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI's assets over real HTTP on a service that requires keys: the pages are open, carry a strict CSP
 * and ETags (304 on a match), only listed assets are served; the API behind them still wants a key, which a
 * browser's WebSocket can offer as a {@code stellar.key.<base64url>} subprotocol.
 */
class WebRoutesTest {
    static final String KEY = "sk-static-web-1";
    @TempDir
    static Path dir;
    static LiveService live;

    @BeforeAll
    static void start() {
        live = new LiveService(dir, List.of(LiveService.stories("stories", 0)), List.of(KEY));
    }

    @AfterAll
    static void stop() {
        if (live != null) live.close();
    }

    @Test
    void pagesAreOpenWithAStrictPolicyAndEtags() throws Exception {
        HttpResponse<String> page = live.get("/", null);
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("/ui/playground.js"), page.body());
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe"), csp);
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
        String etag = page.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> again = live.client.send(live.request("/", null).header("If-None-Match", etag).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(304, again.statusCode());
        assertEquals("", again.body());
        HttpResponse<String> changed = live.client.send(live.request("/", null).header("If-None-Match", "\"other\"").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, changed.statusCode());

        HttpResponse<String> console = live.get("/console", null);
        assertEquals(200, console.statusCode());
        assertTrue(console.body().contains("/ui/console.js"));
        assertFalse(etag.equals(console.headers().firstValue("ETag").orElseThrow()), "each file its own tag");
        for (String asset : WebRoutes.ASSETS) {
            HttpResponse<String> a = live.get("/ui/" + asset, null);
            assertEquals(200, a.statusCode(), asset);
            assertTrue(a.headers().firstValue("Content-Security-Policy").isPresent(), asset);
        }
        assertTrue(live.get("/ui/playground.js", null).headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));

        HttpResponse<String> missing = live.get("/ui/secrets.js", null);
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("\"error\""), missing.body());
        assertEquals(404, live.get("/ui/..%2Fversion.properties", null).statusCode());
    }

    @Test
    void theApiBehindThePagesStillWantsAKey() throws Exception {
        assertEquals(401, live.get("/v1/models", null).statusCode());
        assertEquals(200, live.get("/v1/models", KEY).statusCode());
    }

    @Test
    void aBrowserWebSocketOffersItsKeyAsASubprotocol() throws Exception {
        String offered = "stellar.key." + Base64.getUrlEncoder().withoutPadding().encodeToString(KEY.getBytes(StandardCharsets.UTF_8));
        CompletableFuture<String> pong = new CompletableFuture<>();
        WebSocket ws = live.client.newWebSocketBuilder().subprotocols("stellar.v1", offered)
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + live.port + "/v1/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        pong.complete(data.toString());
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        assertEquals("stellar.v1", ws.getSubprotocol(), "the server picks the protocol, never echoes the key");
        ws.sendText("{\"type\":\"ping\"}", true);
        assertTrue(pong.get(10, TimeUnit.SECONDS).contains("pong"));
        ws.abort();

        String wrong = "stellar.key." + Base64.getUrlEncoder().withoutPadding().encodeToString("sk-wrong".getBytes(StandardCharsets.UTF_8));
        for (String[] protocols : List.of(new String[] {"stellar.v1", wrong}, new String[] {"stellar.v1"})) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> live.client.newWebSocketBuilder()
                    .subprotocols(protocols[0], java.util.Arrays.copyOfRange(protocols, 1, protocols.length))
                    .buildAsync(URI.create("ws://127.0.0.1:" + live.port + "/v1/ws"), new WebSocket.Listener() {})
                    .get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof java.net.http.WebSocketHandshakeException, String.valueOf(e.getCause()));
            assertEquals(401, ((java.net.http.WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
        }
        ExecutionException keyFirst = assertThrows(ExecutionException.class, () -> live.client.newWebSocketBuilder()
                .subprotocols(offered, "stellar.v1")
                .buildAsync(URI.create("ws://127.0.0.1:" + live.port + "/v1/ws"), new WebSocket.Listener() {})
                .get(10, TimeUnit.SECONDS));
        assertEquals(400, ((java.net.http.WebSocketHandshakeException) keyFirst.getCause()).getResponse().statusCode(),
                "the key would be echoed as the selected protocol");
    }

    @Test
    void ifNoneMatchListsAndWeakTagsMatch() {
        assertTrue(WebRoutes.matches("\"a\", \"b\"", "\"b\""));
        assertTrue(WebRoutes.matches("W/\"b\"", "\"b\""));
        assertTrue(WebRoutes.matches("*", "\"b\""));
        assertFalse(WebRoutes.matches("\"a\"", "\"b\""));
        assertFalse(WebRoutes.matches(null, "\"b\""));
    }
}
