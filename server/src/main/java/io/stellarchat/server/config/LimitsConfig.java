package io.stellarchat.server.config;

import java.util.Objects;

/**
 * Rate limits: the default a key has when it sets none of its own, and what happens while Redis is down.
 *
 * @param redisFallback   with Redis configured but unreachable: {@code local} (each replica counts alone, with
 *                        its share of every limit), {@code open} (no limits), {@code closed} (every limited
 *                        request is refused with 503)
 * @param requestsPerMinute default requests per minute per key (0 = none)
 * @param tokensPerMinute   default tokens (prompt + completion) per minute per key (0 = none)
 * @param maxConcurrent     default requests in flight per key (0 = none)
 * @param tokensPerDay      default token budget per UTC day per key (0 = none)
 * @param tokensPerMonth    default token budget per UTC month per key (0 = none)
 */
public record LimitsConfig(Fallback redisFallback, long requestsPerMinute, long tokensPerMinute, long maxConcurrent,
                           long tokensPerDay, long tokensPerMonth) {
    /** What limits do while Redis is unreachable. */
    public enum Fallback { LOCAL, OPEN, CLOSED }

    public LimitsConfig {
        Objects.requireNonNull(redisFallback, "redisFallback");
    }

    /** No default limits; local fallback. */
    public static LimitsConfig none() {
        return new LimitsConfig(Fallback.LOCAL, 0, 0, 0, 0, 0);
    }
}
