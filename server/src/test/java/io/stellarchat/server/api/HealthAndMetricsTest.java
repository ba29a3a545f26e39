package io.stellarchat.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.observe.ReadinessCheck;
import io.stellarchat.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /health, /ready with named checks, and /metrics labelled by route template. */
class HealthAndMetricsTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer(TestServer.smallConfig(),
                routes -> routes.get("/test/things/{id}", ctx -> ctx.result(ctx.pathParam("id"))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void readyWithNoChecksThenNotReadyWithReasonsThenReadyAgain() throws Exception {
        HttpResponse<String> r = server.get("/ready");
        assertEquals(200, r.statusCode());
        assertEquals("ready", TestServer.json(r).get("status").asText());

        AtomicBoolean loaded = new AtomicBoolean(false);
        server.readiness.register(ReadinessCheck.of("models", () -> loaded.get()
                ? ReadinessCheck.Result.ok("1 model loaded")
                : ReadinessCheck.Result.notReady("no model loaded yet")));
        server.readiness.register(ReadinessCheck.of("storage", () -> ReadinessCheck.Result.ok("writable")));

        r = server.get("/ready");
        assertEquals(503, r.statusCode());
        JsonNode body = TestServer.json(r);
        assertEquals("not_ready", body.get("status").asText());
        assertEquals("models", body.get("checks").get(0).get("name").asText());
        assertFalse(body.get("checks").get(0).get("ready").asBoolean());
        assertEquals("no model loaded yet", body.get("checks").get(0).get("detail").asText());
        assertTrue(body.get("checks").get(1).get("ready").asBoolean());

        loaded.set(true);
        assertEquals(200, server.get("/ready").statusCode());
        assertEquals(200, server.get("/health").statusCode());
    }

    @Test
    void metricsCountRequestsByRouteTemplateNotRawPath() throws Exception {
        assertEquals("42", server.get("/test/things/42").body());
        assertEquals("43", server.get("/test/things/43").body());
        assertEquals(404, server.get("/nowhere/1").statusCode());
        String expected = "stellar_http_requests_total{method=\"GET\",route=\"/test/things/{id}\",status=\"200\"} 2.0";
        String metrics = "";
        for (int i = 0; i < 100 && !metrics.contains(expected); i++) { // recorded as each response completes
            HttpResponse<String> r = server.get("/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            metrics = r.body();
            if (!metrics.contains(expected)) Thread.sleep(20);
        }
        assertTrue(metrics.contains(expected), metrics);
        assertFalse(metrics.contains("/test/things/42"), "raw paths must not become labels");
        assertTrue(metrics.contains("stellar_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"));
        assertTrue(metrics.contains("stellar_http_request_duration_seconds_bucket{method=\"GET\",route=\"/test/things/{id}\""));
        assertTrue(metrics.contains("stellar_http_request_duration_seconds_count{method=\"GET\",route=\"/test/things/{id}\",status=\"200\"} 2"));
    }
}
