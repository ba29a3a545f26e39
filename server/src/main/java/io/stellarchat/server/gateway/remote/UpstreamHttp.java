package io.stellarchat.server.gateway.remote;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The pooled HTTP clients every remote provider sends through: one JDK {@link HttpClient} per
 * (HTTP version, connect timeout), shared by all providers with the same settings, so connections to an upstream
 * are pooled and reused across requests and providers.
 *
 * <p>Versions: {@code http://} upstreams are spoken to in HTTP/1.1 only (no {@code h2c} upgrade: vLLM, llama.cpp
 * and Ollama behind plain HTTP do not all take it, and an upgrade costs a round trip); {@code https://} upstreams
 * are offered HTTP/2 and fall back to HTTP/1.1 by ALPN.
 *
 * <p>Connections per host: the JDK keeps at most {@code jdk.httpclient.connectionPoolSize} idle HTTP/1.1
 * connections per destination (a JVM-wide system property, 0 = unbounded, the default) and opens a new one per
 * concurrent request beyond them; an HTTP/2 destination multiplexes requests over one connection. The number of
 * requests in flight per provider is bounded by the router's bulkhead, not here.
 *
 * <p>Threads and ownership: the holder owns its clients and their executor (virtual threads named
 * {@code upstream-http-<n>}, daemon by nature), which run the clients' asynchronous work; the JDK adds one
 * selector thread per client. It also owns the deadline scheduler (one daemon thread, {@code upstream-deadlines})
 * that aborts streams whose total deadline passed. {@link #close()} aborts every exchange still in flight and stops those threads; it is
 * idempotent. Safe to use from any thread.
 */
public final class UpstreamHttp implements AutoCloseable {
    private final ExecutorService executor =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("upstream-http-", 1).factory());
    private final ScheduledThreadPoolExecutor deadlines;
    private final Map<Key, HttpClient> clients = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private record Key(HttpClient.Version version, Duration connectTimeout) {}

    public UpstreamHttp() {
        deadlines = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "upstream-deadlines");
            t.setDaemon(true);
            return t;
        });
        deadlines.setRemoveOnCancelPolicy(true); // a stream that ends early takes its watchdog out of the queue
    }

    /** The client for an upstream at {@code baseUrl} with this connect timeout. */
    public HttpClient clientFor(URI baseUrl, Duration connectTimeout) {
        if (closed) throw new IllegalStateException("upstream HTTP clients are closed");
        HttpClient.Version version = "https".equalsIgnoreCase(baseUrl.getScheme())
                ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1;
        return clients.computeIfAbsent(new Key(version, connectTimeout), k -> HttpClient.newBuilder()
                .version(k.version())
                .connectTimeout(k.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build());
    }

    /** Aborts exchanges in flight, closes the connections and stops the threads. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        List<HttpClient> all = new ArrayList<>(clients.values());
        clients.clear();
        for (HttpClient c : all) {
            c.shutdownNow();
        }
        executor.shutdownNow();
        deadlines.shutdownNow();
    }

    /**
     * The scheduler of stream deadlines: watchdogs that abort an exchange at its total deadline. Its one thread only
     * cancels futures and closes streams, never blocks.
     */
    ScheduledExecutorService deadlines() {
        return deadlines;
    }
}
