package io.stellarchat.engine.runtime;

/**
 * A snapshot of an engine's load, read by the service for {@code /metrics} and {@code /ready}. Counters
 * ({@code long}) only grow from engine start; gauges ({@code int}) are the state at the moment of the call.
 *
 * @param waiting            requests queued, not started (includes preempted ones waiting to resume)
 * @param running            requests holding KV blocks and being stepped
 * @param completed          requests finished since start (any finish reason)
 * @param rejected           requests refused because the queue was full or the wait too long
 * @param kvBlocksUsed       KV cache blocks referenced by running sequences or held by the prefix cache
 * @param kvBlocksTotal      KV cache blocks in the pool (0 for an engine without a paged pool)
 * @param promptTokens       prompt tokens of admitted requests (the prefix-cache queries)
 * @param cachedPromptTokens of those, tokens whose KV entries came from the prefix cache (the hits)
 * @param steps              forward passes run by the engine loop
 * @param stepTokens         tokens computed over all those passes (prompt and decode rows together)
 * @param preemptions        times a running request was preempted (its blocks freed, recomputed later)
 */
public record EngineStats(int waiting, int running, long completed, long rejected,
                          int kvBlocksUsed, int kvBlocksTotal, long promptTokens, long cachedPromptTokens,
                          long steps, long stepTokens, long preemptions) {

    /** A snapshot of an engine that has only request counts (no paged KV cache, no step loop). */
    public static EngineStats ofRequests(int waiting, int running, long completed, long rejected) {
        return new EngineStats(waiting, running, completed, rejected, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Prefix-cache hit rate over all admitted prompt tokens, 0 when none were admitted. */
    public double prefixCacheHitRate() {
        return promptTokens == 0 ? 0 : (double) cachedPromptTokens / promptTokens;
    }
}
