package io.stellarchat.engine.runtime;

import java.time.Duration;

/**
 * The engine cannot take a request now: its waiting queue is full, or the request waited longer than allowed.
 * {@link #retryAfter()} suggests when to try again.
 */
public final class EngineOverloadedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether the queue was full (rather than the wait timing out). */
    private final boolean queueFull;
    private final transient Duration retryAfter;

    public EngineOverloadedException(String message, boolean queueFull, Duration retryAfter) {
        super(message, null, false, false);
        this.queueFull = queueFull;
        this.retryAfter = retryAfter;
    }

    public boolean queueFull() {
        return queueFull;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
