package io.stellarchat.server.gateway;

import static io.stellarchat.server.gateway.FrontServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.engine.runtime.EngineStats;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelEntry.Upstream;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.testing.RawHttp;
import io.stellarchat.server.testing.SseEvents;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * StellarChat in front of a second StellarChat serving {@code stories260K}: a real OpenAI-compatible upstream
 * with a real engine behind it. The front's model {@code story} has the peer as its only upstream.
 */
class GatewayPeerTest {
    private static FrontServer peer;
    private static FrontServer front;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        peer = FrontServer.start(Files.createDirectories(dir.resolve("peer")), List.of(), List.of(), true);
        ProviderConfig p = ProviderConfig.of("peer", ProviderConfig.ProviderType.OPENAI,
                URI.create(peer.base() + "/v1")).withHealthInterval(Duration.ZERO);
        front = FrontServer.start(Files.createDirectories(dir.resolve("front")), List.of(p),
                List.of(ModelEntry.remote("story", List.of(new Upstream("peer", FrontServer.LOCAL, 1)))), false);
    }

    @AfterAll
    static void stop() {
        if (front != null) front.close();
        if (peer != null) peer.close();
    }

    private static EngineStats peerStats() {
        return peer.service.models().find(FrontServer.LOCAL).orElseThrow().engine().stats();
    }

    @Test
    void chatThroughThePeerIsTheSameGreedyAnswerAsAskingThePeerDirectly() {
        String body = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],"
                + "\"max_tokens\":12,\"temperature\":0}";
        HttpResponse<String> direct = peer.post("/v1/chat/completions", body.formatted(FrontServer.LOCAL));
        HttpResponse<String> via = front.post("/v1/chat/completions", body.formatted("story"));
        assertEquals(200, via.statusCode(), via.body());
        assertEquals(json(direct).at("/choices/0/message/content").asText(), json(via).at("/choices/0/message/content").asText());
        assertEquals("story", json(via).get("model").asText());
        assertEquals("peer/" + FrontServer.LOCAL, via.headers().firstValue("X-Stellar-Upstream").orElseThrow());
        assertEquals(json(direct).at("/usage/prompt_tokens").asInt(), json(via).at("/usage/prompt_tokens").asInt());
        assertEquals(12, json(via).at("/usage/completion_tokens").asInt());
        assertEquals("length", json(via).at("/choices/0/finish_reason").asText());
    }

    @Test
    void streamedChatArrivesChunkByChunkWithDone() throws Exception {
        String body = "{\"model\":\"story\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":10,"
                + "\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        int content = 0;
        JsonNode usage = null;
        String last = null;
        try (SseEvents sse = new SseEvents(front.postStream("/v1/chat/completions", body).body())) {
            for (String e = sse.next(); e != null; e = sse.next()) {
                last = e;
                if (e.equals(SseEvents.DONE)) break;
                JsonNode c = FrontServer.JSON.readTree(e);
                if (c.has("usage") && !c.get("usage").isNull()) usage = c.get("usage");
                if (!c.at("/choices/0/delta/content").asText("").isEmpty()) content++;
            }
        }
        assertEquals(SseEvents.DONE, last);
        assertTrue(content >= 5, "several content chunks, got " + content);
        assertNotNull(usage);
        assertEquals(10, usage.get("completion_tokens").asInt());
    }

    @Test
    void completionsAndEmbeddingsGoThroughThePeer() {
        HttpResponse<String> c = front.post("/v1/completions",
                "{\"model\":\"story\",\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0}");
        assertEquals(200, c.statusCode(), c.body());
        assertEquals("text_completion", json(c).get("object").asText());
        assertEquals(5, json(c).at("/usage/completion_tokens").asInt());
        HttpResponse<String> e = front.post("/v1/embeddings", "{\"model\":\"story\",\"input\":[\"a cat\",\"a dog\"]}");
        assertEquals(200, e.statusCode(), e.body());
        HttpResponse<String> direct = peer.post("/v1/embeddings",
                "{\"model\":\"" + FrontServer.LOCAL + "\",\"input\":[\"a cat\",\"a dog\"]}");
        assertEquals(json(direct).at("/data/1/embedding"), json(e).at("/data/1/embedding"));
        assertEquals("story", json(e).get("model").asText());
    }

    @Test
    void aClientThatLeavesCancelsTheRequestOnThePeersEngine() throws Exception {
        EngineStats before = peerStats();
        String body = "{\"model\":\"story\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":400,"
                + "\"ignore_eos\":true,\"stream\":true}";
        try (RawHttp r = RawHttp.post(front.service.port(), "/v1/chat/completions", body)) {
            assertEquals("HTTP/1.1 200 OK", r.statusLine);
            for (int events = 0; events < 10; ) {
                byte[] chunk = r.chunk();
                assertNotNull(chunk, "the stream ended early");
                events += new String(chunk, java.nio.charset.StandardCharsets.UTF_8).split("data: ", -1).length - 1;
            }
            assertEquals(1, peerStats().running(), "the peer is generating while the client reads");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (peerStats().running() != 0 && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(0, peerStats().running(), "the peer's engine freed the sequence");
        assertEquals(before.completed() + 1, peerStats().completed());
    }

    @Test
    void modelsListsTheRemoteModelOwnedByItsProvider() {
        JsonNode list = json(front.get("/v1/models"));
        assertEquals("story", list.at("/data/0/id").asText());
        assertEquals("peer", list.at("/data/0/owned_by").asText());
    }
}
