package io.stellarchat.engine.sampling;

import java.util.HashMap;
import java.util.Map;

/**
 * How one request chooses its next token: the settings of a {@link Sampler}. Immutable; every field is
 * checked by the compact constructor, which throws an {@link IllegalArgumentException} naming the field and
 * its allowed range, so a bad request is rejected before it reaches the engine.
 *
 * <p>Each field and its "off" value:
 * <ul>
 *   <li>{@code temperature} in [0, 100], finite. 0 means greedy (argmax, ties to the lower id), as llama.cpp
 *       does for any temperature &lt;= 0.</li>
 *   <li>{@code topK} &gt;= 0. 0 disables top-k (as does any value &gt;= the vocabulary size).</li>
 *   <li>{@code topP} in [0, 1]. 1 disables top-p; 0 keeps only the most likely token.</li>
 *   <li>{@code minP} in [0, 1]. 0 disables min-p.</li>
 *   <li>{@code repeatPenalty} in (0, 100], finite. 1 disables it. llama.cpp semantics: for every token
 *       seen in the window, a positive logit is divided by it and a non-positive logit multiplied.</li>
 *   <li>{@code penaltyLastN} in [0, {@value #MAX_PENALTY_LAST_N}]: the window, in tokens, that the three
 *       penalties look at. 0 disables all three penalties.</li>
 *   <li>{@code presencePenalty} and {@code frequencyPenalty} in [-2, 2] (OpenAI's range). 0 disables
 *       them. {@code logit -= presence * [count > 0] + frequency * count}, count taken over the window.</li>
 *   <li>{@code logitBias}: token id (&gt;= 0) to an additive bias in [-100, 100] (OpenAI's range); -100
 *       effectively bans a token. Ids are checked against the vocabulary by {@link Sampler}'s
 *       constructor, since only it knows the vocabulary size. The map is copied.</li>
 *   <li>{@code seed}: any value; the same seed, parameters, prompt and model give the same tokens. A
 *       caller with no seed from its client should pick a random one and may report it.</li>
 *   <li>{@code topLogprobs} in [0, {@value #MAX_TOP_LOGPROBS}]: how many most likely alternatives
 *       {@link Sampler#sampleWithLogprobs} reports beside the chosen token.</li>
 *   <li>{@code grammar}: null for free text; else every generated token must keep the text inside the
 *       grammar's language (a {@link GrammarMatcher} per sequence masks the logits of illegal tokens after
 *       bias and penalties, before truncation and temperature), and the sequence ends when the grammar is
 *       complete.</li>
 * </ul>
 */
public record SamplingParams(float temperature, int topK, float topP, float minP,
                             float repeatPenalty, int penaltyLastN, float presencePenalty, float frequencyPenalty,
                             Map<Integer, Float> logitBias, long seed, int topLogprobs, Grammar grammar) {

    /** The largest {@code topLogprobs}, as in OpenAI's API. */
    public static final int MAX_TOP_LOGPROBS = 20;
    /** The largest penalty window: larger than any context we serve, small enough to bound memory. */
    public static final int MAX_PENALTY_LAST_N = 1 << 20;
    /** The largest temperature accepted; far beyond any useful value (OpenAI stops at 2). */
    public static final float MAX_TEMPERATURE = 100f;
    /** The largest repeat penalty accepted. */
    public static final float MAX_REPEAT_PENALTY = 100f;
    /** The bound on presence and frequency penalties, as in OpenAI's API. */
    public static final float MAX_ABS_PRESENCE_FREQUENCY = 2f;
    /** The bound on a logit bias, as in OpenAI's API. */
    public static final float MAX_ABS_LOGIT_BIAS = 100f;

    public SamplingParams {
        inRange("temperature", temperature, 0f, MAX_TEMPERATURE, "[0, 100]");
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0 (0 disables top-k), got " + topK);
        }
        inRange("topP", topP, 0f, 1f, "[0, 1]");
        inRange("minP", minP, 0f, 1f, "[0, 1]");
        if (!(repeatPenalty > 0f && repeatPenalty <= MAX_REPEAT_PENALTY)) {
            throw new IllegalArgumentException(
                    "repeatPenalty must be in (0, 100] (1 disables it), got " + repeatPenalty);
        }
        if (penaltyLastN < 0 || penaltyLastN > MAX_PENALTY_LAST_N) {
            throw new IllegalArgumentException("penaltyLastN must be in [0, " + MAX_PENALTY_LAST_N
                    + "] (0 disables the penalties), got " + penaltyLastN);
        }
        inRange("presencePenalty", presencePenalty, -MAX_ABS_PRESENCE_FREQUENCY, MAX_ABS_PRESENCE_FREQUENCY,
                "[-2, 2]");
        inRange("frequencyPenalty", frequencyPenalty, -MAX_ABS_PRESENCE_FREQUENCY, MAX_ABS_PRESENCE_FREQUENCY,
                "[-2, 2]");
        if (logitBias == null) {
            throw new IllegalArgumentException("logitBias must not be null (use Map.of() for none)");
        }
        // Check before copying: Map.copyOf would throw a bare NullPointerException on a null key or value.
        for (Map.Entry<Integer, Float> e : new HashMap<>(logitBias).entrySet()) {
            Integer token = e.getKey();
            Float bias = e.getValue();
            if (token == null || token < 0) {
                throw new IllegalArgumentException("logitBias key must be a token id >= 0, got " + token);
            }
            if (bias == null || !(bias >= -MAX_ABS_LOGIT_BIAS && bias <= MAX_ABS_LOGIT_BIAS)) {
                throw new IllegalArgumentException(
                        "logitBias value for token " + token + " must be in [-100, 100], got " + bias);
            }
        }
        logitBias = Map.copyOf(logitBias);
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException(
                    "topLogprobs must be in [0, " + MAX_TOP_LOGPROBS + "], got " + topLogprobs);
        }
    }

    /** Settings without a grammar (free text). */
    public SamplingParams(float temperature, int topK, float topP, float minP, float repeatPenalty, int penaltyLastN,
                          float presencePenalty, float frequencyPenalty, Map<Integer, Float> logitBias, long seed,
                          int topLogprobs) {
        this(temperature, topK, topP, minP, repeatPenalty, penaltyLastN, presencePenalty, frequencyPenalty, logitBias,
                seed, topLogprobs, null);
    }

    /** The same settings under {@code g} (null: no constraint). */
    public SamplingParams withGrammar(Grammar g) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, penaltyLastN, presencePenalty,
                frequencyPenalty, logitBias, seed, topLogprobs, g);
    }

    private static void inRange(String field, float value, float lo, float hi, String range) {
        // Written so that NaN fails every comparison and is rejected.
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException(field + " must be in " + range + ", got " + value);
        }
    }

    /** Always the most likely token: temperature 0, no truncation, no penalties, no bias. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0, 0f, 0f, Map.of(), 0L, 0);
    }

    /**
     * llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, repeat penalty 1.0 (off)
     * over the last 64 tokens, no presence/frequency penalty, no bias, seed 0, no alternatives.
     */
    public static SamplingParams defaults() {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 64, 0f, 0f, Map.of(), 0L, 0);
    }

    public SamplingParams withTemperature(float v) {
        return new SamplingParams(v, topK, topP, minP, repeatPenalty, penaltyLastN, presencePenalty,
                frequencyPenalty, logitBias, seed, topLogprobs, grammar);
    }

    public SamplingParams withTopK(int v) {
        return new SamplingParams(temperature, v, topP, minP, repeatPenalty, penaltyLastN, presencePenalty,
                frequencyPenalty, logitBias, seed, topLogprobs, grammar);
    }

    public SamplingParams withTopP(float v) {
        return new SamplingParams(temperature, topK, v, minP, repeatPenalty, penaltyLastN, presencePenalty,
                frequencyPenalty, logitBias, seed, topLogprobs, grammar);
    }

    public SamplingParams withMinP(float v) {
        return new SamplingParams(temperature, topK, topP, v, repeatPenalty, penaltyLastN, presencePenalty,
                frequencyPenalty, logitBias, seed, topLogprobs, grammar);
    }

    public SamplingParams withRepeatPenalty(float v) {
        return new SamplingParams(temperature, topK, topP, minP, v, penaltyLastN, presencePenalty,
                frequencyPenalty, logitBias, seed, topLogprobs, grammar);
    }

    public SamplingParams withPenaltyLastN(int v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, v, presencePenalty,
                frequencyPenalty, logitBias, seed, topLogprobs, grammar);
    }

    public SamplingParams withPresencePenalty(float v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, penaltyLastN, v,
                frequencyPenalty, logitBias, seed, topLogprobs, grammar);
    }

    public SamplingParams withFrequencyPenalty(float v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, penaltyLastN, presencePenalty,
                v, logitBias, seed, topLogprobs, grammar);
    }

    public SamplingParams withLogitBias(Map<Integer, Float> v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, penaltyLastN, presencePenalty,
                frequencyPenalty, v, seed, topLogprobs, grammar);
    }

    public SamplingParams withSeed(long v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, penaltyLastN, presencePenalty,
                frequencyPenalty, logitBias, v, topLogprobs, grammar);
    }

    public SamplingParams withTopLogprobs(int v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, penaltyLastN, presencePenalty,
                frequencyPenalty, logitBias, seed, v, grammar);
    }

    /** True when the window-based penalties change nothing, so the sampler can skip them. */
    boolean penaltiesOff() {
        return penaltyLastN == 0
                || (repeatPenalty == 1f && presencePenalty == 0f && frequencyPenalty == 0f);
    }
}
