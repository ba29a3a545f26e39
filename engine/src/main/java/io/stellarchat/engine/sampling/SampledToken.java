package io.stellarchat.engine.sampling;

import java.util.List;

/**
 * The token a {@link Sampler} chose, its log-probability, and the {@code topLogprobs} most likely tokens of
 * the same step, most likely first (ties to the lower id). The chosen token may or may not be among
 * {@code top}, as in OpenAI's {@code top_logprobs}. See {@link TokenLogprob} for which distribution the
 * log-probabilities come from.
 */
public record SampledToken(int token, float logprob, List<TokenLogprob> top) {
    public SampledToken {
        if (token < 0) {
            throw new IllegalArgumentException("token must be >= 0, got " + token);
        }
        if (Float.isNaN(logprob) || logprob > 0f) {
            throw new IllegalArgumentException("logprob must be <= 0, got " + logprob);
        }
        if (top == null) {
            throw new IllegalArgumentException("top must not be null (use List.of() for none)");
        }
        top = List.copyOf(top);
    }
}
