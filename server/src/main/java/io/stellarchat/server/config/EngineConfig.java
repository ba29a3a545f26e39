package io.stellarchat.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How the local engine runs models.
 *
 * @param threads          compute threads shared by all models; 0 = one per core
 * @param contextLength    context to allocate per request when a model entry does not say; 0 = the model's own
 * @param queueDepth       requests that may wait per model before new ones get 429
 * @param maxWait          how long a request may wait for its model before it gets 503
 * @param keepAlive        interval of SSE keep-alive comments while a streamed request waits
 */
public record EngineConfig(int threads, int contextLength, int queueDepth, Duration maxWait, Duration keepAlive) {
    public EngineConfig {
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (threads < 0 || contextLength < 0 || queueDepth < 1) {
            throw new IllegalArgumentException("invalid engine config");
        }
    }
}
