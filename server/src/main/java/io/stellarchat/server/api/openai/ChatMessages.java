package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.api.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the OpenAI {@code messages} array into the plain values a chat template reads: a list of maps with
 * {@code role} and {@code content} (a string), plus {@code tool_calls} (arguments parsed from their JSON
 * string into objects, as templates expect) and {@code tool_call_id}. Content given as an array of text
 * parts is joined with newlines; {@code developer} messages are given to the template as {@code system}.
 */
final class ChatMessages {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatMessages() {}

    static List<Map<String, Object>> parse(JsonNode body) {
        JsonNode messages = Fields.present(body, "messages");
        if (messages == null) {
            throw ApiException.invalidRequest("messages", "Missing required parameter: 'messages'.");
        }
        if (!messages.isArray()) {
            throw Fields.wrongType("messages", messages, "an array");
        }
        if (messages.isEmpty()) {
            throw ApiException.invalidRequest("messages", "Invalid 'messages': empty array. Expected an array with minimum length 1.");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode m = messages.get(i);
            if (!m.isObject()) {
                throw Fields.wrongType(at, m, "an object");
            }
            JsonNode roleNode = m.get("role");
            if (roleNode == null || roleNode.isNull()) {
                throw ApiException.invalidRequest(at + ".role", "Missing required parameter: '" + at + ".role'.");
            }
            if (!roleNode.isTextual()) {
                throw Fields.wrongType(at + ".role", roleNode, "a string");
            }
            String role = roleNode.asText();
            if (!ROLES.contains(role)) {
                throw ApiException.invalidRequest(at + ".role", "Invalid value for '" + at + ".role': '" + role
                        + "'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.");
            }
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("role", role.equals("developer") ? "system" : role);
            msg.put("content", content(m.get("content"), at + ".content", role));
            JsonNode toolCalls = m.get("tool_calls");
            if (toolCalls != null && !toolCalls.isNull()) {
                msg.put("tool_calls", toolCalls(toolCalls, at + ".tool_calls"));
            }
            JsonNode toolCallId = m.get("tool_call_id");
            if (toolCallId != null && !toolCallId.isNull()) {
                if (!toolCallId.isTextual()) {
                    throw Fields.wrongType(at + ".tool_call_id", toolCallId, "a string");
                }
                msg.put("tool_call_id", toolCallId.asText());
            }
            JsonNode name = m.get("name");
            if (name != null && name.isTextual()) {
                msg.put("name", name.asText());
            }
            out.add(msg);
        }
        return out;
    }

    private static String content(JsonNode c, String at, String role) {
        if (c == null || c.isNull()) {
            if (role.equals("assistant")) {
                return "";
            }
            throw ApiException.invalidRequest(at, "Missing required parameter: '" + at + "'.");
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (!c.isArray()) {
            throw Fields.wrongType(at, c, "a string or an array of content parts");
        }
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String pat = at + "[" + j + "]";
            if (!part.isObject()) {
                throw Fields.wrongType(pat, part, "an object");
            }
            JsonNode type = part.get("type");
            if (type == null || !type.isTextual()) {
                throw ApiException.invalidRequest(pat + ".type", "Missing required parameter: '" + pat + ".type'.");
            }
            if (!type.asText().equals("text")) {
                throw ApiException.invalidRequest(pat + ".type", "Content part type '" + type.asText()
                        + "' is not supported: this model accepts text only (type 'text').");
            }
            JsonNode text = part.get("text");
            if (text == null || !text.isTextual()) {
                throw ApiException.invalidRequest(pat + ".text", "Invalid '" + pat + ".text': expected a string.");
            }
            if (!b.isEmpty()) {
                b.append('\n');
            }
            b.append(text.asText());
        }
        return b.toString();
    }

    private static List<Object> toolCalls(JsonNode calls, String at) {
        if (!calls.isArray()) {
            throw Fields.wrongType(at, calls, "an array");
        }
        List<Object> out = new ArrayList<>();
        for (int k = 0; k < calls.size(); k++) {
            JsonNode call = calls.get(k);
            Map<String, Object> c = JSON.convertValue(call, JSON.getTypeFactory()
                    .constructMapType(LinkedHashMap.class, String.class, Object.class));
            if (c.get("function") instanceof Map<?, ?> f && f.get("arguments") instanceof String args) {
                Map<String, Object> fn = new LinkedHashMap<>();
                f.forEach((key, value) -> fn.put(String.valueOf(key), value));
                try {
                    fn.put("arguments", JSON.readValue(args, Object.class));
                } catch (Exception e) {
                    throw ApiException.invalidRequest(at + "[" + k + "].function.arguments",
                            "Invalid '" + at + "[" + k + "].function.arguments': not valid JSON.");
                }
                c.put("function", fn);
            }
            out.add(c);
        }
        return out;
    }
}
