package io.stellarchat.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy from Debian's {@code haproxy} package in front of StellarChat replicas on loopback, configured the way
 * {@code deploy/} recommends for production: round robin, {@code /ready} health checks every 300 ms (two
 * failures take a replica out), and retries on the other replica of requests that never reached one
 * (connection refused or reset before any answer) or that a draining replica refused with 503. It names the replica that answered in {@code X-Served-By}, so a
 * test can see where each request went. Missing binary: the test fails with the install command.
 */
public final class LocalHaproxy implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/haproxy");

    private final Process process;
    private final int port;
    private final Path log;

    private LocalHaproxy(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts HAProxy listening on a free loopback port.
     *
     * @param dir     where the configuration and log go
     * @param servers replica name → port, in balancing order
     */
    public static LocalHaproxy start(Path dir, Map<String, Integer> servers) {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: apt-get install haproxy");
        }
        try {
            int port = freePort();
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, config(port, servers));
            Path log = dir.resolve("haproxy.log");
            Process p = new ProcessBuilder(BINARY.toString(), "-db", "-f", cfg.toString()).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            LocalHaproxy h = new LocalHaproxy(p, port, log);
            h.awaitListening();
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start haproxy", e);
        }
    }

    static String config(int port, Map<String, Integer> servers) {
        StringBuilder b = new StringBuilder("""
                global
                    maxconn 2000
                defaults
                    mode http
                    timeout connect 2s
                    timeout client 120s
                    timeout server 120s
                    timeout tunnel 1h
                    # A request that never reached a replica (refused, reset, closed before any byte of an
                    # answer), or that a draining replica refused with 503 on a kept-alive connection, is
                    # retried on the other replica; an answer already started is never replayed. (No
                    # "option http-server-close": HAProxy 2.6 then sends streamed answers close-delimited, and a
                    # client could not tell a replica's crash from the end of the stream.)
                    retries 3
                    option redispatch 1
                    retry-on conn-failure empty-response 503
                    option http-buffer-request
                frontend stellar
                """);
        b.append("    bind 127.0.0.1:").append(port).append('\n');
        b.append("""
                    default_backend replicas
                backend replicas
                    balance roundrobin
                    option httpchk GET /ready
                    http-check expect status 200
                    http-response set-header X-Served-By %s
                """);
        for (Map.Entry<String, Integer> s : servers.entrySet()) {
            b.append("    server ").append(s.getKey()).append(" 127.0.0.1:").append(s.getValue())
                    .append(" check inter 300ms fall 2 rise 2\n");
        }
        return b.toString();
    }

    public int port() {
        return port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    private void awaitListening() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new AssertionError("haproxy exited:\n" + log());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", ie);
                }
            }
        }
        throw new AssertionError("haproxy did not listen within 20 s:\n" + log());
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Replica name → port in order, for {@link #start}. */
    public static Map<String, Integer> servers(List<String> names, List<Integer> ports) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) m.put(names.get(i), ports.get(i));
        return m;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
