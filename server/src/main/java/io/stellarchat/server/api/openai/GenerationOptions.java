package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.engine.sampling.SamplingParams;
import io.stellarchat.server.api.ApiException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The generation fields shared by chat completions and completions, validated.
 *
 * @param maxTokens      {@code max_completion_tokens} or {@code max_tokens}; null = until stop or context end
 * @param n              choices per prompt, 1..8
 * @param stop           up to 4 stop sequences
 * @param stream         SSE streaming
 * @param includeUsage   {@code stream_options.include_usage}
 * @param logprobs       whether to return log-probabilities
 * @param topLogprobs    alternatives per token, 0..20
 * @param seed           sampling seed, or null for a random one
 * @param sampling       sampler settings (seed filled in per choice)
 * @param ignoreEos      {@code ignore_eos} (llama.cpp's extension): generate past end-of-generation tokens, until
 *                       {@code max_tokens} or a stop sequence (benchmarks use it for replies of a fixed length)
 */
public record GenerationOptions(Integer maxTokens, int n, List<String> stop, boolean stream, boolean includeUsage,
                         boolean logprobs, int topLogprobs, Long seed, SamplingParams sampling, boolean ignoreEos) {

    /**
     * Reads the fields. Defaults follow llama.cpp's server where OpenAI leaves the choice to the server:
     * temperature 0.8, top_k 40, top_p 0.95, min_p 0.05, no repetition penalty.
     *
     * @param chat chat completions ({@code logprobs} boolean + {@code top_logprobs}) rather than completions
     *             ({@code logprobs} integer 0..5)
     */
    public static GenerationOptions parse(JsonNode body, boolean chat) {
        Integer maxTokens = Fields.integer(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) {
            maxTokens = Fields.integer(body, "max_tokens", 1, Integer.MAX_VALUE);
        }
        Integer n = Fields.integer(body, "n", 1, 8);
        boolean stream = Fields.bool(body, "stream", false);
        boolean includeUsage = false;
        JsonNode so = Fields.present(body, "stream_options");
        if (so != null) {
            if (!so.isObject()) {
                throw Fields.wrongType("stream_options", so, "an object");
            }
            if (!stream) {
                throw ApiException.invalidRequest("stream_options",
                        "Invalid 'stream_options': only allowed when 'stream' is true.");
            }
            includeUsage = Fields.bool(so, "include_usage", false);
        }
        boolean logprobs;
        int topLogprobs;
        if (chat) {
            logprobs = Fields.bool(body, "logprobs", false);
            Integer top = Fields.integer(body, "top_logprobs", 0, 20);
            if (top != null && !logprobs) {
                throw ApiException.invalidRequest("top_logprobs",
                        "Invalid 'top_logprobs': 'logprobs' must be true when 'top_logprobs' is set.");
            }
            topLogprobs = top == null ? 0 : top;
        } else {
            Integer lp = Fields.integer(body, "logprobs", 0, 5);
            logprobs = lp != null;
            topLogprobs = lp == null ? 0 : lp;
        }
        Long seed = Fields.longValue(body, "seed");

        SamplingParams s = SamplingParams.defaults();
        Float temperature = Fields.number(body, "temperature", 0, 2);
        if (temperature != null) {
            s = s.withTemperature(temperature);
        }
        Float topP = Fields.number(body, "top_p", 0, 1);
        if (topP != null) {
            s = s.withTopP(topP);
        }
        Integer topK = Fields.integer(body, "top_k", 0, 1_000_000);
        if (topK != null) {
            s = s.withTopK(topK);
        }
        Float minP = Fields.number(body, "min_p", 0, 1);
        if (minP != null) {
            s = s.withMinP(minP);
        }
        Float repeat = Fields.number(body, "repeat_penalty", 0.0001, 100);
        if (repeat != null) {
            s = s.withRepeatPenalty(repeat);
        }
        Float presence = Fields.number(body, "presence_penalty", -2, 2);
        if (presence != null) {
            s = s.withPresencePenalty(presence);
        }
        Float frequency = Fields.number(body, "frequency_penalty", -2, 2);
        if (frequency != null) {
            s = s.withFrequencyPenalty(frequency);
        }
        s = s.withLogitBias(logitBias(body)).withTopLogprobs(topLogprobs);
        Fields.string(body, "user", null); // accepted and type-checked; not used for generation
        boolean ignoreEos = Fields.bool(body, "ignore_eos", false);
        return new GenerationOptions(maxTokens, n == null ? 1 : n, Fields.stop(body), stream, includeUsage, logprobs,
                topLogprobs, seed, s, ignoreEos);
    }

    private static Map<Integer, Float> logitBias(JsonNode body) {
        JsonNode v = Fields.present(body, "logit_bias");
        if (v == null) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw Fields.wrongType("logit_bias", v, "an object mapping token ids to numbers");
        }
        Map<Integer, Float> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw ApiException.invalidRequest("logit_bias", "Invalid 'logit_bias': key '" + e.getKey()
                        + "' is not a token id.");
            }
            if (id < 0) {
                throw ApiException.invalidRequest("logit_bias", "Invalid 'logit_bias': token id " + id + " is negative.");
            }
            JsonNode b = e.getValue();
            if (!b.isNumber() || b.asDouble() < -100 || b.asDouble() > 100) {
                throw ApiException.invalidRequest("logit_bias", "Invalid 'logit_bias' for token " + id
                        + ": expected a number from -100 to 100, got " + b + ".");
            }
            out.put(id, (float) b.asDouble());
        }
        return out;
    }
}
