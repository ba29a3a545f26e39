package io.stellarchat.server.api;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections whose request headers or body take too long ({@code server.header_timeout},
 * {@code server.body_timeout}): the defence against slowloris. Jetty's idle timeout alone does not drop a client
 * that sends one byte every few seconds, since each byte counts as activity; this bounds the time from the first
 * byte of a request to the end of its headers, and from the end of its headers to the last byte of its body, on
 * every request of a keep-alive connection. (Jetty's own minimum data rate is not used: it measures from the first
 * byte to each read, so a small body read late by a busy server fails it.)
 *
 * <p>How, from the counters every Jetty {@link Connection} keeps: requests in ({@code getMessagesIn}, counted
 * when a request's headers are complete), responses out (counted when a response commits) and bytes in. A
 * connection between requests (as many responses as requests) that has received bytes since the last request
 * or response is in the middle of a request's headers. One sweep every {@code period} (a quarter of the
 * timeout, 20 ms..1 s) stamps such a connection with the time it was first seen so, and closes its end point
 * once the stamp is older than the timeout; a new request or response clears the stamp. A connection is thus
 * dropped between {@code timeout} and {@code timeout + period} after its headers began. A connection with a
 * request being handled and not yet answered (more requests than responses) is stamped when first seen so; if
 * bytes still arrive more than the body timeout after that stamp, its body is trickling and it is closed (a body
 * that arrived whole leaves the byte count still while the answer is made, however long that takes).
 *
 * <p>Threads: Jetty's threads call {@code onOpened}/{@code onClosed} (adding and removing map entries); the one
 * {@code http-header-deadline} thread runs the sweeps and alone reads and writes each entry's {@link Watch}.
 * {@link #close()} stops that thread; idempotent.
 */
final class HeaderDeadline implements Connection.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeaderDeadline.class);

    private final long timeoutNanos;
    private final long bodyTimeoutNanos;
    private final Map<Connection, Watch> open = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;
    private final AtomicLong dropped = new AtomicLong();

    /** What the sweeper last saw of one connection; touched by the sweeper thread only. */
    private static final class Watch {
        long requests;
        long responses;
        /** Bytes in when a request or response was last counted. */
        long bytesAtBoundary;
        /** nanoTime the current headers were first seen in progress; 0: none in progress. */
        long since;
        /** nanoTime the current request was first seen being handled (headers done, no response); 0: none. */
        long handledSince;
        /** Bytes in at the previous sweep. */
        long lastBytes;
    }

    HeaderDeadline(Duration timeout, Duration bodyTimeout) {
        this.timeoutNanos = timeout.toNanos();
        this.bodyTimeoutNanos = bodyTimeout.toNanos();
        long period = Math.clamp(timeout.toMillis() / 4, 20, 1000);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("http-header-deadline").daemon().factory());
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        // HTTP/1.1 connections only (they are their own ConnectionMetaData): a WebSocket connection that replaced
        // one counts frames, not requests and responses.
        if (connection instanceof org.eclipse.jetty.server.ConnectionMetaData) open.put(connection, new Watch());
    }

    @Override
    public void onClosed(Connection connection) {
        open.remove(connection);
    }

    /** Connections closed for slow headers or bodies since start. */
    long dropped() {
        return dropped.get();
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            for (Map.Entry<Connection, Watch> e : open.entrySet()) {
                Connection c = e.getKey();
                Watch w = e.getValue();
                long in = c.getMessagesIn();
                long out = c.getMessagesOut();
                long bytes = c.getBytesIn();
                boolean arriving = bytes != w.lastBytes;
                w.lastBytes = bytes;
                if (in > out && in == w.requests && out == w.responses && w.handledSince != 0) {
                    // The same request is still being handled: its body may still be arriving.
                    w.bytesAtBoundary = bytes;
                    if (arriving && now - w.handledSince > bodyTimeoutNanos) {
                        drop(c, "its request body took longer than " + bodyTimeoutNanos / 1_000_000 + " ms");
                    }
                } else if (in > out || in != w.requests || out != w.responses) {
                    // A request began or was answered since the last sweep.
                    w.handledSince = in > out ? now : 0;
                    w.requests = in;
                    w.responses = out;
                    w.bytesAtBoundary = bytes;
                    w.since = 0;
                } else if (bytes == w.bytesAtBoundary) {
                    w.since = 0; // idle between requests: the idle timeout's business
                } else if (w.since == 0) {
                    w.since = now;
                } else if (now - w.since > timeoutNanos) {
                    drop(c, "its request headers took longer than " + timeoutNanos / 1_000_000 + " ms");
                }
            }
        } catch (RuntimeException e) {
            log.warn("header deadline sweep failed", e); // keep sweeping: a lost sweep only delays a drop
        }
    }

    private void drop(Connection c, String why) {
        dropped.incrementAndGet();
        log.info("closing a connection from {}: {}", c.getEndPoint().getRemoteSocketAddress(), why);
        open.remove(c);
        c.getEndPoint().close();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
