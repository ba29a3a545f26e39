package io.stellarchat.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.testing.TestServer;
import java.io.IOException;
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
        // and the port no longer accepts
        assertThrows(ConnectException.class, () -> {
            try {
                s.get("/health");
            } catch (IOException e) {
                throw e instanceof ConnectException ? e : (e.getCause() instanceof ConnectException c ? c : e);
            }
        });
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
