package io.stellarchat.server.api.admin;

import static io.stellarchat.server.api.admin.AdminServer.json;
import static io.stellarchat.server.api.admin.AdminServer.provider;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import io.stellarchat.server.testing.LocalPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue "Deployment and horizontal scale", replica-safe state: two StellarChat replicas on one PostgreSQL database.
 * A session turn running on replica A makes the session busy on replica B (409 {@code session_busy} through B's
 * REST API, for a new turn and for rewinding the history); when A's turn ends, B takes the session's next turn.
 */
@ExtendWith(LocalPostgres.StopAtEndOfRun.class)
class ReplicatedSessionsTest {
    @TempDir
    Path dirA;
    @TempDir
    Path dirB;

    @Test
    void aTurnRunningOnReplicaAMakesTheSessionBusyOnReplicaB() throws Exception {
        DatabaseConfig pg = new DatabaseConfig(LocalPostgres.shared().newDatabase(), LocalPostgres.USER,
                new Secret(LocalPostgres.PASSWORD), 4, Duration.ofSeconds(3), Duration.ofMillis(500));
        List<ModelEntry> models = List.of(ModelEntry.remote("chat",
                List.of(new ModelEntry.Upstream("p", FakeUpstream.MODEL, 1))));
        try (FakeUpstream up = FakeUpstream.start();
             AdminServer a = AdminServer.start(dirA, pg, List.of(provider("p", up.baseUrl())), models);
             AdminServer b = AdminServer.start(dirB, pg, List.of(provider("p", up.baseUrl())), models)) {
            String instanceA = json(a.get("/ready")).toString();
            String instanceB = json(b.get("/ready")).toString();
            assertTrue(instanceA.contains("instance "), instanceA);
            assertNotEquals(instanceA, instanceB, "each replica reports its own instance id");

            HttpResponse<String> created = a.post("/v1/sessions", "{\"model\":\"chat\"}");
            assertEquals(201, created.statusCode(), created.body());
            String id = json(created).get("id").asText();

            // A's turn streams slowly from the upstream: about 2 s.
            up.enqueue(Reply.sse(FakeUpstream.openAiText("Once", " upon", " a", " time", " there", " was"))
                    .everyEvent(Duration.ofMillis(300)));
            CompletableFuture<HttpResponse<String>> onA = CompletableFuture.supplyAsync(
                    () -> a.post("/v1/sessions/" + id + "/messages", "{\"content\":\"Tell a story\"}"));
            String replyId = awaitGeneratingReply(b, id);

            HttpResponse<String> busy = b.post("/v1/sessions/" + id + "/messages", "{\"content\":\"And now?\"}");
            assertEquals(409, busy.statusCode(), busy.body());
            assertEquals("session_busy", json(busy).at("/error/code").asText(), busy.body());
            HttpResponse<String> rewind = b.delete("/v1/sessions/" + id + "/messages/" + replyId);
            assertEquals(409, rewind.statusCode(), rewind.body());
            assertEquals("session_busy", json(rewind).at("/error/code").asText(), rewind.body());

            HttpResponse<String> first = onA.get(20, TimeUnit.SECONDS);
            assertEquals(200, first.statusCode(), first.body());
            assertEquals("Once upon a time there was", json(first).at("/message/content").asText());

            HttpResponse<String> next = b.post("/v1/sessions/" + id + "/messages", "{\"content\":\"And now?\"}");
            assertEquals(200, next.statusCode(), "the session is free once A's turn ended: " + next.body());
            JsonNode history = json(b.get("/v1/sessions/" + id + "/messages")).get("data");
            assertEquals(4, history.size(), history.toString());
            for (JsonNode m : history) assertEquals("complete", m.get("status").asText(), history.toString());
        }
    }

    /** Waits (through replica B) until the session's reply row is generating; returns its id. */
    private static String awaitGeneratingReply(AdminServer b, String sessionId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode m : json(b.get("/v1/sessions/" + sessionId + "/messages")).get("data")) {
                if ("generating".equals(m.path("status").asText())) return m.get("id").asText();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no reply started generating on replica A");
    }
}
