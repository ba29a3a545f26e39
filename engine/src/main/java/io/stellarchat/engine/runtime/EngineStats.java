package io.stellarchat.engine.runtime;

/**
 * A snapshot of an engine's load.
 *
 * @param waiting   requests queued, not started
 * @param running   requests being generated
 * @param completed requests finished since start (any finish reason)
 * @param rejected  requests refused because the queue was full or the wait too long
 */
public record EngineStats(int waiting, int running, long completed, long rejected) {}
