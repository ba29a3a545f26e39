package io.stellarchat.server.gateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.DataConfig;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.testing.CapturingAppender;
import io.stellarchat.server.testing.LiveService;
import io.stellarchat.server.testing.TestHttp;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models loaded on demand and unloaded when idle, through the whole server: with {@code models.max_loaded: 1}
 * and two files, concurrent first requests for the unloaded one load it once and all succeed while the other is
 * unloaded (least recently used, idle); {@code models.keep_alive} unloads an idle model and the next request
 * loads it again; a file copied into the models directory at run time is served without a restart; the admin
 * API shows and changes residency.
 */
class ModelResidencyTest {
    @TempDir
    Path dir;

    private StellarService start(Path models, Duration keepAlive, int maxLoaded) throws Exception {
        return start(models, keepAlive, maxLoaded, "https://huggingface.co");
    }

    private StellarService start(Path models, Duration keepAlive, int maxLoaded, String hub) throws Exception {
        StellarConfig d = StellarConfig.defaults();
        StellarConfig config = new StellarConfig(d.server().withPort(0), d.logging(),
                new ModelsConfig(models, List.of(), keepAlive, maxLoaded, hub, new io.stellarchat.server.config.Secret("")),
                new EngineConfig(1, 0, 64, Duration.ofSeconds(30), Duration.ofSeconds(5)), new DataConfig(dir), d.database(),
                d.metrics());
        ModelRegistry registry = ModelRegistry.load(config.models(), config.engine());
        ChatDatabase db = ChatDatabase.open(config.database(), dir, Clock.systemUTC());
        StellarService s = new StellarService(config, registry, db, List.of());
        s.start();
        return s;
    }

    private static HttpResponse<String> chat(StellarService s, String model) {
        return TestHttp.send(URI.create("http://127.0.0.1:" + s.port() + "/v1/chat/completions"), "POST", null,
                "{\"model\":\"" + model + "\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode states(StellarService s) {
        return TestHttp.json(TestHttp.send(URI.create("http://127.0.0.1:" + s.port() + "/v1/admin/models"), "GET", null, null,
                HttpResponse.BodyHandlers.ofString()).body()).get("data");
    }

    private static String state(StellarService s, String id) {
        for (JsonNode m : states(s)) if (m.get("id").asText().equals(id)) return m.path("state").asText();
        return "absent";
    }

    @Test
    void concurrentFirstRequestsLoadOnceAndTheLeastRecentlyUsedIdleModelMakesRoom() throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.copy(LiveService.STORIES, models.resolve("alpha.gguf"));
        Files.copy(LiveService.STORIES, models.resolve("beta.gguf"));
        try (CapturingAppender logs = new CapturingAppender(ModelRegistry.class.getName());
             StellarService s = start(models, Duration.ZERO, 1)) {
            assertEquals("loaded", state(s, "alpha"));
            assertEquals("unloaded", state(s, "beta"));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<HttpResponse<String>>> rs = new ArrayList<>();
            for (int i = 0; i < 4; i++) rs.add(pool.submit(() -> chat(s, "beta")));
            for (Future<HttpResponse<String>> f : rs) assertEquals(200, f.get().statusCode(), f.get().body());
            pool.shutdown();
            long loads = logs.events().stream().filter(e -> e.getFormattedMessage().startsWith("loading model beta")).count();
            assertEquals(1, loads, "one load however many requests waited");
            assertEquals("loaded", state(s, "beta"));
            assertEquals("unloaded", state(s, "alpha"), "max_loaded 1: the idle one made room");
            assertEquals(200, chat(s, "alpha").statusCode(), "and it loads again on demand");
            assertEquals("unloaded", state(s, "beta"));
        }
    }

    @Test
    void anIdleModelIsUnloadedAfterKeepAliveAndAFileAddedAtRunTimeIsServed() throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.copy(LiveService.STORIES, models.resolve("alpha.gguf"));
        try (StellarService s = start(models, Duration.ofSeconds(1), 0)) {
            assertEquals(200, chat(s, "alpha").statusCode());
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!state(s, "alpha").equals("unloaded") && System.nanoTime() < deadline) Thread.sleep(100);
            assertEquals("unloaded", state(s, "alpha"), "idle past keep_alive");
            assertEquals(200, chat(s, "alpha").statusCode(), "a request after the unload waits for the load and succeeds");

            Files.copy(LiveService.STORIES, models.resolve("gamma.gguf")); // as a pull would
            deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (state(s, "gamma").equals("absent") && System.nanoTime() < deadline) Thread.sleep(200);
            assertEquals(200, chat(s, "gamma").statusCode(), "served without a restart");

            URI unload = URI.create("http://127.0.0.1:" + s.port() + "/v1/admin/models/gamma/unload");
            assertEquals(200, TestHttp.send(unload, "POST", null, null, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals("unloaded", state(s, "gamma"));
            URI load = URI.create("http://127.0.0.1:" + s.port() + "/v1/admin/models/gamma/load");
            assertEquals(200, TestHttp.send(load, "POST", null, null, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals("loaded", state(s, "gamma"));
        }
    }

    @Test
    void aModelPulledThroughTheApiIsServedAtOnce() throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        try (var hub = io.stellarchat.server.models.FakeHubAccess.start(Files.readAllBytes(LiveService.STORIES));
             StellarService s = start(models, Duration.ZERO, 0, hub.endpoint())) {
            HttpResponse<String> r = TestHttp.send(URI.create("http://127.0.0.1:" + s.port() + "/api/pull"), "POST", null,
                    "{\"model\":\"acme/tiny-GGUF\"}", HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            List<String> lines = r.body().lines().toList();
            assertEquals("pulling manifest", TestHttp.json(lines.getFirst()).get("status").asText());
            long size = Files.size(LiveService.STORIES);
            assertTrue(lines.stream().anyMatch(l -> l.contains("\"completed\":" + size)), r.body());
            JsonNode last = TestHttp.json(lines.getLast());
            assertEquals("success", last.get("status").asText(), r.body());
            assertEquals("tiny-Q4_K_M", last.get("model").asText());
            assertEquals(200, chat(s, "tiny-Q4_K_M").statusCode(), "served at once, loaded on its first request");

            HttpResponse<String> gated = TestHttp.send(URI.create("http://127.0.0.1:" + s.port() + "/v1/admin/pull"), "POST", null,
                    "{\"model\":\"acme/gated-GGUF\",\"stream\":false}", HttpResponse.BodyHandlers.ofString());
            assertEquals(502, gated.statusCode(), gated.body());
            assertTrue(gated.body().contains("gated"), gated.body());
        }
    }
}
