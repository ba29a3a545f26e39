package io.stellarchat.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stellarchat.server.api.HealthRoutes;
import io.stellarchat.server.api.HttpServer;
import io.stellarchat.server.api.MetricsRoutes;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.config.ServerConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.observe.HttpMetrics;
import io.stellarchat.server.observe.Readiness;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real {@link HttpServer} on port 0 with health, metrics and the given test routes, plus a real client. */
public final class TestServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    public final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    public final Readiness readiness = new Readiness();
    public final HttpServer server;
    public final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    public final int port;

    public TestServer(ServerConfig config, RouteGroup... extra) {
        List<RouteGroup> groups = new ArrayList<>(List.of(new HealthRoutes(readiness), new MetricsRoutes(registry)));
        groups.addAll(List.of(extra));
        server = new HttpServer(config, JSON, new HttpMetrics(registry), groups);
        port = server.start();
    }

    /** Defaults, port 0, and a small body limit so 413 is cheap to provoke. */
    public static ServerConfig smallConfig() {
        return StellarConfig.defaults().server().withPort(0).withMaxBodyBytes(1024);
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
    }

    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path));
    }

    public static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    @Override
    public void close() {
        server.close();
        client.shutdownNow();
        registry.close();
    }
}
