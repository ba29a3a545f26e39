package io.stellarchat.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.Usage;

/**
 * The JSON shapes every route group shares, built in one place: OpenAI's {@code usage} object (plain responses,
 * the last SSE chunk, session replies, WebSocket {@code end} frames), OpenAI's {@code finish_reason} and the
 * error body (see {@link ErrorBody}) carried by SSE error events and WebSocket error frames.
 */
public final class WireJson {
    private WireJson() {}

    /**
     * OpenAI's {@code usage}: prompt, completion and total tokens, {@code prompt_tokens_details.cached_tokens},
     * {@code completion_tokens_details.reasoning_tokens}, and llama.cpp's {@code timings} when the answering
     * engine measured them.
     */
    public static ObjectNode usage(ObjectMapper json, Usage u) {
        ObjectNode o = json.createObjectNode();
        o.put("prompt_tokens", u.promptTokens());
        o.put("completion_tokens", u.completionTokens());
        o.put("total_tokens", u.totalTokens());
        o.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        o.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        if (u.timings() != null) {
            ObjectNode t = o.putObject("timings");
            t.put("prompt_ms", u.timings().promptMs());
            t.put("prompt_per_second", u.timings().promptPerSecond());
            t.put("predicted_ms", u.timings().predictedMs());
            t.put("predicted_per_second", u.timings().predictedPerSecond());
        }
        return o;
    }

    /**
     * OpenAI's {@code finish_reason}. A stop asked for by the user (or a client gone) reads {@code stop}, as
     * llama.cpp's server says; an answer cut by a failure reads {@code error} (only stored replies have it).
     */
    public static String finishReason(FinishReason r) {
        return switch (r) {
            case STOP, CANCELLED -> "stop";
            case LENGTH -> "length";
            case TOOL_CALLS -> "tool_calls";
            case CONTENT_FILTER -> "content_filter";
            case ERROR -> "error";
        };
    }

    /** The error body {@code {"error": {message, type, param, code}}} of {@code e}. */
    public static ObjectNode error(ObjectMapper json, ApiException e) {
        return ErrorBody.of(e).tree(json);
    }
}
