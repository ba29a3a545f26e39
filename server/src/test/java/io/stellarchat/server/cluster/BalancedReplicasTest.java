package io.stellarchat.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.LiveService;
import io.stellarchat.server.testing.LocalHaproxy;
import io.stellarchat.server.testing.LocalPostgres;
import io.stellarchat.server.testing.LocalRedis;
import io.stellarchat.server.testing.ServeProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue "Deployment and horizontal scale": two real {@code stellar serve} processes sharing one PostgreSQL and
 * one Redis, behind HAProxy (Debian's package), all on loopback — the cluster {@code deploy/compose} describes.
 * What a client of the balancer sees: requests alternate replicas; a session, a key, a rate limit and an
 * admin-made model are the same whichever replica answers; a replica stopped with SIGTERM under streaming
 * load drains without one failed request; a replica killed with SIGKILL mid-stream gives its clients an error
 * (never a truncated success) and the other replica's lease sweep marks the cut turn {@code interrupted}.
 *
 * <p>The tests run in order on one cluster (start-up costs two JVMs); the rolling restart brings replica a
 * back before the kill test. About 40 s on a loaded 2-core machine.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BalancedReplicasTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ADMIN = "sk-cluster-admin-7d2e";
    static final Duration LEASE = Duration.ofSeconds(2);
    static final Duration READY = Duration.ofSeconds(90);

    @TempDir
    static Path work;

    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    LocalRedis redis;
    FakeUpstream upstream;
    Path config;
    int portA;
    int portB;
    ServeProcess a;
    ServeProcess b;
    LocalHaproxy lb;

    @BeforeAll
    void startCluster() throws Exception {
        String database = LocalPostgres.shared().newDatabase();
        redis = LocalRedis.start();
        upstream = FakeUpstream.start();
        config = work.resolve("stellar.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  drain_timeout: 20s
                  api_keys: ["%s"]
                models:
                  dir: %s
                  list:
                    - id: stories
                      path: %s
                providers:
                  - id: p
                    type: openai
                    base_url: %s
                engine:
                  threads: 1
                data:
                  dir: %s
                database:
                  url: "%s"
                  user: %s
                  password: %s
                  lease: %dms
                  lease_renew: 500ms
                redis:
                  url: "%s"
                  timeout: 2s
                telemetry:
                  sinks: []
                """.formatted(ADMIN, work.resolve("no-models"), LiveService.STORIES, upstream.baseUrl(),
                work.resolve("data"), database, LocalPostgres.USER, LocalPostgres.PASSWORD, LEASE.toMillis(),
                redis.url()));
        portA = freePort();
        portB = freePort();
        a = ServeProcess.start("a", work, config, portA, List.of());
        b = ServeProcess.start("b", work, config, portB, List.of());
        a.awaitReady(client, READY);
        b.awaitReady(client, READY);
        lb = LocalHaproxy.start(work, LocalHaproxy.servers(List.of("a", "b"), List.of(portA, portB)));
        awaitBalancerSees(2);
    }

    @AfterAll
    void stopCluster() {
        for (AutoCloseable c : new AutoCloseable[] {lb, a, b, upstream, redis}) {
            try {
                if (c != null) c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        client.shutdownNow();
    }

    @Test
    @Order(1)
    void requestsThroughTheBalancerAlternateReplicas() throws Exception {
        List<String> servedBy = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = viaBalancer("GET", "/v1/models", ADMIN, null);
            assertEquals(200, r.statusCode(), r.body());
            servedBy.add(r.headers().firstValue("X-Served-By").orElseThrow());
        }
        for (int i = 1; i < servedBy.size(); i++) {
            assertNotEquals(servedBy.get(i - 1), servedBy.get(i), "round robin alternates: " + servedBy);
        }
        assertEquals(3, Collections.frequency(servedBy, "a"), servedBy.toString());
    }

    @Test
    @Order(2)
    void aSessionStartedThroughOneReplicaContinuesThroughTheOtherWithItsHistory() throws Exception {
        HttpResponse<String> created = viaBalancer("POST", "/v1/sessions", ADMIN, "{\"model\":\"stories\"}");
        assertEquals(201, created.statusCode(), created.body());
        String id = json(created).get("id").asText();
        List<String> servedBy = new ArrayList<>();
        for (String text : List.of("Once upon a time", "Then the cat")) {
            HttpResponse<String> turn = viaBalancer("POST", "/v1/sessions/" + id + "/messages", ADMIN,
                    "{\"content\":\"" + text + "\",\"max_tokens\":8}");
            assertEquals(200, turn.statusCode(), turn.body());
            servedBy.add(turn.headers().firstValue("X-Served-By").orElseThrow());
        }
        assertNotEquals(servedBy.get(0), servedBy.get(1), "the two turns went to different replicas: " + servedBy);
        // Each replica reads the whole history from the shared database.
        for (ServeProcess replica : List.of(a, b)) {
            JsonNode history = json(direct(replica, "GET", "/v1/sessions/" + id + "/messages", ADMIN, null)).get("data");
            assertEquals(4, history.size(), replica.name() + ": " + history);
            assertEquals("Once upon a time", history.get(0).get("content").asText());
            assertEquals("Then the cat", history.get(2).get("content").asText());
            for (JsonNode m : history) assertEquals("complete", m.get("status").asText(), m.toString());
        }
    }

    @Test
    @Order(3)
    void aKeyCreatedOnOneReplicaWorksOnTheOtherAndItsRateLimitHoldsExactlyAcrossBoth() throws Exception {
        HttpResponse<String> made = direct(a, "POST", "/v1/admin/keys", ADMIN,
                "{\"name\":\"cluster\",\"owner\":\"team-x\",\"limits\":{\"requests_per_minute\":6}}");
        assertEquals(201, made.statusCode(), made.body());
        String key = json(made).get("key").asText();
        String chat = "{\"model\":\"stories\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        HttpResponse<String> onB = direct(b, "POST", "/v1/chat/completions", key, chat);
        assertEquals(200, onB.statusCode(), "the key made on a works on b: " + onB.body());

        // 1 request used above; 5 more are admitted, wherever they land, then every one is refused.
        int admitted = 1;
        int refused = 0;
        List<String> servedBy = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = viaBalancer("POST", "/v1/chat/completions", key, chat);
            servedBy.add(r.headers().firstValue("X-Served-By").orElse("?"));
            if (r.statusCode() == 200) {
                admitted++;
            } else {
                assertEquals(429, r.statusCode(), r.body());
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), "a 429 says when to retry");
                refused++;
            }
        }
        assertEquals(6, admitted, "requests_per_minute 6 holds across both replicas; served by " + servedBy);
        assertEquals(5, refused);
        assertTrue(servedBy.contains("a") && servedBy.contains("b"), servedBy.toString());
    }

    @Test
    @Order(4)
    void aModelAddedThroughTheAdminApiOnOneReplicaIsServedByTheOtherWithinFiveSeconds() throws Exception {
        String chat = "{\"model\":\"added\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertEquals(404, direct(b, "POST", "/v1/chat/completions", ADMIN, chat).statusCode());
        HttpResponse<String> created = direct(a, "POST", "/v1/admin/models", ADMIN,
                "{\"id\":\"added\",\"upstreams\":[{\"provider\":\"p\",\"model\":\"" + FakeUpstream.MODEL + "\"}]}");
        assertEquals(201, created.statusCode(), created.body());
        long t0 = System.nanoTime();
        HttpResponse<String> last;
        do {
            last = direct(b, "POST", "/v1/chat/completions", ADMIN, chat);
            if (last.statusCode() == 200) break;
            Thread.sleep(100);
        } while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        assertEquals(200, last.statusCode(), "b serves the model a added within 5 s: " + last.body());
        assertEquals("p/" + FakeUpstream.MODEL, last.headers().firstValue("X-Stellar-Upstream").orElseThrow());
    }

    /**
     * Rolling restart: four clients stream chat completions through the balancer without pause; replica a gets
     * SIGTERM in the middle. Every request — those a was streaming when it was told to stop, and those that
     * arrived while it drained — completes with {@code [DONE]}; a exits 0 after draining; then it is started
     * again and the balancer takes it back.
     */
    @Test
    @Order(5)
    void sigtermUnderStreamingLoadDrainsWithZeroFailedRequests() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Map<String, Integer> completedBy = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger inFlightOnA = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(4, Thread.ofPlatform().name("lb-client-", 0).factory());
        List<Future<?>> loops = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            loops.add(clients.submit(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<InputStream> r = client.send(balancerRequest("POST", "/v1/chat/completions", ADMIN,
                                "{\"model\":\"stories\",\"stream\":true,\"max_tokens\":48,\"messages\":[{\"role\":\"user\","
                                        + "\"content\":\"Once upon a time\"}]}").build(), HttpResponse.BodyHandlers.ofInputStream());
                        String server = r.headers().firstValue("X-Served-By").orElse("?");
                        if (r.statusCode() != 200) {
                            failures.add(server + " " + r.statusCode() + " " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
                            continue;
                        }
                        boolean onA = server.equals("a");
                        if (onA) inFlightOnA.incrementAndGet();
                        boolean done;
                        try {
                            done = readsToDone(r.body());
                        } finally {
                            if (onA) inFlightOnA.decrementAndGet();
                        }
                        if (done) {
                            completedBy.merge(server, 1, Integer::sum);
                        } else {
                            failures.add(server + ": stream ended without [DONE]");
                        }
                    } catch (IOException e) {
                        failures.add("I/O: " + e);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (completedBy.getOrDefault("a", 0) < 3 && System.nanoTime() < until) Thread.sleep(50);
            assertTrue(completedBy.getOrDefault("a", 0) >= 3, "a served streams before it was stopped: " + completedBy);
            while (inFlightOnA.get() == 0 && System.nanoTime() < until) Thread.onSpinWait();
            int streamingOnA = inFlightOnA.get();
            assertTrue(streamingOnA > 0, "a is streaming when it is told to stop");
            a.terminate();
            int exit = a.awaitExit(Duration.ofSeconds(30));
            // The JVM exits 143 (128 + SIGTERM) after its shutdown hook ran, as every JVM service does.
            assertEquals(143, exit, "a drains and exits:\n" + a.tail());
            assertTrue(a.log().contains("shutdown complete"), a.tail());
            int bAtExit = completedBy.getOrDefault("b", 0);
            Thread.sleep(1_500); // new requests keep coming while a is gone
            running.set(false);
            for (Future<?> f : loops) f.get(60, TimeUnit.SECONDS);
            assertEquals(List.of(), failures, "no request failed (" + streamingOnA + " were streaming on a at SIGTERM); "
                    + "completed by " + completedBy);
            assertTrue(completedBy.getOrDefault("b", 0) > bAtExit, "b took the new requests: " + completedBy);
            assertTrue(a.log().contains("draining in-flight requests"), "a drained:\n" + a.tail());
        } finally {
            running.set(false);
            clients.shutdownNow();
            assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS), "the load clients stop");
        }
        a = ServeProcess.start("a", work, config, portA, List.of());
        a.awaitReady(client, READY);
        awaitBalancerSees(2);
    }

    /**
     * SIGKILL mid-stream: a streamed session turn on replica a, another on replica b. a is killed after a few
     * chunks. a's client gets an error — the balancer cuts its response, never ends it as if complete; within
     * the lease time b's heartbeat marks a's turn {@code interrupted}; b's own turn completes untouched.
     */
    @Test
    @Order(6)
    void sigkillMidStreamGivesItsClientsAnErrorAndTheOtherReplicaMarksTheTurnInterrupted() throws Exception {
        String onA = newSession(a);
        String onB = newSession(b);
        String body = "{\"content\":\"Once upon a time\",\"stream\":true,\"max_tokens\":1000,\"logit_bias\":{\"2\":-100}}";
        HttpResponse<InputStream> streamA = null;
        for (int attempt = 0; attempt < 4 && streamA == null; attempt++) {
            HttpResponse<InputStream> r = client.send(balancerRequest("POST", "/v1/sessions/" + onA + "/messages", ADMIN, body)
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            if (r.headers().firstValue("X-Served-By").orElse("").equals("a")) {
                streamA = r;
            } else {
                readsToDone(r.body()); // it went to b: let it finish and send the next one (round robin: to a)
            }
        }
        assertTrue(streamA != null, "a turn of session " + onA + " went to a");
        HttpResponse<InputStream> streamB = client.send(HttpRequest.newBuilder(b.uri("/v1/sessions/" + onB + "/messages"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, streamB.statusCode());

        BufferedReader readerA = new BufferedReader(new InputStreamReader(streamA.body(), StandardCharsets.UTF_8));
        int chunks = 0;
        String line;
        while (chunks < 3 && (line = readerA.readLine()) != null) {
            if (line.startsWith("data: {")) chunks++;
        }
        assertEquals(3, chunks, "a streamed before the kill");
        a.kill();
        long killedAt = System.nanoTime();

        // a's client: an error, not a clean end of a stream that never said [DONE].
        boolean sawDone = false;
        IOException error = null;
        try {
            while ((line = readerA.readLine()) != null) {
                if (line.equals("data: [DONE]")) sawDone = true;
            }
        } catch (IOException e) {
            error = e;
        }
        assertTrue(!sawDone, "a killed replica's stream never ends with [DONE]");
        assertTrue(error != null, "the client of the killed replica gets an I/O error, not a silent end of the body");

        // b's turn is untouched: it completes.
        assertTrue(readsToDone(streamB.body()), "b's stream completes");

        // b's lease sweep marks a's turn interrupted within the lease (plus one renewal and some slack).
        JsonNode reply = null;
        long deadline = killedAt + LEASE.plusSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode history = json(direct(b, "GET", "/v1/sessions/" + onA + "/messages", ADMIN, null)).get("data");
            reply = history.get(history.size() - 1);
            if (reply.get("status").asText().equals("interrupted")) break;
            Thread.sleep(200);
        }
        assertEquals("interrupted", reply.get("status").asText(), "a's cut turn, seen from b: " + reply);
        long afterKillMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertTrue(afterKillMs <= LEASE.plusSeconds(5).toMillis(), afterKillMs + " ms");
        JsonNode historyB = json(direct(b, "GET", "/v1/sessions/" + onB + "/messages", ADMIN, null)).get("data");
        assertEquals(2, historyB.size(), historyB.toString());
        assertEquals("complete", historyB.get(1).get("status").asText(), "b's own turn is complete: " + historyB);
        assertTrue(b.isAlive());
    }

    private String newSession(ServeProcess replica) throws Exception {
        HttpResponse<String> r = direct(replica, "POST", "/v1/sessions", ADMIN, "{\"model\":\"stories\"}");
        assertEquals(201, r.statusCode(), r.body());
        return json(r).get("id").asText();
    }

    /** Reads an SSE body to its end; true when it ended with {@code data: [DONE]}. */
    private static boolean readsToDone(InputStream body) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            String last = null;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) last = line;
            }
            return "data: [DONE]".equals(last);
        }
    }

    /** Waits until the balancer's health checks see {@code n} replicas up (requests reach n distinct ones). */
    private void awaitBalancerSees(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (System.nanoTime() < deadline) {
            seen.clear();
            for (int i = 0; i < 2 * n; i++) {
                HttpResponse<String> r = viaBalancer("GET", "/health", null, null);
                if (r.statusCode() == 200) r.headers().firstValue("X-Served-By").ifPresent(seen::add);
            }
            if (seen.size() == n) return;
            Thread.sleep(200);
        }
        fail("the balancer did not see " + n + " replicas up (saw " + seen + "):\n" + lb.log());
    }

    private HttpRequest.Builder balancerRequest(String method, String path, String key, String body) {
        return request(URI.create(lb.baseUrl() + path), method, key, body);
    }

    private HttpResponse<String> viaBalancer(String method, String path, String key, String body) throws Exception {
        return client.send(balancerRequest(method, path, key, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> direct(ServeProcess replica, String method, String path, String key, String body)
            throws Exception {
        return client.send(request(replica.uri(path), method, key, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(URI uri, String method, String key, String body) {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        if (key != null) r.header("Authorization", "Bearer " + key);
        if (body == null) return r.method(method, HttpRequest.BodyPublishers.noBody());
        return r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
