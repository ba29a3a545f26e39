package io.stellarchat.server.config;

import java.util.Objects;

/**
 * The chat history database.
 *
 * @param url      JDBC URL ({@code jdbc:postgresql://…} or {@code jdbc:sqlite:…}); empty means the embedded
 *                 SQLite file {@code stellar.db} in the data directory
 * @param user     database user, empty for none (SQLite)
 * @param password database password (secret), empty for none
 * @param poolSize connections in the pool (for SQLite: the read connections; writes use one connection)
 */
public record DatabaseConfig(String url, String user, Secret password, int poolSize) {
    public DatabaseConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (poolSize < 1) throw new IllegalArgumentException("poolSize must be positive: " + poolSize);
    }

    /** True when no URL is set: the embedded SQLite file in the data directory. */
    public boolean embedded() {
        return url.isEmpty();
    }
}
