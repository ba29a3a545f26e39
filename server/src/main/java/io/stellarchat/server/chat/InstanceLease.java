package io.stellarchat.server.chat;

import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This service instance's lease in {@code service_instances}: the row that tells other replicas sharing the
 * database that this instance is alive, so their recovery leaves its {@code generating} replies alone and their
 * session turns see its running turns as busy.
 *
 * <p>Threads and states: {@code new → started → closed} (or {@code → abandoned}, tests only). {@link #start}
 * writes the row (expiry = now + lease) and starts the one {@code instance-lease} thread, which every
 * {@code renew} interval moves the expiry forward (re-inserting the row if it went missing) and then sweeps:
 * marks interrupted the generating replies of instances whose lease expired ({@link
 * JdbcHistoryStore#markInterruptedOfExpiredInstances}) — so replica B recovers replica A's replies within
 * about lease + renew after A was killed. {@link #close()} stops the thread (a bounded join) and deletes the
 * row, so a cleanly stopped instance's replies (there should be none: the HTTP server drained first) are
 * recoverable at once. A database failure in the thread is logged and retried at the next beat; if the
 * database stays away longer than the lease, other replicas may treat this one as gone.
 *
 * <p>Expiry times are this process's clock: replicas' clocks must agree to well within the lease.
 */
public final class InstanceLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceLease.class);
    private static final Duration JOIN = Duration.ofSeconds(5);

    private final String instanceId;
    private final Transactions tx;
    private final Clock clock;
    private final JdbcHistoryStore history;
    /** Counted down to stop the thread; guarded by {@code this} for start/close transitions. */
    private final CountDownLatch stop = new CountDownLatch(1);
    private Thread thread; // guarded by this
    private volatile Duration lease = Duration.ZERO;
    private boolean closed; // guarded by this

    InstanceLease(String instanceId, Transactions tx, Clock clock, JdbcHistoryStore history) {
        this.instanceId = instanceId;
        this.tx = tx;
        this.clock = clock;
        this.history = history;
    }

    /** This instance's id (generated when the database was opened). */
    public String instanceId() {
        return instanceId;
    }

    /**
     * Writes the lease row and starts the heartbeat. Idempotent while running.
     *
     * @param lease how long the row stays valid without renewal (other replicas recover this instance's
     *              replies that long after it died)
     * @param renew how often the heartbeat renews it and sweeps expired instances' replies; less than {@code lease}
     */
    public synchronized void start(Duration lease, Duration renew) {
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(renew, "renew");
        if (renew.isZero() || renew.isNegative() || renew.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("the lease renewal (" + renew + ") must be positive and shorter than the lease ("
                    + lease + ")");
        }
        if (closed) throw new IllegalStateException("the instance lease is closed");
        if (thread != null) return;
        this.lease = lease;
        renew();
        thread = Thread.ofPlatform().name("instance-lease").daemon(true).start(() -> beat(renew));
        LOG.info("instance {} holds a lease of {} ms, renewed every {} ms", instanceId, lease.toMillis(), renew.toMillis());
    }

    private void beat(Duration renew) {
        try {
            while (!stop.await(renew.toMillis(), TimeUnit.MILLISECONDS)) {
                try {
                    renew();
                    int marked = history.markInterruptedOfExpiredInstances();
                    if (marked > 0) {
                        LOG.warn("{} reply(s) of instances whose lease expired were marked interrupted", marked);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("instance lease renewal or sweep failed (retried in {} ms): {}", renew.toMillis(), e.toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Moves this instance's expiry to now + lease, inserting the row when it is missing. */
    private void renew() {
        long now = clock.millis();
        long expires = now + lease.toMillis();
        tx.write("renew instance lease", c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE service_instances SET expires_ms = ? WHERE id = ?")) {
                st.setLong(1, expires);
                st.setString(2, instanceId);
                if (st.executeUpdate() > 0) return null;
            }
            try (PreparedStatement st = c.prepareStatement(
                    "INSERT INTO service_instances (id, started_ms, expires_ms) VALUES (?, ?, ?)")) {
                st.setString(1, instanceId);
                st.setLong(2, now);
                st.setLong(3, expires);
                st.executeUpdate();
            }
            return null;
        });
    }

    /** Stops the heartbeat and deletes the row. Idempotent. */
    @Override
    public void close() {
        if (!stopThread()) return;
        try {
            tx.write("end instance lease", c -> {
                try (PreparedStatement st = c.prepareStatement("DELETE FROM service_instances WHERE id = ?")) {
                    st.setString(1, instanceId);
                    return st.executeUpdate();
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("could not delete the lease of instance {} (it expires by itself): {}", instanceId, e.toString());
        }
    }

    /** Stops the heartbeat and leaves the row to expire, as a killed process would (tests). */
    void abandon() {
        stopThread();
    }

    /** @return whether this call closed it */
    private boolean stopThread() {
        Thread t;
        synchronized (this) {
            if (closed) return false;
            closed = true;
            t = thread;
        }
        stop.countDown();
        if (t != null) {
            try {
                t.join(JOIN);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return true;
    }
}
