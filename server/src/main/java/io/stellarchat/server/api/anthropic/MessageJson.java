package io.stellarchat.server.api.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.ToolCall;
import io.stellarchat.server.protocol.Usage;
import java.io.IOException;
import java.util.UUID;

/**
 * The JSON shapes of Anthropic's Messages API, built in one place: the {@code message} object (whole, or empty
 * as {@code message_start} carries it), content blocks, {@code stop_reason} and {@code usage}.
 */
final class MessageJson {
    private MessageJson() {}

    /** A message id as Anthropic writes them: {@code msg_} and 24 hex digits. */
    static String messageId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    /** A tool_use id: {@code toolu_…}; a call id from elsewhere keeps its tail so a round trip finds it again. */
    static String toolUseId(String callId) {
        if (callId.startsWith("toolu_")) return callId;
        return "toolu_" + (callId.startsWith("call_") ? callId.substring(5) : callId);
    }

    /**
     * Anthropic's {@code stop_reason}: a normal stop {@code end_turn} (the engine does not tell which stop
     * sequence matched, so {@code stop_sequence} is not reported), the length limit {@code max_tokens}, tool calls
     * {@code tool_use}, a content filter {@code refusal}; a cancelled or failed answer reads {@code end_turn}.
     */
    static String stopReason(FinishReason r) {
        return switch (r) {
            case STOP, CANCELLED, ERROR -> "end_turn";
            case LENGTH -> "max_tokens";
            case TOOL_CALLS -> "tool_use";
            case CONTENT_FILTER -> "refusal";
        };
    }

    /**
     * Anthropic's {@code usage}: {@code input_tokens} are the prompt tokens not read from a cache,
     * {@code cache_read_input_tokens} those that were (the prefix cache's hits), as Anthropic counts them apart.
     */
    static ObjectNode usage(ObjectMapper json, Usage u) {
        ObjectNode o = json.createObjectNode();
        o.put("input_tokens", Math.max(0, u.promptTokens() - u.cachedTokens()));
        o.put("cache_creation_input_tokens", 0);
        o.put("cache_read_input_tokens", u.cachedTokens());
        o.put("output_tokens", u.completionTokens());
        return o;
    }

    /** The message envelope: id, type, role, model, content (empty), stop fields and usage. */
    static ObjectNode envelope(ObjectMapper json, String id, String model, String stopReason, Usage usage) {
        ObjectNode m = json.createObjectNode();
        m.put("id", id);
        m.put("type", "message");
        m.put("role", "assistant");
        m.put("model", model);
        m.putArray("content");
        if (stopReason == null) m.putNull("stop_reason");
        else m.put("stop_reason", stopReason);
        m.putNull("stop_sequence");
        m.set("usage", usage(json, usage));
        return m;
    }

    /** The whole message of a collected answer (its first choice): thinking, then text, then tool_use blocks. */
    static ObjectNode message(ObjectMapper json, String id, ChatCompletion answer) {
        ChatCompletion.Choice c = answer.choices().getFirst();
        ObjectNode m = envelope(json, id, answer.model(), stopReason(c.finish()), answer.usage());
        ArrayNode content = (ArrayNode) m.get("content");
        if (!c.reasoning().isEmpty()) content.add(thinkingBlock(json, c.reasoning()));
        StringBuilder text = new StringBuilder(c.content());
        ArrayNode calls = json.createArrayNode();
        for (ToolCall t : c.toolCalls()) {
            JsonNode input = input(json, t.arguments());
            if (input == null) { // not an object: the model's text stays visible rather than lost
                text.append(t.arguments());
                continue;
            }
            calls.add(toolUseBlock(json, toolUseId(t.id()), t.name(), input));
        }
        if (!text.isEmpty()) content.addObject().put("type", "text").put("text", text.toString());
        content.addAll(calls);
        return m;
    }

    static ObjectNode thinkingBlock(ObjectMapper json, String thinking) {
        return json.createObjectNode().put("type", "thinking").put("thinking", thinking).put("signature", "");
    }

    static ObjectNode toolUseBlock(ObjectMapper json, String id, String name, JsonNode input) {
        ObjectNode o = json.createObjectNode().put("type", "tool_use").put("id", id).put("name", name);
        o.set("input", input);
        return o;
    }

    /** Tool arguments as the object Anthropic's {@code input} is; null when they are not a JSON object. */
    static JsonNode input(ObjectMapper json, String arguments) {
        if (arguments.isBlank()) return json.createObjectNode();
        try {
            JsonNode n = json.readTree(arguments);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }
}
