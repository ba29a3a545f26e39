package io.stellarchat.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Sampling;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The generation fields of OpenAI's chat completions and completions, validated into the wire-neutral
 * {@link GenerationParams}: the OpenAI dialect reads them from a request body, the sessions REST API and the
 * WebSocket chat from a session's {@code sampling} defaults and a message's overrides (they use OpenAI's
 * names). A known field with a wrong type or range is a 400 naming it; an unset field stays null, so the
 * answering model's defaults apply.
 *
 * @param params       what to generate
 * @param stream       SSE streaming
 * @param includeUsage {@code stream_options.include_usage}
 */
public record GenerationFields(GenerationParams params, boolean stream, boolean includeUsage) {

    /** The field names this reader interprets (the OpenAI dialect passes the others on as extras). */
    public static final Set<String> NAMES = Set.of("max_completion_tokens", "max_tokens", "n", "stream",
            "stream_options", "logprobs", "top_logprobs", "seed", "temperature", "top_p", "top_k", "min_p",
            "repeat_penalty", "presence_penalty", "frequency_penalty", "logit_bias", "ignore_eos", "stop");

    /**
     * Reads the fields.
     *
     * @param chat chat completions ({@code logprobs} boolean + {@code top_logprobs}) rather than completions
     *             ({@code logprobs} integer 0..5)
     */
    public static GenerationFields parse(JsonNode body, boolean chat) {
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
        Sampling sampling = new Sampling(Fields.number(body, "temperature", 0, 2), Fields.number(body, "top_p", 0, 1),
                Fields.integer(body, "top_k", 0, 1_000_000), Fields.number(body, "min_p", 0, 1),
                Fields.number(body, "repeat_penalty", 0.0001, 100), Fields.number(body, "presence_penalty", -2, 2),
                Fields.number(body, "frequency_penalty", -2, 2), logitBias(body), Fields.longValue(body, "seed"));
        boolean ignoreEos = Fields.bool(body, "ignore_eos", false);
        return new GenerationFields(new GenerationParams(maxTokens, n == null ? 1 : n, Fields.stop(body), logprobs,
                topLogprobs, ignoreEos, sampling), stream, includeUsage);
    }

    /** Fields a session turn does not take (one streamed choice, no log-probabilities). */
    private static final java.util.List<String> NOT_FOR_SESSIONS = java.util.List.of("stream", "stream_options", "n",
            "logprobs", "top_logprobs");

    /**
     * A session's sampling defaults or a message's overrides (OpenAI names; the fields a turn cannot use are
     * left out), validated like a chat request's.
     */
    public static GenerationParams forSession(JsonNode fields) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = fields != null && fields.isObject()
                ? ((com.fasterxml.jackson.databind.node.ObjectNode) fields).deepCopy()
                : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        copy.remove(NOT_FOR_SESSIONS);
        return parse(copy, true).params();
    }

    /**
     * A session's stored sampling defaults (the JSON text the sessions API stored after checking it with
     * {@link #forSession}); text that no longer reads gives the model's defaults.
     */
    public static GenerationParams storedSession(com.fasterxml.jackson.databind.ObjectMapper json, String stored) {
        try {
            return forSession(json.readTree(stored));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | ApiException e) {
            return GenerationParams.DEFAULTS;
        }
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
