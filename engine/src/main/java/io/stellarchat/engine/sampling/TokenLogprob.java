package io.stellarchat.engine.sampling;

/**
 * A token and its natural-log probability under the sampler's reference distribution: the softmax of the
 * logits after logit bias and penalties, at temperature 1, before any truncation (see {@link Sampler}).
 * {@code logprob} is &lt;= 0, or negative infinity for a token whose logit is negative infinity.
 */
public record TokenLogprob(int token, float logprob) {
    public TokenLogprob {
        if (token < 0) {
            throw new IllegalArgumentException("token must be >= 0, got " + token);
        }
        if (Float.isNaN(logprob) || logprob > 0f) {
            throw new IllegalArgumentException("logprob must be <= 0, got " + logprob);
        }
    }
}
