package io.stellarchat.server.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.config.ServerConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload (issue 19): 4× and 16× the engine's capacity (running slots + queue depth) in concurrent streamed
 * requests through a real HTTP client. Every request must end within its deadline with a whole answer, or with
 * 429/503, {@code Retry-After} and an error body, never a 200 that breaks off; the JVM's platform threads and
 * heap stay bounded; the engine ends idle with every KV block back. The full-size run with figures is
 * {@code ./stellar bench overload}.
 */
class OverloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RUNNING = 2;
    private static final int QUEUE = 2;
    private static final int CAPACITY = RUNNING + QUEUE;
    private static final Duration MAX_WAIT = Duration.ofMillis(500);
    /** What a client allows for one request: its deadline. */
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    private static ReliabilityServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        server = new ReliabilityServer(dir, RUNNING, QUEUE, MAX_WAIT, ServerConfig.ConnectionTimeouts.DEFAULTS);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        // Warm-up: a cold JVM on a busy machine may keep the first request past max_wait (0.5 s); try a few times.
        Outcome warm = stream(8);
        for (int i = 0; i < 10 && warm.status != 200; i++) warm = stream(8);
        assertEquals(200, warm.status, warm.detail);
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (server != null) server.close();
    }

    /** One request's end: its status, how long it took, its time to first token (200 only), what went wrong. */
    record Outcome(int status, long nanos, long ttftNanos, String retryAfter, String detail) {}

    private static Outcome stream(int maxTokens) {
        long t0 = System.nanoTime();
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + "/v1/completions"))
                    .header("Content-Type", "application/json").timeout(DEADLINE)
                    .POST(HttpRequest.BodyPublishers.ofString(ReliabilityServer.LONG_STREAM.formatted(maxTokens))).build();
            HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            String retryAfter = r.headers().firstValue("Retry-After").orElse(null);
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) {
                    JsonNode error = JSON.readTree(in).get("error");
                    return new Outcome(r.statusCode(), System.nanoTime() - t0, 0, retryAfter,
                            error == null ? "no error body" : error.path("code").asText());
                }
                long ttft = 0;
                String last = null;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.startsWith("data: ")) continue;
                    if (ttft == 0) ttft = System.nanoTime() - t0;
                    last = line;
                    if (line.contains("\"error\"")) return new Outcome(-1, System.nanoTime() - t0, ttft, null, line);
                }
                boolean whole = "data: [DONE]".equals(last);
                return new Outcome(whole ? 200 : -1, System.nanoTime() - t0, ttft, null, whole ? "" : "cut: " + last);
            }
        } catch (Exception e) {
            return new Outcome(-2, System.nanoTime() - t0, 0, null, e.toString());
        }
    }

    /** {@code factor × CAPACITY} streams started together; asserts every request's contract and returns them. */
    private static List<Outcome> overload(int factor) throws Exception {
        int n = factor * CAPACITY;
        int threadsBefore = ReliabilityServer.platformThreads();
        AtomicInteger peakThreads = new AtomicInteger(threadsBefore);
        List<Outcome> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) futures.add(pool.submit(() -> stream(120)));
            for (Future<Outcome> f : futures) {
                peakThreads.accumulateAndGet(ReliabilityServer.platformThreads(), Math::max);
                outcomes.add(f.get(DEADLINE.toSeconds() + 5, TimeUnit.SECONDS));
            }
        }
        Map<Integer, Integer> byStatus = new TreeMap<>();
        for (Outcome o : outcomes) {
            byStatus.merge(o.status, 1, Integer::sum);
            assertTrue(o.status == 200 || o.status == 429 || o.status == 503, "a request ended badly: " + o);
            assertTrue(o.nanos < DEADLINE.toNanos(), "past its deadline: " + o);
            if (o.status != 200) {
                assertTrue(o.retryAfter != null && Integer.parseInt(o.retryAfter) >= 1, "no Retry-After: " + o);
                assertTrue(o.detail.equals("queue_full") || o.detail.equals("queue_timeout"), o.toString());
            }
        }
        assertTrue(byStatus.getOrDefault(200, 0) >= RUNNING, "the engine served at least its slots: " + byStatus);
        assertTrue(byStatus.getOrDefault(429, 0) > 0, factor + "x capacity must overflow the queue: " + byStatus);
        assertTrue(peakThreads.get() - threadsBefore < 40,
                "platform threads grew from " + threadsBefore + " to " + peakThreads.get());
        assertTrue(ReliabilityServer.await(server::engineIdle, Duration.ofSeconds(5)), "engine not idle: " + server.stats());
        long[] ttft = outcomes.stream().filter(o -> o.status == 200).mapToLong(Outcome::ttftNanos).sorted().toArray();
        System.out.printf("overload %dx capacity (%d streams): %s, p99 TTFT of admitted %.1f ms, platform threads %d -> %d%n",
                factor, n, byStatus, ttft[(int) Math.ceil(0.99 * ttft.length) - 1] / 1e6, threadsBefore, peakThreads.get());
        return outcomes;
    }

    @Test
    void fourTimesCapacityEndsEveryRequestWithAnAnswerOrARetryAfterRefusal() throws Exception {
        overload(4);
    }

    @Test
    void sixteenTimesCapacityEndsEveryRequestWithAnAnswerOrARetryAfterRefusalAndHeapStaysBounded() throws Exception {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        overload(16);
        System.gc();
        MemoryUsage after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        assertTrue(after.getUsed() < heap.getMax() / 2 || after.getUsed() < heap.getUsed() + (64L << 20),
                "heap after the run: " + after);
        // The server still answers normally afterwards.
        Outcome o = stream(4);
        assertEquals(200, o.status, o.toString());
    }
}
