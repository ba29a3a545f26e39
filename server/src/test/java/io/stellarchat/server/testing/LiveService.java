package io.stellarchat.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.DataConfig;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
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
 * The whole service as {@code stellar serve} builds it — models, the SQLite chat database in a directory
 * (with {@code markInterrupted()} at start, as serve does), {@link StellarService} on port 0 — plus a real
 * HTTP client. One per test class: loading the model and migrating the database cost a second.
 */
public final class LiveService implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** The trained tiny story model every end-to-end test uses. */
    public static final Path STORIES = Path.of(System.getProperty("stellar.shared", "../shared"))
            .resolve("models/stories260K.gguf").toAbsolutePath();

    public final ChatDatabase database;
    public final StellarService service;
    public final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    public final int port;

    /**
     * @param dataDir where the SQLite file goes
     * @param models  the models to serve (for example stories260K under two ids with different contexts)
     */
    public LiveService(Path dataDir, List<ModelEntry> models) {
        this(dataDir, models, List.of());
    }

    /**
     * @param apiKeys static keys ({@code server.api_keys}); empty: keys are optional
     */
    public LiveService(Path dataDir, List<ModelEntry> models, List<String> apiKeys) {
        this(dataDir, models, apiKeys, List.of(), c -> c);
    }

    /**
     * @param providers remote providers the models may name
     * @param adjust    changes to the configuration (telemetry, tracing, logging) before the service is built
     */
    public LiveService(Path dataDir, List<ModelEntry> models, List<String> apiKeys,
                       List<io.stellarchat.server.config.ProviderConfig> providers,
                       java.util.function.UnaryOperator<StellarConfig> adjust) {
        StellarConfig d = StellarConfig.defaults();
        var s = d.server();
        var server = new io.stellarchat.server.config.ServerConfig(s.host(), 0, s.maxBodyBytes(), s.drainTimeout(),
                apiKeys.stream().map(io.stellarchat.server.config.Secret::new).toList(), s.wsMaxFrameBytes());
        StellarConfig config = new StellarConfig(server, d.logging(),
                new ModelsConfig(dataDir.resolve("no-models-here"), models),
                new EngineConfig(1, 0, d.engine().queueDepth(), d.engine().maxWait(), d.engine().keepAlive()),
                new DataConfig(dataDir), d.database(), d.metrics());
        config = adjust.apply(config.withProviders(providers));
        ModelRegistry registry;
        try {
            registry = ModelRegistry.load(config.models(), config.engine());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChatDatabase db;
        try {
            db = ChatDatabase.open(config.database(), config.data().dir(), Clock.systemUTC());
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
        db.history().markInterrupted();
        this.database = db;
        this.service = new StellarService(config, registry, db, List.of());
        this.port = service.start();
    }

    /** stories260K under {@code id}, with the given context (0: the model's own). */
    public static ModelEntry stories(String id, int contextLength) {
        return new ModelEntry(id, STORIES, List.of(), contextLength);
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** A request to {@code path} with a bearer token (null: none) and a generous timeout. */
    public HttpRequest.Builder request(String path, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return b;
    }

    public HttpResponse<String> get(String path, String bearer) throws IOException, InterruptedException {
        return client.send(request(path, bearer).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> delete(String path, String bearer) throws IOException, InterruptedException {
        return client.send(request(path, bearer).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String bearer, Object body) throws IOException, InterruptedException {
        return client.send(withJson(request(path, bearer), "POST", body).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> patch(String path, String bearer, Object body) throws IOException, InterruptedException {
        return client.send(withJson(request(path, bearer), "PATCH", body).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends a POST and returns as soon as the response headers arrived; the body is read as it comes. */
    public HttpResponse<InputStream> postStreaming(String path, String bearer, Object body)
            throws IOException, InterruptedException {
        return client.send(withJson(request(path, bearer), "POST", body).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static HttpRequest.Builder withJson(HttpRequest.Builder b, String method, Object body) throws IOException {
        String text = body instanceof String s ? s : JSON.writeValueAsString(body);
        return b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(text));
    }

    public static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    @Override
    public void close() {
        service.close(); // closes the registry and the database too
        client.shutdownNow();
    }
}
