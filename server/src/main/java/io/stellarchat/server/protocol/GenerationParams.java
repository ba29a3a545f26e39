package io.stellarchat.server.protocol;

import java.util.List;

/**
 * What to generate, shared by chat and plain completions.
 *
 * @param maxTokens   reply budget, or null for "until a stop or the context ends" (the model's default)
 * @param n           choices per prompt, 1..8
 * @param stop        up to 4 stop sequences
 * @param logprobs    whether to return per-token log-probabilities
 * @param topLogprobs alternatives per token, 0..20
 * @param ignoreEos   generate past end-of-generation tokens (llama.cpp's extension, for benchmarks)
 * @param sampling    how to pick tokens
 */
public record GenerationParams(Integer maxTokens, int n, List<String> stop, boolean logprobs, int topLogprobs,
                               boolean ignoreEos, Sampling sampling) {

    public static final GenerationParams DEFAULTS = new GenerationParams(null, 1, List.of(), false, 0, false,
            Sampling.DEFAULTS);

    public GenerationParams {
        stop = List.copyOf(stop);
        if (n < 1) throw new IllegalArgumentException("n must be at least 1: " + n);
        java.util.Objects.requireNonNull(sampling, "sampling");
    }

    /** This, with what {@code o} sets replacing ours ({@code n}, logprobs and stop are taken from {@code o} when it sets them). */
    public GenerationParams overriddenBy(GenerationParams o) {
        return new GenerationParams(Sampling.or(o.maxTokens, maxTokens), o.n != 1 ? o.n : n,
                o.stop.isEmpty() ? stop : o.stop, o.logprobs || logprobs, Math.max(o.topLogprobs, topLogprobs),
                o.ignoreEos || ignoreEos, sampling.overriddenBy(o.sampling));
    }

    public GenerationParams withMaxTokens(Integer max) {
        return new GenerationParams(max, n, stop, logprobs, topLogprobs, ignoreEos, sampling);
    }
}
