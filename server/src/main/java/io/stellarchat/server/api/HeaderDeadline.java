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
 * Closes connections whose request headers take too long ({@code server.header_timeout}): the defence against
 * slowloris on headers. Jetty's idle timeout alone does not drop a client that sends one header byte every
 * few seconds, since each byte counts as activity; this bounds the time from the first byte of a request to the
 * end of its headers, on every request of a keep-alive connection.
 *
 * <p>How, from the counters every Jetty {@link Connection} keeps: requests in ({@code getMessagesIn}, counted
 * when a request's headers are complete), responses out (counted when a response commits) and bytes in. A
 * connection between requests (as many responses as requests) that has received bytes since the last request
 * or response is in the middle of a request's headers. One sweep every {@code period} (a quarter of the
 * timeout, 20 ms..1 s) stamps such a connection with the time it was first seen so, and closes its end point
 * once the stamp is older than the timeout; a new request or response clears the stamp. A connection is thus
 * dropped between {@code timeout} and {@code timeout + period} after its headers began.
 *
 * <p>Threads: Jetty's threads call {@code onOpened}/{@code onClosed} (adding and removing map entries); the one
 * {@code http-header-deadline} thread runs the sweeps and alone reads and writes each entry's {@link Watch}.
 * {@link #close()} stops that thread; idempotent.
 */
final class HeaderDeadline implements Connection.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeaderDeadline.class);

    private final long timeoutNanos;
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
    }

    HeaderDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        long period = Math.clamp(timeout.toMillis() / 4, 20, 1000);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("http-header-deadline").daemon().factory());
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        open.put(connection, new Watch());
    }

    @Override
    public void onClosed(Connection connection) {
        open.remove(connection);
    }

    /** Connections closed for slow headers since start. */
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
                if (in > out || in != w.requests || out != w.responses) {
                    // A request is being handled, or one began or was answered since the last sweep.
                    w.requests = in;
                    w.responses = out;
                    w.bytesAtBoundary = bytes;
                    w.since = 0;
                } else if (bytes == w.bytesAtBoundary) {
                    w.since = 0; // idle between requests: the idle timeout's business
                } else if (w.since == 0) {
                    w.since = now;
                } else if (now - w.since > timeoutNanos) {
                    dropped.incrementAndGet();
                    log.info("closing a connection from {}: its request headers took longer than {} ms",
                            c.getEndPoint().getRemoteSocketAddress(), timeoutNanos / 1_000_000);
                    open.remove(c);
                    c.getEndPoint().close();
                }
            }
        } catch (RuntimeException e) {
            log.warn("header deadline sweep failed", e); // keep sweeping: a lost sweep only delays a drop
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
