package io.stellarchat.engine.runtime;

import io.stellarchat.engine.model.KvPrecision;
import io.stellarchat.engine.util.Checks;

import java.time.Duration;

/**
 * How the batching engine of one model schedules its work.
 *
 * @param maxBatchTokens tokens computed per forward pass at most: one per running decode, the rest for
 *                       (chunked) prompt processing
 * @param maxRunning     sequences holding KV blocks at once at most
 * @param queueDepth     requests waiting for admission at most; beyond it submit is refused (HTTP 429)
 * @param maxWait        how long a request may wait for admission before it is refused (HTTP 503)
 * @param blockSize      tokens per KV cache block
 * @param kvCacheBytes   bytes of the KV block pool (all layers, keys and values)
 * @param kvPrecision    element type of the KV cache
 * @param prefixCaching  whether full blocks are shared between requests with the same prefix
 */
public record SchedulerConfig(int maxBatchTokens, int maxRunning, int queueDepth, Duration maxWait,
                              int blockSize, long kvCacheBytes, KvPrecision kvPrecision, boolean prefixCaching) {

    public SchedulerConfig {
        Checks.require(maxBatchTokens >= 1, "max batch tokens must be >= 1, got " + maxBatchTokens);
        Checks.require(maxRunning >= 1, "max running sequences must be >= 1, got " + maxRunning);
        Checks.require(maxBatchTokens >= maxRunning,
                "max batch tokens (" + maxBatchTokens + ") must be >= max running sequences (" + maxRunning + ")");
        Checks.require(queueDepth >= 0, "queue depth must be >= 0, got " + queueDepth);
        Checks.require(maxWait != null && !maxWait.isNegative() && !maxWait.isZero(), "max wait must be positive");
        Checks.require(blockSize >= 1 && blockSize <= 1024, "block size must be in [1, 1024], got " + blockSize);
        Checks.require(kvCacheBytes > 0, "KV cache bytes must be positive, got " + kvCacheBytes);
        Checks.require(kvPrecision != null, "KV precision is required");
    }

    /** Defaults for a CPU server: 512 tokens per step, 16 sequences, 16-token blocks, 1 GiB F16 cache. */
    public static SchedulerConfig defaults() {
        return new SchedulerConfig(512, 16, 64, Duration.ofSeconds(60), 16, 1L << 30, KvPrecision.F16, true);
    }
}
