package io.stellarchat.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.LiveService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an admin key can make the server touch. Files: no admin route takes a model path (local models are declared
 * in the configuration file; pulls write into {@code models.dir} only, see {@code PullConfinementTest}), so
 * {@code ..}, absolute paths and a real symlink out of the models directory are all refused and nothing outside is
 * read. Hosts: no admin route takes a URL — a remote model names a provider declared in the configuration, whose
 * {@code base_url} only the file sets — so the admin API cannot point the gateway at another host (SSRF); a canary
 * port named every way the API could take it is never connected to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminInputsTest {
    static final String ADMIN = "admin-inputs-key-93be";
    LiveService live;
    FakeUpstream upstream;
    ServerSocket canary;
    final AtomicInteger canaryHits = new AtomicInteger();
    Path models;
    Path outside;

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        canary = new ServerSocket();
        canary.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofPlatform().daemon().name("ssrf-canary").start(() -> {
            while (!canary.isClosed()) {
                try (Socket s = canary.accept()) {
                    canaryHits.incrementAndGet();
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
        models = Files.createDirectories(dir.resolve("models"));
        outside = Files.copy(LiveService.STORIES, dir.resolve("outside.gguf"));
        Files.createSymbolicLink(models.resolve("escape.gguf"), outside);
        upstream = FakeUpstream.start();
        ProviderConfig up = ProviderConfig.of("up", ProviderConfig.ProviderType.OPENAI, upstream.baseUrl())
                .withHealthInterval(Duration.ZERO);
        live = new LiveService(dir.resolve("data"), List.of(LiveService.stories("stories", 0),
                ModelEntry.remote("remote", List.of(new ModelEntry.Upstream("up", FakeUpstream.MODEL, 1)))),
                List.of(ADMIN), List.of(up), c -> c.withServer(c.server().withDrainTimeout(Duration.ofSeconds(1))));
    }

    @AfterAll
    void stop() throws IOException {
        if (live != null) live.close();
        if (upstream != null) upstream.close();
        if (canary != null) canary.close();
    }

    private void assertRefused(HttpResponse<String> r, int status, String what) {
        assertEquals(status, r.statusCode(), what + ": " + r.body());
        assertTrue(r.body().contains("\"error\""), r.body());
    }

    @Test
    void noAdminRouteTakesAModelPath() throws Exception {
        for (String path : List.of("../../etc/passwd", "/etc/passwd", models.resolve("../outside.gguf").toString(),
                outside.toString(), models.resolve("escape.gguf").toString(), "escape.gguf", "file:///etc/passwd")) {
            String body = LiveService.JSON.createObjectNode().put("id", "sneaky").put("path", path).toString();
            HttpResponse<String> r = live.post("/v1/admin/models", ADMIN, body);
            assertRefused(r, 400, path);
            assertTrue(r.body().contains("local_model_not_supported"), r.body());
            HttpResponse<String> p = live.patch("/v1/admin/models/stories", ADMIN,
                    LiveService.JSON.createObjectNode().put("path", path).toString());
            assertRefused(p, 400, "patch " + path);
        }
        assertFalse(live.get("/v1/admin/models", ADMIN).body().contains("sneaky"));
        // Names that look like paths are names: nothing is looked up on disk for them.
        for (String name : List.of("..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "escape")) {
            assertRefused(live.post("/v1/admin/models/" + name + "/load", ADMIN, ""), 404, "load " + name);
        }
        for (String name : List.of("../../etc/passwd", "/etc/passwd", outside.toString())) {
            String show = LiveService.JSON.createObjectNode().put("model", name).toString();
            HttpResponse<String> r = live.post("/api/show", ADMIN, show);
            assertEquals(404, r.statusCode(), r.body());
            assertFalse(r.body().contains("root:"), r.body());
            String pull = LiveService.JSON.createObjectNode().put("model", name).put("stream", false).toString();
            assertRefused(live.post("/v1/admin/pull", ADMIN, pull), 400, "pull " + name);
        }
    }

    @Test
    void noAdminRouteCanPointTheGatewayAtAnotherHost() throws Exception {
        String url = "http://127.0.0.1:" + canary.getLocalPort() + "/v1";
        List<String> attempts = List.of(
                "{\"id\":\"s1\",\"upstreams\":[{\"provider\":\"" + url + "\",\"model\":\"m\"}]}",
                "{\"id\":\"s2\",\"base_url\":\"" + url + "\",\"upstreams\":[{\"provider\":\"up\",\"model\":\"m\"}]}",
                "{\"id\":\"s3\",\"upstreams\":[{\"provider\":\"up\",\"model\":\"m\",\"base_url\":\"" + url + "\"}]}",
                "{\"id\":\"s4\",\"upstreams\":[{\"provider\":\"up\",\"model\":\"m\",\"url\":\"" + url + "\"}]}",
                "{\"id\":\"s5\",\"provider\":{\"id\":\"evil\",\"type\":\"openai\",\"base_url\":\"" + url + "\"},"
                        + "\"upstreams\":[{\"provider\":\"evil\",\"model\":\"m\"}]}");
        for (String body : attempts) assertRefused(live.post("/v1/admin/models", ADMIN, body), 400, body);
        String provider = "{\"id\":\"evil\",\"type\":\"openai\",\"base_url\":\"" + url + "\"}";
        assertRefused(live.post("/v1/admin/providers", ADMIN, provider), 405, "no provider is made through the API");
        assertRefused(live.patch("/v1/admin/providers", ADMIN, provider), 405, "no provider is changed through the API");
        assertRefused(live.post("/v1/admin/pull", ADMIN, "{\"model\":\"127.0.0.1:" + canary.getLocalPort() + "/x\"}"), 400,
                "a pull names a repository, not a host");
        // An entry on the declared provider is fine, and is the only way a model reaches a host.
        HttpResponse<String> ok = live.post("/v1/admin/models", ADMIN,
                "{\"id\":\"fine\",\"upstreams\":[{\"provider\":\"up\",\"model\":\"" + FakeUpstream.MODEL + "\"}]}");
        assertEquals(201, ok.statusCode(), ok.body());
        assertRefused(live.patch("/v1/admin/models/fine", ADMIN, "{\"upstreams\":[{\"provider\":\"" + url
                + "\",\"model\":\"m\"}]}"), 400, "patch to a URL");
        HttpResponse<String> chat = live.post("/v1/chat/completions", ADMIN,
                "{\"model\":\"fine\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(200, chat.statusCode(), chat.body());
        assertTrue(upstream.requests().stream().anyMatch(r -> r.path().endsWith("/chat/completions")));
        Thread.sleep(300); // let a stray connection, if one were made, be accepted and counted
        assertEquals(0, canaryHits.get(), "the server connected to a host the configuration does not name");
    }
}
