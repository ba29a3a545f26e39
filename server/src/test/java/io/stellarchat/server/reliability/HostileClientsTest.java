package io.stellarchat.server.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.ServerConfig;
import io.stellarchat.server.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile clients (issue 19) against the real service, on raw sockets where a real HTTP client cannot misbehave
 * enough: a reader of one byte per second, slowloris on headers and on bodies, and a thousand clients leaving
 * mid-stream at once.
 */
class HostileClientsTest {
    private static final ServerConfig.ConnectionTimeouts SHORT =
            new ServerConfig.ConnectionTimeouts(Duration.ofMillis(1500), Duration.ofMillis(400), Duration.ofMillis(800));

    @TempDir
    Path dir;

    /** A raw connection to the server, and the moment the server closed it as seen by a reader thread. */
    private static final class Conn implements AutoCloseable {
        final Socket socket = new Socket();
        final OutputStream out;
        final long opened;
        final CompletableFuture<String> closed = new CompletableFuture<>();

        Conn(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            out = socket.getOutputStream();
            opened = System.nanoTime();
            InputStream in = socket.getInputStream();
            Thread.ofVirtual().name("raw-reader").start(() -> {
                StringBuilder got = new StringBuilder();
                try {
                    for (int b = in.read(); b >= 0; b = in.read()) got.append((char) b);
                } catch (IOException e) {
                    // reset by the server: closed all the same
                }
                closed.complete(got.toString());
            });
        }

        /** Sends {@code text} one byte every {@code gap} until it is all out or the server closes; false when closed. */
        boolean trickle(String text, Duration gap) throws InterruptedException {
            for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
                if (closed.isDone()) return false;
                try {
                    out.write(b);
                    out.flush();
                } catch (IOException e) {
                    return false;
                }
                Thread.sleep(gap);
            }
            return !closed.isDone();
        }

        long openMillis() {
            return (System.nanoTime() - opened) / 1_000_000;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void headersTrickledPastTheHeaderTimeoutAreDroppedWhileOtherRequestsAreServed() throws Exception {
        try (ReliabilityServer server = new ReliabilityServer(dir, 4, 8, Duration.ofSeconds(5), SHORT);
             Conn slow = new Conn(server.port)) {
            // One byte every 100 ms keeps the connection busy (the idle timeout, 1.5 s, never fires) but the
            // headers never end: the header timeout (0.4 s) must close it.
            String headers = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "X-Padding: 0123456789\r\n".repeat(10);
            boolean survived = slow.trickle(headers, Duration.ofMillis(100));
            assertTrue(!survived, "the server kept a trickling connection open for " + slow.openMillis() + " ms");
            String answer = slow.closed.get(5, TimeUnit.SECONDS);
            long millis = slow.openMillis();
            assertTrue(millis < 1400, "closed by the header timeout, not the idle timeout: " + millis + " ms");
            assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 4"), answer);
            try (RawHttp ok = RawHttp.post(server.port, "/v1/completions", """
                    {"model":"stories260K","prompt":"Hi","max_tokens":4}""")) {
                assertEquals("HTTP/1.1 200 OK", ok.statusLine);
            }
        }
    }

    @Test
    void aWebSocketThatOnlyPingsOutlivesTheHeaderTimeout() throws Exception {
        try (io.stellarchat.server.testing.LiveService server = new io.stellarchat.server.testing.LiveService(dir,
                List.of(io.stellarchat.server.testing.LiveService.stories("stories260K", 0)), List.of(), List.of(),
                c -> c.withServer(c.server().withConnections(SHORT)));
             java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            java.util.concurrent.LinkedBlockingQueue<String> seen = new java.util.concurrent.LinkedBlockingQueue<>();
            java.net.http.WebSocket ws = http.newWebSocketBuilder().buildAsync(
                    java.net.URI.create("ws://127.0.0.1:" + server.port + "/v1/ws"), new java.net.http.WebSocket.Listener() {
                        @Override
                        public java.util.concurrent.CompletionStage<?> onPong(java.net.http.WebSocket w, java.nio.ByteBuffer m) {
                            seen.add("pong");
                            w.request(1);
                            return null;
                        }

                        @Override
                        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket w, int code, String why) {
                            seen.add("close " + code);
                            return null;
                        }

                        @Override
                        public void onError(java.net.http.WebSocket w, Throwable error) {
                            seen.add("error " + error);
                        }
                    }).get(5, TimeUnit.SECONDS);
            // A ping is bytes in with no message: on an HTTP connection that would look like headers in progress.
            for (int i = 0; i < 3; i++) {
                ws.sendPing(java.nio.ByteBuffer.wrap(new byte[] {1})).get(5, TimeUnit.SECONDS);
                assertEquals("pong", seen.poll(5, TimeUnit.SECONDS));
                Thread.sleep(700); // past the header timeout (0.4 s) and a sweep, within the idle timeout (1.5 s)
            }
            ws.sendPing(java.nio.ByteBuffer.wrap(new byte[] {2})).get(5, TimeUnit.SECONDS);
            assertEquals("pong", seen.poll(5, TimeUnit.SECONDS), "the socket is still open");
            ws.abort();
        }
    }

    @Test
    void aSilentConnectionIsClosedByTheIdleTimeout() throws Exception {
        try (ReliabilityServer server = new ReliabilityServer(dir, 4, 8, Duration.ofSeconds(5), SHORT);
             Conn silent = new Conn(server.port)) {
            silent.closed.get(5, TimeUnit.SECONDS);
            long millis = silent.openMillis();
            assertTrue(millis >= 1300 && millis < 3500, "closed after " + millis + " ms (idle timeout 1.5 s)");
        }
    }

    @Test
    void aBodyTrickledPastTheBodyTimeoutIsDropped() throws Exception {
        try (ReliabilityServer server = new ReliabilityServer(dir, 4, 8, Duration.ofSeconds(5), SHORT);
             Conn slow = new Conn(server.port)) {
            String body = "{\"model\":\"stories260K\",\"prompt\":\"" + "x".repeat(4000) + "\",\"max_tokens\":1}";
            slow.out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            slow.out.flush();
            // 10 bytes/s: each byte well within the idle timeout (1.5 s), the body never done in 0.8 s.
            boolean survived = slow.trickle(body.substring(0, 40), Duration.ofMillis(100));
            assertTrue(!survived, "the server kept reading a body at 10 bytes/s for " + slow.openMillis() + " ms");
            String answer = slow.closed.get(5, TimeUnit.SECONDS);
            assertTrue(slow.openMillis() < 1450, "dropped after " + slow.openMillis() + " ms, not by the body timeout");
            assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 408"), answer);
        }
    }

    @Test
    void aBodyThatStopsArrivingIsAnswered408ByTheIdleTimeout() throws Exception {
        try (ReliabilityServer server = new ReliabilityServer(dir, 4, 8, Duration.ofSeconds(5),
                new ServerConfig.ConnectionTimeouts(Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(10)));
             Conn stalled = new Conn(server.port)) {
            stalled.out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"model\":").getBytes(StandardCharsets.US_ASCII));
            stalled.out.flush();
            String answer = stalled.closed.get(5, TimeUnit.SECONDS);
            assertTrue(answer.startsWith("HTTP/1.1 408"), "a JSON 408, no stack trace: " + answer);
            assertTrue(answer.contains("request_timeout"), answer);
        }
    }

    @Test
    void aClientReadingOneBytePerSecondHoldsNeitherTheEngineNorOtherStreams() throws Exception {
        try (ReliabilityServer server = new ReliabilityServer(dir, 4, 8, Duration.ofSeconds(5),
                ServerConfig.ConnectionTimeouts.DEFAULTS)) {
            String normal = ReliabilityServer.LONG_STREAM.formatted(150);
            try (RawHttp warm = RawHttp.post(server.port, "/v1/completions", normal)) {
                warm.chunkedBody();
            }
            long alone = timeStream(server.port, normal);
            // The slow reader: a 1 KiB receive buffer, and one byte read per second from then on.
            try (RawHttp slow = RawHttp.post(server.port, "/v1/completions", ReliabilityServer.LONG_STREAM.formatted(400), 1024)) {
                assertEquals("HTTP/1.1 200 OK", slow.statusLine);
                AtomicInteger read = new AtomicInteger();
                Thread reader = Thread.ofVirtual().name("one-byte-per-second").start(() -> {
                    try {
                        InputStream in = slow.socket().getInputStream();
                        while (in.read() >= 0) {
                            read.incrementAndGet();
                            Thread.sleep(1000);
                        }
                    } catch (IOException | InterruptedException e) {
                        // closed at the end of the test
                    }
                });
                long beside = timeStream(server.port, normal);
                // The engine let go of the slow client's sequence (generated into its channel and the socket's
                // buffers, or cancelled when 1024 events behind) long before the client could read it.
                assertTrue(ReliabilityServer.await(server::engineIdle, Duration.ofSeconds(10)),
                        "the engine waits for a slow reader: " + server.stats());
                assertTrue(read.get() < 15, "the client read " + read.get() + " bytes");
                // Beside it the engine also generates the slow reader's tokens, and the machine may be shared: the
                // bound only catches a stream held up by the slow one (which would take as long as the reader).
                assertTrue(beside < 4 * alone + 2_000_000_000L, "a stream took " + beside / 1_000_000 + " ms beside a slow reader, "
                        + alone / 1_000_000 + " ms alone");
                reader.interrupt();
            }
        }
    }

    private static long timeStream(int port, String body) throws IOException {
        long t0 = System.nanoTime();
        try (RawHttp r = RawHttp.post(port, "/v1/completions", body)) {
            assertEquals("HTTP/1.1 200 OK", r.statusLine);
            assertTrue(r.chunkedBody().endsWith("data: [DONE]\n\n"));
        }
        return System.nanoTime() - t0;
    }

    @Test
    void aThousandClientsLeavingMidStreamAtOnceFreeEverySequenceBlockAndThread() throws Exception {
        try (ReliabilityServer server = new ReliabilityServer(dir, 16, 1024, Duration.ofSeconds(60),
                ServerConfig.ConnectionTimeouts.DEFAULTS)) {
            try (RawHttp warm = RawHttp.post(server.port, "/v1/completions", ReliabilityServer.LONG_STREAM.formatted(4))) {
                warm.chunkedBody();
            }
            int threadsBefore = ReliabilityServer.platformThreads();
            List<RawHttp> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    clients.add(RawHttp.send(server.port, "/v1/completions", ReliabilityServer.LONG_STREAM.formatted(480)));
                }
                // Every request reached the engine: all slots generating (streams mid-way), the rest queued.
                assertTrue(ReliabilityServer.await(() -> {
                    var s = server.stats();
                    return s.running() == 16 && s.waiting() + s.running() + s.completed() >= 1001;
                }, Duration.ofSeconds(30)), "not all in: " + server.stats());
                assertNotNull(clients.getFirst());
            } finally {
                for (RawHttp c : clients) c.close(); // all at once, mid-stream or still queued
            }
            long t0 = System.nanoTime();
            assertTrue(ReliabilityServer.await(server::engineIdle, Duration.ofSeconds(30)),
                    "sequences or blocks left behind: " + server.stats());
            System.out.printf("1000 clients gone at once: engine idle, all KV blocks back, after %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertTrue(ReliabilityServer.await(() -> ReliabilityServer.platformThreads() <= threadsBefore + 4,
                    Duration.ofSeconds(10)), "platform threads " + threadsBefore + " -> " + ReliabilityServer.platformThreads());
            try (RawHttp after = RawHttp.post(server.port, "/v1/completions", """
                    {"model":"stories260K","prompt":"Hi","max_tokens":4,"stream":true}""")) {
                assertEquals("HTTP/1.1 200 OK", after.statusLine);
            }
        }
    }
}
