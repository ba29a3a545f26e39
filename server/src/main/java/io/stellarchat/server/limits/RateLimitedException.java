package io.stellarchat.server.limits;

import java.time.Duration;
import java.util.Map;

/**
 * A request over one of its caller's limits (or refused because the limiter cannot count: Redis down with
 * {@code limits.redis_fallback: closed}).
 */
public final class RateLimitedException extends RuntimeException {
    private final String limit;
    private final Duration retryAfter;
    private final boolean unavailable;
    private final Map<String, String> headers;

    RateLimitedException(String message, String limit, Duration retryAfter, boolean unavailable, Map<String, String> headers) {
        super(message, null, false, false);
        this.limit = limit;
        this.retryAfter = retryAfter;
        this.unavailable = unavailable;
        this.headers = Map.copyOf(headers);
    }

    /** The limit's wire name ({@code requests_per_minute} …). */
    public String limit() {
        return limit;
    }

    /** When to try again; null when waiting does not help (the request alone is over the limit). */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** True when the limiter could not count (503), false for a limit reached (429). */
    public boolean unavailable() {
        return unavailable;
    }

    /** The {@code x-ratelimit-*} headers to send with the refusal. */
    public Map<String, String> headers() {
        return headers;
    }
}
