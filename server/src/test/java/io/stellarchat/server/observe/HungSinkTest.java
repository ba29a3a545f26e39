package io.stellarchat.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.Secret;
import io.stellarchat.server.config.TelemetryConfig;
import io.stellarchat.server.testing.LiveService;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Elasticsearch that accepts connections and never answers: requests to a StellarChat sending telemetry
 * there take as long as to one with no sink at all (measured side by side, alternating), the overflow is
 * counted as dropped, and shutdown still ends within the drain timeout.
 */
class HungSinkTest {

    @Test
    void aHungSinkDoesNotSlowRequestsAndDropsAreCounted(@TempDir Path dir) throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofPlatform().daemon().name("black-hole").start(() -> {
                while (!blackHole.isClosed()) {
                    try {
                        held.add(blackHole.accept()); // read nothing, answer nothing
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            String url = "http://127.0.0.1:" + blackHole.getLocalPort();
            TelemetryConfig hung = new TelemetryConfig(List.of(TelemetryConfig.Sink.ELASTICSEARCH), null, 1 << 20,
                    Duration.ofDays(1), url, "stellar-events", new Secret(""), "", 5, 1, 1, Duration.ofMillis(1), false,
                    Duration.ofDays(1));
            TelemetryConfig none = new TelemetryConfig(List.of(), null, 1 << 20, Duration.ofDays(1), "", "stellar-events",
                    new Secret(""), "", 5, 1, 1, Duration.ofMillis(1), false, Duration.ofDays(1));
            LiveService withHung = new LiveService(Files.createDirectories(dir.resolve("a")),
                    List.of(LiveService.stories("stories", 0)), List.of(), List.of(),
                    c -> c.withObserve(hung, c.tracing()));
            LiveService without = new LiveService(Files.createDirectories(dir.resolve("b")),
                    List.of(LiveService.stories("stories", 0)), List.of(), List.of(),
                    c -> c.withObserve(none, c.tracing()));
            List<Long> a = new ArrayList<>();
            List<Long> b = new ArrayList<>();
            try {
                Map<String, Object> body = Map.of("model", "stories", "max_tokens", 2, "temperature", 0,
                        "messages", List.of(Map.of("role", "user", "content", "Hi")));
                for (int i = 0; i < 5; i++) { // warm both
                    withHung.post("/v1/chat/completions", null, body);
                    without.post("/v1/chat/completions", null, body);
                }
                for (int i = 0; i < 30; i++) {
                    a.add(time(withHung, body));
                    b.add(time(without, body));
                }
                double dropped = withHung.service.registry().get("stellar.telemetry.dropped").tag("sink", "elasticsearch")
                        .counter().count();
                assertTrue(dropped >= 20, "the hung sink's overflow is dropped and counted: " + dropped);
            } finally {
                without.close();
                long t0 = System.nanoTime();
                withHung.close();
                long closeMs = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(closeMs < 30_000, "shutdown with a hung sink took " + closeMs + " ms");
                blackHole.close();
                for (Socket s : held) s.close();
                acceptor.join(5_000);
            }
            long medianHung = median(a);
            long medianNone = median(b);
            System.out.printf("HungSinkTest: median chat latency, hung Elasticsearch sink %d µs, no sink %d µs%n",
                    medianHung / 1_000, medianNone / 1_000);
            assertTrue(medianHung <= medianNone * 3 / 2 + 20_000_000L,
                    "median latency with a hung sink " + medianHung / 1_000 + " µs vs none " + medianNone / 1_000 + " µs");
        }
    }

    private static long time(LiveService s, Map<String, Object> body) throws Exception {
        long t0 = System.nanoTime();
        assertEquals(200, s.post("/v1/chat/completions", null, body).statusCode());
        return System.nanoTime() - t0;
    }

    private static long median(List<Long> xs) {
        List<Long> sorted = new ArrayList<>(xs);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
