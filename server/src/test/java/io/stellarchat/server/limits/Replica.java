package io.stellarchat.server.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.CacheConfig;
import io.stellarchat.server.config.DataConfig;
import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.LimitsConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.RedisConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import io.stellarchat.server.testing.LiveService;
import io.stellarchat.server.testing.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * One StellarChat replica for the keys, limits and caches tests: the whole service as {@code serve} builds it,
 * with stories260K as {@code stories}, a static admin key, the given database, Redis, limits and caches, and a
 * real HTTP client. Several replicas may share one database and one Redis.
 */
final class Replica implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The static key every replica of a test accepts (full scope). */
    static final String ADMIN = "test-admin-key-4f1c9a";

    final StellarService service;

    private Replica(StellarService service) {
        this.service = service;
    }

    /**
     * @param dataDir  the data directory (the SQLite file when {@code database} is embedded)
     * @param database the shared database
     * @param redisUrl the shared Redis, or empty for none
     * @param limits   default limits and the Redis fallback
     * @param cache    the caches
     */
    static Replica start(Path dataDir, DatabaseConfig database, String redisUrl, LimitsConfig limits, CacheConfig cache) {
        StellarConfig d = StellarConfig.defaults();
        ModelsConfig models = new ModelsConfig(dataDir.resolve("no-models-here"),
                List.of(new ModelEntry("stories", LiveService.STORIES, List.of(), 0),
                        new ModelEntry("stories-b", LiveService.STORIES, List.of(), 0)));
        EngineConfig engine = new EngineConfig(1, 0, 64, Duration.ofSeconds(30), Duration.ofSeconds(5));
        StellarConfig config = new StellarConfig(
                new io.stellarchat.server.config.ServerConfig("127.0.0.1", 0, d.server().maxBodyBytes(),
                        Duration.ofSeconds(2), List.of(new Secret(ADMIN))),
                d.logging(), models, engine, new DataConfig(dataDir), database, d.metrics(), List.of(),
                new RedisConfig(new Secret(redisUrl), Duration.ofMillis(300)), limits, cache);
        ModelRegistry registry;
        try {
            registry = ModelRegistry.load(config.models(), config.engine());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChatDatabase db = ChatDatabase.open(database, dataDir, Clock.systemUTC());
        StellarService service = new StellarService(config, registry, db, List.of());
        try {
            service.start();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return new Replica(service);
    }

    int port() {
        return service.port();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    HttpResponse<String> get(String path, String key) {
        return send(path, "GET", key, null);
    }

    HttpResponse<String> post(String path, String key, String body) {
        return send(path, "POST", key, body);
    }

    HttpResponse<String> patch(String path, String key, String body) {
        return send(path, "PATCH", key, body);
    }

    HttpResponse<String> delete(String path, String key) {
        return send(path, "DELETE", key, null);
    }

    /** A short chat completion of {@code model} ({@code maxTokens} tokens, temperature 0 unless told). */
    HttpResponse<String> chat(String key, String model, int maxTokens, String extra) {
        return post("/v1/chat/completions", key, "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Once upon a time\"}],\"max_tokens\":" + maxTokens + (extra.isEmpty() ? "" : "," + extra) + "}");
    }

    HttpResponse<String> send(String path, String method, String key, String body) {
        return TestHttp.send(uri(path), method, key, body, HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) {
        return TestHttp.json(r.body());
    }

    /** Makes a managed key through the admin API and returns {id, key}. */
    JsonNode createKey(String body) {
        HttpResponse<String> r = post("/v1/admin/keys", ADMIN, body);
        if (r.statusCode() != 201) throw new AssertionError("create key: " + r.statusCode() + " " + r.body());
        return json(r);
    }

    @Override
    public void close() {
        service.close();
    }
}
