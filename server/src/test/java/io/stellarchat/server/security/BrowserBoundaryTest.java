package io.stellarchat.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.testing.LiveService;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a browser on another site may do: with the default configuration nothing (no CORS header on a preflight
 * or an answer, so the browser lets the page read nothing); with {@code server.cors_allowed_origins} the listed
 * origins only (preflight 204 before authentication, the answer readable, its headers exposed) and never another.
 * And the web UI's own pages and files carry the headers that stop framing, sniffing, referrers and foreign scripts.
 */
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
class BrowserBoundaryTest {
    static final String KEY = "browser-boundary-key-51a9";
    static final String GOOD = "https://app.example.com";
    static final String EVIL = "https://evil.example.net";

    private static HttpResponse<String> preflight(LiveService live, String path, String origin) throws Exception {
        HttpRequest r = live.request(path, null).header("Origin", origin).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build();
        return live.client.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> getFrom(LiveService live, String path, String origin) throws Exception {
        HttpRequest r = live.request(path, KEY).header("Origin", origin).GET().build();
        return live.client.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertNoCors(HttpHeaders h, String what) {
        for (String name : h.map().keySet()) {
            assertFalse(name.toLowerCase().startsWith("access-control-"), what + " carries " + name + ": " + h.map());
        }
    }

    /** The default configuration (CORS off). */
    LiveService live;

    @org.junit.jupiter.api.BeforeAll
    void start(@TempDir Path dir) {
        live = new LiveService(dir, List.of(LiveService.stories("stories", 0)), List.of(KEY), List.of(),
                c -> c.withServer(c.server().withDrainTimeout(Duration.ofSeconds(1))));
    }

    @org.junit.jupiter.api.AfterAll
    void stop() {
        if (live != null) live.close();
    }

    @Test
    void corsIsOffByDefault() throws Exception {
        {
            assertEquals(List.of(), live.service.config().server().corsAllowedOrigins());
            for (String origin : List.of(GOOD, EVIL, "null")) {
                HttpResponse<String> pre = preflight(live, "/v1/chat/completions", origin);
                assertTrue(pre.statusCode() >= 400, "a preflight is not answered: " + pre.statusCode());
                assertNoCors(pre.headers(), "a preflight from " + origin);
                HttpResponse<String> get = getFrom(live, "/v1/models", origin);
                assertEquals(200, get.statusCode());
                assertNoCors(get.headers(), "an answer to " + origin);
            }
        }
    }

    @Test
    void configuredOriginsAndOnlyThoseMayReadAnswers(@TempDir Path dir) throws Exception {
        try (LiveService live = new LiveService(dir, List.of(LiveService.stories("stories", 0)), List.of(KEY), List.of(),
                c -> c.withServer(c.server().withCorsAllowedOrigins(List.of(GOOD, "http://localhost:5173"))
                        .withDrainTimeout(Duration.ofSeconds(1))))) {
            HttpResponse<String> pre = preflight(live, "/v1/chat/completions", GOOD);
            assertEquals(204, pre.statusCode(), "a preflight carries no key and is answered before authentication");
            assertEquals(GOOD, pre.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            assertTrue(pre.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("POST"));
            assertEquals("authorization, content-type, x-stainless-os",
                    pre.headers().firstValue("Access-Control-Allow-Headers").orElse(null));
            assertTrue(pre.headers().allValues("Vary").stream().anyMatch(v -> v.contains("Origin")));
            assertFalse(pre.headers().firstValue("Access-Control-Allow-Credentials").isPresent(), "keys, not cookies");

            HttpResponse<String> get = getFrom(live, "/v1/models", GOOD);
            assertEquals(200, get.statusCode());
            assertEquals(GOOD, get.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
            assertTrue(get.headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("X-Request-Id"));
            // The key is still needed for the real request.
            HttpResponse<String> noKey = live.client.send(live.request("/v1/models", null).header("Origin", GOOD).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, noKey.statusCode());

            for (String other : List.of(EVIL, "https://app.example.com.evil.net", "http://app.example.com", "null")) {
                HttpResponse<String> p = preflight(live, "/v1/chat/completions", other);
                assertTrue(p.statusCode() >= 400, other + ": " + p.statusCode());
                assertNoCors(p.headers(), "a preflight from " + other);
                assertNoCors(getFrom(live, "/v1/models", other).headers(), "an answer to " + other);
            }
        }
    }

    @Test
    void webUiPagesCarryTheSecurityHeaders() throws Exception {
        {
            for (String path : List.of("/", "/console", "/ui/app.css", "/ui/playground.js")) {
                HttpResponse<String> r = live.get(path, null);
                assertEquals(200, r.statusCode(), path);
                String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
                for (String directive : List.of("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'",
                        "base-uri 'none'", "form-action 'none'")) {
                    assertTrue(csp.contains(directive), path + " CSP lacks " + directive + ": " + csp);
                }
                assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), csp);
                assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), path);
                assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(null), path);
                assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(null), path);
                assertNoCors(r.headers(), path);
            }
            assertEquals(404, live.get("/ui/..%2F..%2Fapplication.yaml", null).statusCode(), "only the listed files");
            assertEquals(404, live.get("/ui/web%2Fapp.css", null).statusCode(), "only the listed files");
        }
    }
}
