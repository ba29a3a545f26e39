package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.protocol.ContentPart;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.Tool;
import io.stellarchat.server.protocol.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads OpenAI's {@code messages} and {@code tools} into the wire-neutral {@link Message} and {@link Tool}
 * records, checking shapes and types (a wrong one is a 400 naming the field, e.g.
 * {@code messages[2].content[0].type}). Content may be a string or an array of {@code text} and
 * {@code image_url} parts; whether a model takes images is the answering provider's call.
 */
public final class ChatMessages {
    private ChatMessages() {}

    static List<Message> parse(JsonNode body) {
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
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(message(messages.get(i), "messages[" + i + "]"));
        }
        return out;
    }

    private static Message message(JsonNode m, String at) {
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
        Role role;
        try {
            role = Role.valueOf(roleNode.asText().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            role = null;
        }
        if (role == null || !role.key().equals(roleNode.asText())) {
            throw ApiException.invalidRequest(at + ".role", "Invalid value for '" + at + ".role': '" + roleNode.asText()
                    + "'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.");
        }
        List<ToolCall> calls = toolCalls(m.get("tool_calls"), at + ".tool_calls");
        List<ContentPart> content = content(m.get("content"), at + ".content", role == Role.ASSISTANT);
        String toolCallId = Fields.string(m, "tool_call_id", null);
        JsonNode name = m.get("name");
        return new Message(role, content, name != null && name.isTextual() ? name.asText() : null, calls, toolCallId);
    }

    private static List<ContentPart> content(JsonNode c, String at, boolean assistant) {
        if (c == null || c.isNull()) {
            if (assistant) {
                return List.of(); // an assistant message may hold only tool calls
            }
            throw ApiException.invalidRequest(at, "Missing required parameter: '" + at + "'.");
        }
        if (c.isTextual()) {
            return List.of(new ContentPart.Text(c.asText()));
        }
        if (!c.isArray()) {
            throw Fields.wrongType(at, c, "a string or an array of content parts");
        }
        List<ContentPart> parts = new ArrayList<>();
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
            switch (type.asText()) {
                case "text" -> {
                    JsonNode text = part.get("text");
                    if (text == null || !text.isTextual()) {
                        throw ApiException.invalidRequest(pat + ".text", "Invalid '" + pat + ".text': expected a string.");
                    }
                    parts.add(new ContentPart.Text(text.asText()));
                }
                case "image_url" -> {
                    JsonNode img = part.get("image_url");
                    JsonNode url = img == null ? null : img.isTextual() ? img : img.get("url");
                    if (url == null || !url.isTextual()) {
                        throw ApiException.invalidRequest(pat + ".image_url.url",
                                "Invalid '" + pat + ".image_url.url': expected a string.");
                    }
                    JsonNode detail = img.isObject() ? img.get("detail") : null;
                    parts.add(new ContentPart.Image(url.asText(), detail != null && detail.isTextual() ? detail.asText() : null));
                }
                default -> throw ApiException.invalidRequest(pat + ".type", "Content part type '" + type.asText()
                        + "' is not supported: use 'text' or 'image_url'.");
            }
        }
        return parts;
    }

    private static List<ToolCall> toolCalls(JsonNode calls, String at) {
        if (calls == null || calls.isNull()) {
            return List.of();
        }
        if (!calls.isArray()) {
            throw Fields.wrongType(at, calls, "an array");
        }
        List<ToolCall> out = new ArrayList<>();
        for (int k = 0; k < calls.size(); k++) {
            String cat = at + "[" + k + "]";
            JsonNode call = calls.get(k);
            if (!call.isObject()) {
                throw Fields.wrongType(cat, call, "an object");
            }
            JsonNode fn = call.get("function");
            if (fn == null || !fn.isObject()) {
                throw ApiException.invalidRequest(cat + ".function", "Missing required parameter: '" + cat + ".function'.");
            }
            String name = Fields.requiredString(fn, "name");
            JsonNode args = fn.get("arguments");
            String arguments = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : args.toString();
            String id = Fields.string(call, "id", "call_" + k);
            out.add(new ToolCall(id, name, arguments));
        }
        return out;
    }

    /** OpenAI's {@code tools}: function tools only. */
    public static List<Tool> tools(JsonNode body) {
        JsonNode tools = Fields.present(body, "tools");
        if (tools == null) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw Fields.wrongType("tools", tools, "an array");
        }
        List<Tool> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            String at = "tools[" + i + "]";
            JsonNode t = tools.get(i);
            if (!t.isObject()) {
                throw Fields.wrongType(at, t, "an object");
            }
            String type = Fields.string(t, "type", "function");
            if (!type.equals("function")) {
                throw ApiException.invalidRequest(at + ".type", "Invalid value for '" + at + ".type': '" + type
                        + "'. Supported values are: 'function'.");
            }
            JsonNode fn = t.get("function");
            if (fn == null || !fn.isObject()) {
                throw ApiException.invalidRequest(at + ".function", "Missing required parameter: '" + at + ".function'.");
            }
            JsonNode name = fn.get("name");
            if (name == null || !name.isTextual() || name.asText().isEmpty()) {
                throw ApiException.invalidRequest(at + ".function.name", "Missing required parameter: '" + at + ".function.name'.");
            }
            JsonNode desc = fn.get("description");
            JsonNode params = Fields.present(fn, "parameters");
            if (params != null && !params.isObject()) {
                throw Fields.wrongType(at + ".function.parameters", params, "an object (a JSON Schema)");
            }
            JsonNode strict = fn.get("strict");
            out.add(new Tool(name.asText(), desc != null && desc.isTextual() ? desc.asText() : null, params,
                    strict != null && strict.isBoolean() ? strict.asBoolean() : null));
        }
        return out;
    }
}
