package io.stellarchat.server.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.DataConfig;
import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import io.stellarchat.server.testing.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * A real StellarChat on port 0 with a chat database (the admin API's catalog) in front of remote providers, no
 * local models; with a real HTTP client. Several may share one database (replicas).
 */
final class AdminServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The embedded SQLite file in the data directory. */
    static final DatabaseConfig SQLITE = new DatabaseConfig("", "", new Secret(""), 4);

    final StellarService service;

    private AdminServer(StellarService service) {
        this.service = service;
    }

    /**
     * @param dataDir   the data directory (the SQLite file when {@code database} is embedded)
     * @param database  the database to open (the service closes it)
     * @param providers remote providers
     * @param file      the configuration file's model entries
     */
    static AdminServer start(Path dataDir, DatabaseConfig database, List<ProviderConfig> providers,
                             List<ModelEntry> file) {
        StellarConfig d = StellarConfig.defaults();
        ModelsConfig models = new ModelsConfig(dataDir.resolve("no-models-here"), file);
        EngineConfig engine = new EngineConfig(1, 0, 16, Duration.ofSeconds(30), Duration.ofSeconds(5));
        StellarConfig config = new StellarConfig(d.server().withPort(0), d.logging(), models, engine,
                new DataConfig(dataDir), database, d.metrics(), providers);
        ChatDatabase db = ChatDatabase.open(database, dataDir, Clock.systemUTC());
        StellarService service = new StellarService(config, ModelRegistry.empty(), db, List.of());
        try {
            service.start();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return new AdminServer(service);
    }

    /** An OpenAI provider at {@code base} with short timeouts and no health checks. */
    static ProviderConfig provider(String id, URI base) {
        return ProviderConfig.of(id, ProviderConfig.ProviderType.OPENAI, base)
                .withTimeouts(new ProviderConfig.Timeouts(Duration.ofMillis(500), Duration.ofMillis(700),
                        Duration.ofMillis(700), Duration.ofSeconds(20)))
                .withHealthInterval(Duration.ZERO);
    }

    HttpResponse<String> get(String path) {
        return send(path, "GET", null);
    }

    HttpResponse<String> post(String path, String body) {
        return send(path, "POST", body);
    }

    HttpResponse<String> patch(String path, String body) {
        return send(path, "PATCH", body);
    }

    HttpResponse<String> delete(String path) {
        return send(path, "DELETE", null);
    }

    /** A short chat completion of {@code model}. */
    HttpResponse<String> chat(String model) {
        return post("/v1/chat/completions", "{\"model\":\"" + model
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":8}");
    }

    private HttpResponse<String> send(String path, String method, String body) {
        return TestHttp.send(URI.create("http://127.0.0.1:" + service.port() + path), method, null, body,
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        service.close(); // and the database
    }
}
