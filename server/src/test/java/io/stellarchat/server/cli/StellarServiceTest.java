package io.stellarchat.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.MetricsConfig;
import io.stellarchat.server.config.StellarConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The composition root wires health, readiness and metrics from the configuration. */
class StellarServiceTest {
    static HttpResponse<String> get(int port, String path) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void defaultServiceServesHealthReadyAndJvmMetrics() throws Exception {
        StellarConfig config = StellarConfig.defaults();
        try (StellarService service = new StellarService(config.withServer(config.server().withPort(0)), List.of())) {
            int port = service.start();
            assertEquals(200, get(port, "/health").statusCode());
            assertEquals(200, get(port, "/ready").statusCode());
            String metrics = get(port, "/metrics").body();
            assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM metrics");
            assertTrue(metrics.contains("process_uptime_seconds"), "process metrics");
            assertTrue(metrics.contains("# TYPE stellar_http_request_duration_seconds histogram"), metrics);
        }
    }

    @Test
    void metricsEndpointIsAbsentWhenDisabled() throws Exception {
        StellarConfig d = StellarConfig.defaults();
        StellarConfig config = new StellarConfig(d.server().withPort(0), d.logging(), d.models(), d.engine(), d.data(), d.database(),
                new MetricsConfig(false));
        try (StellarService service = new StellarService(config, List.of())) {
            int port = service.start();
            HttpResponse<String> r = get(port, "/metrics");
            assertEquals(404, r.statusCode());
            assertTrue(r.body().startsWith("{\"error\":{"), r.body());
        }
    }
}
