package io.stellarchat.server.redis;

/** Redis is down or a command failed; the caller uses its in-memory fallback. */
public final class RedisUnavailableException extends RuntimeException {
    public RedisUnavailableException(String message) {
        super(message, null, false, false);
    }
}
