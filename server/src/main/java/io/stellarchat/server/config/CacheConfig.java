package io.stellarchat.server.config;

import java.time.Duration;

/**
 * The response and embedding caches.
 *
 * @param responses     whether deterministic chat and completion answers are cached (opt-in)
 * @param embeddings    whether embeddings are cached per input
 * @param ttl           how long an entry lives in Redis (and at most in memory)
 * @param memoryBytes   size of the in-process tier (0 = none)
 * @param maxEntryBytes largest single entry stored; larger answers are not cached
 */
public record CacheConfig(boolean responses, boolean embeddings, Duration ttl, long memoryBytes, long maxEntryBytes) {
    /** The built-in defaults. */
    public static CacheConfig defaults() {
        return new CacheConfig(false, true, Duration.ofHours(1), 64L << 20, 1L << 20);
    }
}
