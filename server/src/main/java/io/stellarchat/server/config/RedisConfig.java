package io.stellarchat.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The Redis server that replicas share for rate limits and caches.
 *
 * @param url     {@code redis://[user:password@]host:port[/db]} (or {@code rediss://}); empty: no Redis, limits and
 *                caches live in this process only (secret: it may hold a password)
 * @param timeout how long one Redis command may take before Redis counts as down for this request
 */
public record RedisConfig(Secret url, Duration timeout) {
    public RedisConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(timeout, "timeout");
    }

    /** No Redis. */
    public static RedisConfig none() {
        return new RedisConfig(new Secret(""), Duration.ofMillis(500));
    }

    /** Whether a Redis server is configured. */
    public boolean enabled() {
        return !url.reveal().isEmpty();
    }
}
