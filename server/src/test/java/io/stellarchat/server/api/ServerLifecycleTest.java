package io.stellarchat.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.testing.TestServer;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Port 0, idempotent close, and graceful shutdown that lets in-flight requests finish. */
class ServerLifecycleTest {
    /** A route that signals when it has started, then takes {@code millis} to answer a 64 KiB body. */
    static RouteGroup slowRoute(CountDownLatch entered, long millis) {
        return routes -> routes.get("/test/slow", ctx -> {
            entered.countDown();
            Thread.sleep(millis);
            ctx.result("s".repeat(64 * 1024));
        });
    }

    @Test
    void startsOnPortZeroAndReportsTheBoundPort() throws Exception {
        try (TestServer s = new TestServer(TestServer.smallConfig())) {
            assertTrue(s.port > 0 && s.port <= 65_535);
            HttpResponse<String> r = s.get("/health");
            assertEquals(200, r.statusCode());
            assertEquals("{\"status\":\"ok\"}", r.body());
        }
    }

    @Test
    void listeningBeyondLoopbackWithoutApiKeysLogsAWarning() throws Exception {
        var base = TestServer.smallConfig();
        var open = new io.stellarchat.server.config.ServerConfig("0.0.0.0", 0, base.maxBodyBytes(),
                base.drainTimeout(), java.util.List.of());
        try (var log = new io.stellarchat.server.testing.CapturingAppender(HttpServer.class.getName());
             TestServer s = new TestServer(open)) {
            assertEquals(200, s.get("/health").statusCode());
            var warning = log.await(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN);
            assertTrue(warning.getFormattedMessage().contains("0.0.0.0")
                    && warning.getFormattedMessage().contains("server.api_keys"), warning.getFormattedMessage());
        }
        try (var log = new io.stellarchat.server.testing.CapturingAppender(HttpServer.class.getName());
             TestServer s = new TestServer(base)) {
            log.await(e -> e.getFormattedMessage().startsWith("listening on"));
            assertTrue(log.events().stream().noneMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN));
        }
    }

    @Test
    void closeIsIdempotentAndStartAfterCloseFails() {
        TestServer s = new TestServer(TestServer.smallConfig());
        s.close();
        s.server.close();
        assertThrows(IllegalStateException.class, s.server::start);
    }

    @Test
    void inFlightRequestFinishesDuringGracefulShutdown() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        TestServer s = new TestServer(TestServer.smallConfig().withDrainTimeout(Duration.ofSeconds(10)),
                slowRoute(entered, 1500));
        CompletableFuture<HttpResponse<String>> inFlight = s.client.sendAsync(s.request("/test/slow").build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(entered.await(5, TimeUnit.SECONDS), "slow handler started");
        long t0 = System.nanoTime();
        s.server.close(); // blocks while draining
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        HttpResponse<String> r = inFlight.get(5, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertEquals(64 * 1024, r.body().length());
        assertTrue(r.body().chars().allMatch(c -> c == 's'));
        assertTrue(tookMs >= 500, "close waited for the request: " + tookMs + " ms");
        // and the port no longer accepts connections
        long t1 = System.nanoTime();
        assertThrows(ConnectException.class, () -> {
            try (var socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", s.port), 2000);
            }
        });
        System.err.println("refused after " + (System.nanoTime() - t1) / 1_000_000 + " ms");
        s.close();
    }

    @Test
    void drainTimeoutBoundsShutdown() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        TestServer s = new TestServer(TestServer.smallConfig().withDrainTimeout(Duration.ofMillis(200)),
                slowRoute(entered, 20_000));
        s.client.sendAsync(s.request("/test/slow").build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        long t0 = System.nanoTime();
        s.close();
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(tookMs < 5_000, "close gave up after the drain timeout, took " + tookMs + " ms");
    }
}
