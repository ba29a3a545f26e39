package io.stellarchat.server.protocol;

import java.util.Map;

/**
 * How to pick tokens. Every field is optional: null means "the answering model's default", so a remote
 * provider is sent only what the client set, and the local engine fills in its own defaults.
 *
 * @param temperature      0..2
 * @param topP             0..1
 * @param topK             0 = off
 * @param minP             0..1
 * @param repeatPenalty    llama.cpp's repetition penalty, 1 = off
 * @param presencePenalty  -2..2
 * @param frequencyPenalty -2..2
 * @param logitBias        token id → bias (-100..100); empty for none
 * @param seed             sampling seed
 */
public record Sampling(Float temperature, Float topP, Integer topK, Float minP, Float repeatPenalty,
                       Float presencePenalty, Float frequencyPenalty, Map<Integer, Float> logitBias, Long seed) {

    public static final Sampling DEFAULTS = new Sampling(null, null, null, null, null, null, null, Map.of(), null);

    public Sampling {
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    /** This, with every field {@code o} sets replacing ours (a session's defaults overridden by a request). */
    public Sampling overriddenBy(Sampling o) {
        return new Sampling(or(o.temperature, temperature), or(o.topP, topP), or(o.topK, topK), or(o.minP, minP),
                or(o.repeatPenalty, repeatPenalty), or(o.presencePenalty, presencePenalty),
                or(o.frequencyPenalty, frequencyPenalty), o.logitBias.isEmpty() ? logitBias : o.logitBias,
                or(o.seed, seed));
    }

    public Sampling withSeed(Long s) {
        return new Sampling(temperature, topP, topK, minP, repeatPenalty, presencePenalty, frequencyPenalty, logitBias, s);
    }

    static <T> T or(T a, T b) {
        return a != null ? a : b;
    }
}
