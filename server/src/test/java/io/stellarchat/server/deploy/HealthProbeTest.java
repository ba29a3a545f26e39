package io.stellarchat.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container health check command, run as the image runs it ({@code java -cp <classes> ...HealthProbe}) in a
 * separate JVM against a minimal HTTP server on a loopback socket: exit 0 on 200, 1 on any other status, on a refused connection, and
 * on a server that does not answer within its timeout; the port comes from {@code STELLAR_SERVER_PORT}.
 */
class HealthProbeTest {
    @TempDir
    Path dir;

    @Test
    void exitCodeFollowsTheHealthAnswerAndThePortComesFromTheEnvironment() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        // A minimal HTTP/1.1 server on a socket: /health answers the current status, /slow never answers.
        ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread acceptor = Thread.ofVirtual().name("health-probe-test-server").start(() -> {
            while (!server.isClosed()) {
                try {
                    java.net.Socket s = server.accept();
                    Thread.ofVirtual().start(() -> answer(s, status.get()));
                } catch (java.io.IOException e) {
                    return; // closed
                }
            }
        });
        int port = server.getLocalPort();
        try {
            assertEquals(0, probe(Map.of("STELLAR_SERVER_PORT", Integer.toString(port))).exit());
            status.set(503);
            Commands.Result down = probe(Map.of("STELLAR_SERVER_PORT", Integer.toString(port)));
            assertEquals(1, down.exit());
            assertTrue(down.output().contains("answered 503"), down.output());
            long start = System.nanoTime();
            Commands.Result slow = probe(Map.of(), "http://127.0.0.1:" + port + "/slow");
            assertEquals(1, slow.exit(), slow.output());
            assertTrue(System.nanoTime() - start < 9_000_000_000L, "gave up within its timeout, not the server's 10 s");
        } finally {
            server.close();
            acceptor.join(5000);
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Commands.Result refused = probe(Map.of("STELLAR_SERVER_PORT", Integer.toString(closed)));
        assertEquals(1, refused.exit());
        assertTrue(refused.output().contains("failed"), refused.output());
    }

    private static void answer(java.net.Socket socket, int status) {
        try (socket) {
            socket.setSoTimeout(15_000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
            String requestLine = in.readLine();
            for (String l = in.readLine(); l != null && !l.isEmpty(); l = in.readLine()) { /* headers */ }
            if (requestLine != null && requestLine.startsWith("GET /slow ")) {
                Thread.sleep(10_000);
                return;
            }
            String body = "{\"status\":\"ok\"}";
            socket.getOutputStream().write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (java.io.IOException | InterruptedException e) {
            // the probe went away; nothing to do
        }
    }

    private Commands.Result probe(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Commands.javaHome().resolve("bin/java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx16m", "-cp", Path.of("target/classes").toAbsolutePath().toString(),
                "io.stellarchat.server.cli.HealthProbe"));
        cmd.addAll(List.of(args));
        return Commands.run(dir, 60, env, cmd);
    }
}
