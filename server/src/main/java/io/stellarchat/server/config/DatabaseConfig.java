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
 * @param partialReplyTokens   a generating reply's text is written after this many new text pieces ...
 * @param partialReplyInterval ... or once this long has passed since the last write, whichever comes first
 */
public record DatabaseConfig(String url, String user, Secret password, int poolSize, Duration lease,
                             Duration leaseRenew, int partialReplyTokens, Duration partialReplyInterval) {
    /** The default lease ({@code database.lease}). */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    /** The default renewal interval ({@code database.lease_renew}). */
    public static final Duration DEFAULT_LEASE_RENEW = Duration.ofSeconds(3);
    /** The default {@code database.partial_reply_tokens}. */
    public static final int DEFAULT_PARTIAL_REPLY_TOKENS = 16;
    /** The default {@code database.partial_reply_interval}. */
    public static final Duration DEFAULT_PARTIAL_REPLY_INTERVAL = Duration.ofMillis(500);

    public DatabaseConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(leaseRenew, "leaseRenew");
        Objects.requireNonNull(partialReplyInterval, "partialReplyInterval");
        if (partialReplyTokens < 1) throw new IllegalArgumentException("partialReplyTokens must be positive: " + partialReplyTokens);
        if (partialReplyInterval.isZero() || partialReplyInterval.isNegative()) {
            throw new IllegalArgumentException("partialReplyInterval must be positive: " + partialReplyInterval);
        }
        if (poolSize < 1) throw new IllegalArgumentException("poolSize must be positive: " + poolSize);
        if (leaseRenew.isZero() || leaseRenew.isNegative() || leaseRenew.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("database.lease_renew (" + leaseRenew
                    + ") must be positive and shorter than database.lease (" + lease + ")");
        }
    }

    /** With the default lease, renewal and partial-reply writes. */
    public DatabaseConfig(String url, String user, Secret password, int poolSize) {
        this(url, user, password, poolSize, DEFAULT_LEASE, DEFAULT_LEASE_RENEW);
    }

    /** With the default partial-reply writes. */
    public DatabaseConfig(String url, String user, Secret password, int poolSize, Duration lease, Duration leaseRenew) {
        this(url, user, password, poolSize, lease, leaseRenew, DEFAULT_PARTIAL_REPLY_TOKENS, DEFAULT_PARTIAL_REPLY_INTERVAL);
    }

    /** The same database with another lease and renewal interval. */
    public DatabaseConfig withLease(Duration lease, Duration leaseRenew) {
        return new DatabaseConfig(url, user, password, poolSize, lease, leaseRenew, partialReplyTokens,
                partialReplyInterval);
    }

    /** True when no URL is set: the embedded SQLite file in the data directory. */
    public boolean embedded() {
        return url.isEmpty();
    }
}
