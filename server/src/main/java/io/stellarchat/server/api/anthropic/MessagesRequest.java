package io.stellarchat.server.api.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ContentPart;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.Sampling;
import io.stellarchat.server.protocol.Tool;
import io.stellarchat.server.protocol.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An Anthropic Messages request read into the wire-neutral {@link ChatRequest}. A wrong shape is a 400 naming
 * the field ({@code messages[1].content[0].tool_use_id}).
 *
 * <ul>
 *   <li>{@code system} (a string or {@code text} blocks) → one system message first.</li>
 *   <li>A user message's {@code text} blocks → a user message; each {@code tool_result} block → a tool message
 *       answering its {@code tool_use_id} (its content a string or text blocks; {@code is_error: true} prefixes
 *       the text with {@value #ERROR_PREFIX}, since a chat template has no other way to say it). Blocks keep
 *       their order: results before text give tool messages, then the user's text.</li>
 *   <li>An assistant message's {@code text} blocks → content, {@code tool_use} blocks → tool calls (the
 *       {@code input} object as the arguments JSON); {@code thinking} and {@code redacted_thinking} blocks are
 *       dropped (a template re-renders no past reasoning).</li>
 *   <li>{@code image}, {@code document} and other blocks → 400 (the models served take text only).</li>
 *   <li>{@code max_tokens} is required, as Anthropic requires; {@code stop_sequences}, {@code temperature} (0..1),
 *       {@code top_p}, {@code top_k}.</li>
 *   <li>{@code tools} {name, description, input_schema} (server tools, which have another {@code type}, → 400);
 *       {@code tool_choice} auto / any / tool / none → OpenAI's {@code "auto"}, {@code "required"},
 *       {@code {type: function, function: {name}}}, {@code "none"} (a required or named call is decoded under a
 *       grammar by the local provider); {@code disable_parallel_tool_use: true} → {@code parallel_tool_calls: false}.</li>
 *   <li>{@code thinking} {type: enabled, budget_tokens} → the template argument {@code enable_thinking: true}
 *       (disabled → false) and, for Anthropic upstreams, the field itself. The budget is not enforced apart from
 *       {@code max_tokens}.</li>
 *   <li>{@code metadata} and unknown fields are ignored.</li>
 * </ul>
 *
 * @param chat     the request for the gateway
 * @param thinking whether {@code thinking} was enabled
 */
record MessagesRequest(ChatRequest chat, boolean thinking) {
    static final String ERROR_PREFIX = "Error: ";

    /**
     * Reads a {@code /v1/messages} body.
     *
     * @param countOnly a {@code count_tokens} body: {@code max_tokens} and sampling are not required or read
     */
    static MessagesRequest parse(JsonNode body, boolean countOnly) {
        String model = Fields.requiredString(body, "model");
        Integer maxTokens = null;
        GenerationParams params = GenerationParams.DEFAULTS;
        boolean stream = false;
        if (!countOnly) {
            if (Fields.present(body, "max_tokens") == null) {
                throw ApiException.invalidRequest("max_tokens", "max_tokens: Field required");
            }
            maxTokens = Fields.integer(body, "max_tokens", 1, Integer.MAX_VALUE);
            Sampling sampling = new Sampling(Fields.number(body, "temperature", 0, 1), Fields.number(body, "top_p", 0, 1),
                    Fields.integer(body, "top_k", 0, 1_000_000), null, null, null, null, Map.of(), null);
            params = new GenerationParams(maxTokens, 1, stopSequences(body), false, 0, false, sampling);
            stream = Fields.bool(body, "stream", false);
        }
        List<Message> messages = new ArrayList<>();
        String system = system(body);
        if (system != null) messages.add(Message.text(Role.SYSTEM, system));
        messages(body, messages);
        ObjectNode extra = JsonNodeFactory.instance.objectNode();
        List<Tool> tools = tools(body);
        JsonNode toolChoice = toolChoice(body, extra);
        boolean thinking = thinking(body, extra, maxTokens);
        return new MessagesRequest(new ChatRequest(model, messages, params, tools, toolChoice, null, stream, false, extra),
                thinking);
    }

    private static List<String> stopSequences(JsonNode body) {
        JsonNode v = Fields.present(body, "stop_sequences");
        if (v == null) return List.of();
        if (!v.isArray()) throw Fields.wrongType("stop_sequences", v, "an array of strings");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) throw Fields.wrongType("stop_sequences[" + i + "]", v.get(i), "a string");
            if (!v.get(i).asText().isEmpty()) out.add(v.get(i).asText());
        }
        return out;
    }

    private static String system(JsonNode body) {
        JsonNode s = Fields.present(body, "system");
        if (s == null) return null;
        if (s.isTextual()) return s.asText().isEmpty() ? null : s.asText();
        if (!s.isArray()) throw Fields.wrongType("system", s, "a string or an array of text blocks");
        String text = texts(s, "system");
        return text.isEmpty() ? null : text;
    }

    /** The text of an array of {@code text} blocks, joined by blank lines; any other block is a 400. */
    private static String texts(JsonNode blocks, String at) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < blocks.size(); i++) {
            String bat = at + "[" + i + "]";
            JsonNode block = blocks.get(i);
            String type = blockType(block, bat);
            if (!type.equals("text")) throw unsupported(bat, type, "'text'");
            if (!b.isEmpty()) b.append("\n\n");
            b.append(text(block, bat));
        }
        return b.toString();
    }

    private static void messages(JsonNode body, List<Message> out) {
        JsonNode messages = Fields.present(body, "messages");
        if (messages == null) throw ApiException.invalidRequest("messages", "messages: Field required");
        if (!messages.isArray()) throw Fields.wrongType("messages", messages, "an array");
        if (messages.isEmpty()) throw ApiException.invalidRequest("messages", "messages: at least one message is required");
        for (int i = 0; i < messages.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode m = messages.get(i);
            if (!m.isObject()) throw Fields.wrongType(at, m, "an object");
            JsonNode roleNode = Fields.present(m, "role");
            String role = roleNode != null && roleNode.isTextual() ? roleNode.asText() : null;
            if (!"user".equals(role) && !"assistant".equals(role)) {
                throw ApiException.invalidRequest(at + ".role", at + ".role: Input should be 'user' or 'assistant'");
            }
            JsonNode content = Fields.present(m, "content");
            if (content == null) throw ApiException.invalidRequest(at + ".content", at + ".content: Field required");
            if (content.isTextual()) {
                out.add(Message.text(role.equals("user") ? Role.USER : Role.ASSISTANT, content.asText()));
            } else if (!content.isArray()) {
                throw Fields.wrongType(at + ".content", content, "a string or an array of content blocks");
            } else if (role.equals("user")) {
                user(content, at + ".content", out);
            } else {
                assistant(content, at + ".content", out);
            }
        }
    }

    /** A user turn: tool results become tool messages, text blocks a user message, in the order given. */
    private static void user(JsonNode blocks, String at, List<Message> out) {
        List<ContentPart> text = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String bat = at + "[" + i + "]";
            JsonNode block = blocks.get(i);
            switch (blockType(block, bat)) {
                case "text" -> text.add(new ContentPart.Text(text(block, bat)));
                case "tool_result" -> {
                    if (!text.isEmpty()) {
                        out.add(new Message(Role.USER, text, null, List.of(), null));
                        text = new ArrayList<>();
                    }
                    out.add(toolResult(block, bat));
                }
                case "image" -> throw ApiException.invalidRequest(bat + ".type", "Image content blocks are not "
                        + "supported: the models served here take text only (use 'text' and 'tool_result' blocks).");
                default -> throw unsupported(bat, blockType(block, bat), "'text', 'tool_result'");
            }
        }
        if (!text.isEmpty()) out.add(new Message(Role.USER, text, null, List.of(), null));
    }

    private static Message toolResult(JsonNode block, String at) {
        JsonNode id = Fields.present(block, "tool_use_id");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            throw ApiException.invalidRequest(at + ".tool_use_id", at + ".tool_use_id: Field required");
        }
        JsonNode content = Fields.present(block, "content");
        String text;
        if (content == null) {
            text = "";
        } else if (content.isTextual()) {
            text = content.asText();
        } else if (content.isArray()) {
            for (int i = 0; i < content.size(); i++) {
                if ("image".equals(blockType(content.get(i), at + ".content[" + i + "]"))) {
                    throw ApiException.invalidRequest(at + ".content[" + i + "].type", "Image content blocks are not "
                            + "supported: the models served here take text only.");
                }
            }
            text = texts(content, at + ".content");
        } else {
            throw Fields.wrongType(at + ".content", content, "a string or an array of text blocks");
        }
        JsonNode isError = Fields.present(block, "is_error");
        if (isError != null && !isError.isBoolean()) throw Fields.wrongType(at + ".is_error", isError, "a boolean");
        if (isError != null && isError.asBoolean()) text = ERROR_PREFIX + text;
        return new Message(Role.TOOL, List.of(new ContentPart.Text(text)), null, List.of(), id.asText());
    }

    /** An assistant turn: text blocks → content, tool_use blocks → calls; past thinking is dropped. */
    private static void assistant(JsonNode blocks, String at, List<Message> out) {
        List<ContentPart> text = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String bat = at + "[" + i + "]";
            JsonNode block = blocks.get(i);
            switch (blockType(block, bat)) {
                case "text" -> text.add(new ContentPart.Text(text(block, bat)));
                case "tool_use" -> {
                    String id = Fields.requiredString(block, "id");
                    String name = Fields.requiredString(block, "name");
                    JsonNode input = Fields.present(block, "input");
                    if (input != null && !input.isObject()) throw Fields.wrongType(bat + ".input", input, "an object");
                    calls.add(new ToolCall(id, name, input == null ? "{}" : input.toString()));
                }
                case "thinking", "redacted_thinking" -> { } // reasoning of an earlier turn: not re-rendered
                default -> throw unsupported(bat, blockType(block, bat), "'text', 'tool_use', 'thinking'");
            }
        }
        out.add(new Message(Role.ASSISTANT, text, null, calls, null));
    }

    private static String blockType(JsonNode block, String at) {
        if (!block.isObject()) throw Fields.wrongType(at, block, "an object");
        JsonNode type = Fields.present(block, "type");
        if (type == null || !type.isTextual()) throw ApiException.invalidRequest(at + ".type", at + ".type: Field required");
        return type.asText();
    }

    private static String text(JsonNode block, String at) {
        JsonNode t = Fields.present(block, "text");
        if (t == null || !t.isTextual()) throw ApiException.invalidRequest(at + ".text", at + ".text: expected a string");
        return t.asText();
    }

    private static ApiException unsupported(String at, String type, String allowed) {
        return ApiException.invalidRequest(at + ".type", "Content block type '" + type + "' is not supported here; "
                + "use " + allowed + ".");
    }

    private static List<Tool> tools(JsonNode body) {
        JsonNode tools = Fields.present(body, "tools");
        if (tools == null) return List.of();
        if (!tools.isArray()) throw Fields.wrongType("tools", tools, "an array");
        List<Tool> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            String at = "tools[" + i + "]";
            JsonNode t = tools.get(i);
            if (!t.isObject()) throw Fields.wrongType(at, t, "an object");
            JsonNode type = Fields.present(t, "type");
            if (type != null && !"custom".equals(type.asText())) {
                throw ApiException.invalidRequest(at + ".type", "Tool type '" + type.asText() + "' is not supported: "
                        + "only client tools ({name, description, input_schema}) are.");
            }
            JsonNode name = Fields.present(t, "name");
            if (name == null || !name.isTextual() || name.asText().isEmpty()) {
                throw ApiException.invalidRequest(at + ".name", at + ".name: Field required");
            }
            JsonNode schema = Fields.present(t, "input_schema");
            if (schema == null) throw ApiException.invalidRequest(at + ".input_schema", at + ".input_schema: Field required");
            if (!schema.isObject()) throw Fields.wrongType(at + ".input_schema", schema, "an object (a JSON Schema)");
            out.add(new Tool(name.asText(), Fields.string(t, "description", null), schema, null));
        }
        return out;
    }

    /** Anthropic's {@code tool_choice} in OpenAI's shape, which the providers read. */
    private static JsonNode toolChoice(JsonNode body, ObjectNode extra) {
        JsonNode c = Fields.present(body, "tool_choice");
        if (c == null) return null;
        if (!c.isObject()) throw Fields.wrongType("tool_choice", c, "an object");
        if (Fields.bool(c, "disable_parallel_tool_use", false)) extra.put("parallel_tool_calls", false);
        JsonNodeFactory f = JsonNodeFactory.instance;
        String type = Fields.string(c, "type", null);
        if (type == null) throw ApiException.invalidRequest("tool_choice.type", "tool_choice.type: Field required");
        return switch (type) {
            case "auto" -> f.textNode("auto");
            case "any" -> f.textNode("required");
            case "none" -> f.textNode("none");
            case "tool" -> {
                JsonNode name = Fields.present(c, "name");
                if (name == null || !name.isTextual()) {
                    throw ApiException.invalidRequest("tool_choice.name", "tool_choice.name: Field required");
                }
                ObjectNode o = f.objectNode().put("type", "function");
                o.putObject("function").put("name", name.asText());
                yield o;
            }
            default -> throw ApiException.invalidRequest("tool_choice.type", "tool_choice.type: Input should be "
                    + "'auto', 'any', 'tool' or 'none'");
        };
    }

    private static boolean thinking(JsonNode body, ObjectNode extra, Integer maxTokens) {
        JsonNode t = Fields.present(body, "thinking");
        if (t == null) return false;
        if (!t.isObject()) throw Fields.wrongType("thinking", t, "an object");
        String type = Fields.string(t, "type", null);
        boolean enabled;
        if ("enabled".equals(type)) {
            if (Fields.present(t, "budget_tokens") == null) {
                throw ApiException.invalidRequest("thinking.budget_tokens", "thinking.budget_tokens: Field required");
            }
            Integer budget = Fields.integer(t, "budget_tokens", 1, Integer.MAX_VALUE);
            if (maxTokens != null && budget >= maxTokens) {
                throw ApiException.invalidRequest("thinking.budget_tokens", "`max_tokens` must be greater than "
                        + "`thinking.budget_tokens`.");
            }
            enabled = true;
        } else if ("disabled".equals(type)) {
            enabled = false;
        } else {
            throw ApiException.invalidRequest("thinking.type", "thinking.type: Input should be 'enabled' or 'disabled'");
        }
        extra.set("thinking", t.deepCopy());
        extra.putObject("chat_template_kwargs").put("enable_thinking", enabled);
        return enabled;
    }
}
