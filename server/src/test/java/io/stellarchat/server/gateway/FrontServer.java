package io.stellarchat.server.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.testing.TestHttp;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real StellarChat on port 0 in front of the given providers, optionally also serving
 * {@code shared/models/stories260K.gguf} locally as {@code stories260K}; with a real HTTP client.
 */
final class FrontServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LOCAL = "stories260K";

    final StellarService service;

    private FrontServer(StellarService service) {
        this.service = service;
    }

    static Path storiesModel() {
        Path model = Path.of(System.getProperty("stellar.shared", "../shared"), "models", "stories260K.gguf");
        assertTrue(Files.isRegularFile(model), "missing test model " + model.toAbsolutePath());
        return model;
    }

    /**
     * @param dir       an empty directory (models dir)
     * @param providers remote providers
     * @param remote    remote model entries
     * @param local     whether to serve the local stories model too (with these fallbacks, none when null)
     */
    static FrontServer start(Path dir, List<ProviderConfig> providers, List<ModelEntry> remote, boolean local) {
        List<ModelEntry> entries = new ArrayList<>();
        if (local) entries.add(new ModelEntry(LOCAL, storiesModel(), List.of("stories"), 0));
        entries.addAll(remote);
        StellarConfig d = StellarConfig.defaults();
        ModelsConfig models = new ModelsConfig(dir, entries);
        EngineConfig engine = new EngineConfig(2, 0, 16, Duration.ofSeconds(30), Duration.ofSeconds(5));
        StellarConfig config = new StellarConfig(d.server().withPort(0), d.logging(), models, engine, d.data(),
                d.database(), d.metrics(), providers);
        try {
            StellarService service = new StellarService(config, ModelRegistry.load(models, engine), List.of());
            service.start();
            return new FrontServer(service);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An OpenAI provider at {@code base} with short timeouts, no health checks, fast-opening breaker. */
    static ProviderConfig provider(String id, URI base) {
        return ProviderConfig.of(id, ProviderConfig.ProviderType.OPENAI, base)
                .withTimeouts(new ProviderConfig.Timeouts(Duration.ofMillis(500), Duration.ofMillis(700),
                        Duration.ofMillis(700), Duration.ofSeconds(20)))
                .withHealthInterval(Duration.ZERO);
    }

    static ModelEntry.RetrySettings fastRetries(int max) {
        return new ModelEntry.RetrySettings(max, Duration.ofMillis(5), Duration.ofMillis(50));
    }

    String base() {
        return "http://127.0.0.1:" + service.port();
    }

    HttpResponse<String> post(String path, String body) {
        return send(path, body, HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<InputStream> postStream(String path, String body) {
        return send(path, body, HttpResponse.BodyHandlers.ofInputStream());
    }

    HttpResponse<String> get(String path) {
        return send(path, null, HttpResponse.BodyHandlers.ofString());
    }

    /** A GET ({@code body} null) or a JSON POST. */
    private <T> HttpResponse<T> send(String path, String body, HttpResponse.BodyHandler<T> handler) {
        return TestHttp.send(URI.create(base() + path), body == null ? "GET" : "POST", null, body, handler);
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":8"
                + (stream ? ",\"stream\":true" : "") + "}";
    }

    @Override
    public void close() {
        service.close();
    }
}
