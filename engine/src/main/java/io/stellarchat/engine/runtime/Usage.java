package io.stellarchat.engine.runtime;

/**
 * Token counts and timings of one generation.
 *
 * @param promptTokens     tokens of the prompt
 * @param cachedTokens     prompt tokens whose KV entries were reused rather than computed
 * @param completionTokens tokens generated
 * @param promptNanos      time spent processing the prompt (to the first sampled token)
 * @param generationNanos  time spent generating after the first token
 */
public record Usage(int promptTokens, int cachedTokens, int completionTokens, long promptNanos, long generationNanos) {

    /** Prompt throughput in tokens per second (0 when unmeasurable). */
    public double promptTokensPerSecond() {
        return promptNanos > 0 ? (promptTokens - cachedTokens) * 1e9 / promptNanos : 0;
    }

    /** Generation throughput in tokens per second, over the tokens after the first. */
    public double generationTokensPerSecond() {
        return generationNanos > 0 && completionTokens > 1 ? (completionTokens - 1) * 1e9 / generationNanos : 0;
    }
}
