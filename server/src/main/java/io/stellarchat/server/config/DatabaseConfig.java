package io.stellarchat.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The chat history database.
 *
 * @param url      JDBC URL ({@code jdbc:postgresql://…} or {@code jdbc:sqlite:…}); empty means the embedded
 *                 SQLite file {@code stellar.db} in the data directory
 * @param user     database user, empty for none (SQLite)
 * @param password database password (secret), empty for none
 * @param poolSize connections in the pool (for SQLite: the read connections; writes use one connection)
 * @param lease    how long an instance's lease stays valid without renewal: other replicas recover its
 *                 generating replies that long after it died
 * @param leaseRenew how often the instance renews its lease and sweeps expired instances' replies (&lt; lease)
 */
public record DatabaseConfig(String url, String user, Secret password, int poolSize, Duration lease,
                             Duration leaseRenew) {
    /** The default lease ({@code database.lease}). */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    /** The default renewal interval ({@code database.lease_renew}). */
    public static final Duration DEFAULT_LEASE_RENEW = Duration.ofSeconds(3);

    public DatabaseConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(leaseRenew, "leaseRenew");
        if (poolSize < 1) throw new IllegalArgumentException("poolSize must be positive: " + poolSize);
        if (leaseRenew.isZero() || leaseRenew.isNegative() || leaseRenew.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("database.lease_renew (" + leaseRenew
                    + ") must be positive and shorter than database.lease (" + lease + ")");
        }
    }

    /** With the default lease and renewal. */
    public DatabaseConfig(String url, String user, Secret password, int poolSize) {
        this(url, user, password, poolSize, DEFAULT_LEASE, DEFAULT_LEASE_RENEW);
    }

    /** The same database with another lease and renewal interval. */
    public DatabaseConfig withLease(Duration lease, Duration leaseRenew) {
        return new DatabaseConfig(url, user, password, poolSize, lease, leaseRenew);
    }

    /** True when no URL is set: the embedded SQLite file in the data directory. */
    public boolean embedded() {
        return url.isEmpty();
    }
}
