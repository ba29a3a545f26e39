package io.stellarchat.server.config;

import io.stellarchat.engine.model.KvPrecision;
import io.stellarchat.engine.runtime.SchedulerConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How the local engine runs models: threads and context, admission (queue depth, wait), and the batching
 * scheduler's settings, which {@link #scheduler()} hands to each model's engine.
 *
 * @param threads          compute threads shared by all models; 0 = one per core
 * @param contextLength    context to allocate per request when a model entry does not say; 0 = the model's own
 * @param queueDepth       requests that may wait per model before new ones get 429
 * @param maxWait          how long a request may wait for its model before it gets 503 (positive)
 * @param keepAlive        interval of SSE keep-alive comments while a streamed request waits
 * @param maxBatchTokens   tokens computed per forward pass at most (decode rows plus prompt chunks)
 * @param maxRunning       requests generated together at most; at most {@code maxBatchTokens}
 * @param kvCacheBytes     bytes of the paged KV cache per model
 * @param kvBlockSize      tokens per KV cache block
 * @param kvPrecision      element type of the KV cache
 * @param prefixCaching    whether cached prompt prefixes are reused across requests
 */
public record EngineConfig(int threads, int contextLength, int queueDepth, Duration maxWait, Duration keepAlive,
                           int maxBatchTokens, int maxRunning, long kvCacheBytes, int kvBlockSize,
                           KvPrecision kvPrecision, boolean prefixCaching) {

    /** Defaults of the scheduler keys, the same as the documented configuration defaults. */
    public static final int DEFAULT_MAX_BATCH_TOKENS = 512;
    public static final int DEFAULT_MAX_RUNNING = 16;
    public static final long DEFAULT_KV_CACHE_BYTES = 1L << 30;
    public static final int DEFAULT_KV_BLOCK_SIZE = 16;

    public EngineConfig {
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(kvPrecision, "kvPrecision");
        if (threads < 0 || contextLength < 0 || queueDepth < 1) {
            throw new IllegalArgumentException("invalid engine config");
        }
        if (maxWait.isZero() || maxWait.isNegative()) {
            throw new IllegalArgumentException("engine max wait must be positive, got " + maxWait);
        }
        if (maxRunning < 1 || maxBatchTokens < maxRunning) {
            throw new IllegalArgumentException("engine max_batch_tokens (" + maxBatchTokens
                    + ") must be >= max_running (" + maxRunning + ") >= 1");
        }
        if (kvCacheBytes < 1 || kvBlockSize < 1 || kvBlockSize > 1024) {
            throw new IllegalArgumentException("invalid engine KV cache config: " + kvCacheBytes + " bytes, block "
                    + kvBlockSize);
        }
    }

    /** The admission and threading settings with the scheduler defaults (for tests and embedders). */
    public EngineConfig(int threads, int contextLength, int queueDepth, Duration maxWait, Duration keepAlive) {
        this(threads, contextLength, queueDepth, maxWait, keepAlive, DEFAULT_MAX_BATCH_TOKENS, DEFAULT_MAX_RUNNING,
                DEFAULT_KV_CACHE_BYTES, DEFAULT_KV_BLOCK_SIZE, KvPrecision.F16, true);
    }

    /** The same settings with another scheduler shape. */
    public EngineConfig withScheduler(int maxBatchTokens, int maxRunning, long kvCacheBytes, int kvBlockSize,
                                      KvPrecision kvPrecision, boolean prefixCaching) {
        return new EngineConfig(threads, contextLength, queueDepth, maxWait, keepAlive, maxBatchTokens, maxRunning,
                kvCacheBytes, kvBlockSize, kvPrecision, prefixCaching);
    }

    /** What each model's engine is built with: these keys plus {@code queue_depth} and {@code max_wait}. */
    public SchedulerConfig scheduler() {
        return new SchedulerConfig(maxBatchTokens, maxRunning, queueDepth, maxWait, kvBlockSize, kvCacheBytes,
                kvPrecision, prefixCaching);
    }
}
