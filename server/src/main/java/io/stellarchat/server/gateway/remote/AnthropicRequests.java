package io.stellarchat.server.gateway.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ContentPart;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Sampling;
import io.stellarchat.server.protocol.Tool;
import io.stellarchat.server.protocol.ToolCall;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Protocol records → an Anthropic Messages request ({@code POST /messages}).
 *
 * <ul>
 *   <li>System and developer messages → the top-level {@code system} text (joined by blank lines).</li>
 *   <li>User and assistant parts → {@code text} blocks and {@code image} blocks: a base64 {@code data:} URL becomes
 *       {@code source: {type: base64, media_type, data}}, any other URL {@code source: {type: url, url}}.</li>
 *   <li>An assistant's tool calls → {@code tool_use} blocks whose {@code input} is the parsed arguments JSON.</li>
 *   <li>Tool messages → {@code tool_result} blocks in a user message; consecutive results share one message.</li>
 *   <li>Tools → {@code {name, description, input_schema}}; {@code tool_choice} auto / none / required /
 *       {@code {function}} → {@code {type: auto | none | any | tool}}.</li>
 *   <li>{@code max_tokens} is required by Anthropic: the request's, else {@value #DEFAULT_MAX_TOKENS}; temperature,
 *       top_p, top_k; stop → {@code stop_sequences}. Fields Anthropic does not have (penalties, seed, logprobs) are
 *       not sent; {@code n > 1} is refused (one answer per request).</li>
 *   <li>From {@code extra}, only fields of Anthropic's own API are passed ({@link #PASSED_EXTRA}), since the rest are
 *       OpenAI-compatible servers' extensions that Anthropic rejects.</li>
 * </ul>
 */
final class AnthropicRequests {
    static final int DEFAULT_MAX_TOKENS = 4096;
    static final Set<String> PASSED_EXTRA = Set.of("thinking", "metadata", "service_tier", "top_k");

    private AnthropicRequests() {}

    static ObjectNode messages(ChatRequest r) {
        GenerationParams p = r.params();
        if (p.n() != 1) throw ProviderException.invalid("n", "Anthropic upstreams answer one choice per request");
        ObjectNode body = RemoteJson.object();
        body.put("model", r.model());
        body.put("max_tokens", p.maxTokens() != null ? p.maxTokens() : DEFAULT_MAX_TOKENS);
        StringBuilder system = new StringBuilder();
        ArrayNode messages = RemoteJson.MAPPER.createArrayNode();
        ArrayNode toolResults = null; // the content of the user message that collects consecutive tool results
        for (int i = 0; i < r.messages().size(); i++) {
            Message m = r.messages().get(i);
            String param = "messages[" + i + "]";
            switch (m.role()) {
                case SYSTEM, DEVELOPER -> {
                    if (!system.isEmpty()) system.append("\n\n");
                    system.append(m.text());
                    toolResults = null;
                }
                case USER -> {
                    messages.addObject().put("role", "user").set("content", blocks(m.content(), param));
                    toolResults = null;
                }
                case ASSISTANT -> {
                    ArrayNode content = blocks(m.content(), param);
                    for (int c = 0; c < m.toolCalls().size(); c++) {
                        ToolCall call = m.toolCalls().get(c);
                        content.addObject().put("type", "tool_use").put("id", call.id()).put("name", call.name())
                                .set("input", arguments(call.arguments(), param + ".tool_calls[" + c + "]"));
                    }
                    if (!content.isEmpty()) messages.addObject().put("role", "assistant").set("content", content);
                    toolResults = null;
                }
                case TOOL -> {
                    if (m.toolCallId() == null) throw ProviderException.invalid(param + ".tool_call_id", "a tool message names the call it answers");
                    if (toolResults == null) {
                        toolResults = messages.addObject().put("role", "user").putArray("content");
                    }
                    ObjectNode result = toolResults.addObject().put("type", "tool_result").put("tool_use_id", m.toolCallId());
                    if (m.hasNonText()) result.set("content", blocks(m.content(), param));
                    else result.put("content", m.text());
                }
            }
        }
        if (!system.isEmpty()) body.put("system", system.toString());
        body.set("messages", messages);
        if (!r.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (Tool t : r.tools()) {
                ObjectNode o = tools.addObject().put("name", t.name());
                if (t.description() != null) o.put("description", t.description());
                o.set("input_schema", t.parameters() != null ? t.parameters()
                        : RemoteJson.object().put("type", "object").set("properties", RemoteJson.object()));
            }
        }
        if (r.toolChoice() != null) body.set("tool_choice", toolChoice(r.toolChoice()));
        if (r.responseFormat() != null && !"text".equals(RemoteJson.text(r.responseFormat(), "type"))) {
            throw ProviderException.invalid("response_format", "Anthropic upstreams do not take response_format");
        }
        Sampling s = p.sampling();
        if (s.temperature() != null) body.put("temperature", s.temperature());
        if (s.topP() != null) body.put("top_p", s.topP());
        if (s.topK() != null) body.put("top_k", s.topK());
        if (!p.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop_sequences");
            p.stop().forEach(stop::add);
        }
        r.extra().properties().forEach(e -> {
            if (PASSED_EXTRA.contains(e.getKey())) body.set(e.getKey(), e.getValue().deepCopy());
        });
        body.put("stream", true);
        return body;
    }

    private static ArrayNode blocks(List<ContentPart> parts, String param) {
        ArrayNode out = RemoteJson.MAPPER.createArrayNode();
        for (int i = 0; i < parts.size(); i++) {
            switch (parts.get(i)) {
                case ContentPart.Text t -> {
                    if (!t.text().isEmpty()) out.addObject().put("type", "text").put("text", t.text()); // no empty blocks
                }
                case ContentPart.Image img -> out.addObject().put("type", "image")
                        .set("source", imageSource(img.url(), param + ".content[" + i + "]"));
            }
        }
        return out;
    }

    /** {@code data:<media type>;base64,<data>} → a base64 source (RFC 2397); any other URL → a url source. */
    private static ObjectNode imageSource(String url, String param) {
        if (!url.regionMatches(true, 0, "data:", 0, 5)) {
            return RemoteJson.object().put("type", "url").put("url", url);
        }
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring(5, comma);
        if (comma < 0 || !header.endsWith(";base64")) {
            throw ProviderException.invalid(param, "an image data: URL must be base64-encoded");
        }
        String mediaType = header.substring(0, header.length() - ";base64".length());
        return RemoteJson.object().put("type", "base64").put("media_type", mediaType.isEmpty() ? "image/png" : mediaType)
                .put("data", url.substring(comma + 1));
    }

    private static JsonNode arguments(String arguments, String param) {
        if (arguments.isBlank()) return RemoteJson.object();
        try {
            JsonNode input = RemoteJson.MAPPER.readTree(arguments);
            if (input != null && input.isObject()) return input;
        } catch (IOException ignored) {
            // reported below
        }
        throw ProviderException.invalid(param + ".function.arguments", "tool call arguments must be a JSON object");
    }

    private static ObjectNode toolChoice(JsonNode choice) {
        if (choice.isTextual()) {
            return switch (choice.asText()) {
                case "auto" -> RemoteJson.object().put("type", "auto");
                case "none" -> RemoteJson.object().put("type", "none");
                case "required" -> RemoteJson.object().put("type", "any");
                default -> throw ProviderException.invalid("tool_choice", "unknown tool_choice: " + choice.asText());
            };
        }
        String name = RemoteJson.text(choice.path("function"), "name");
        if (name == null) throw ProviderException.invalid("tool_choice", "tool_choice names no function");
        return RemoteJson.object().put("type", "tool").put("name", name);
    }
}
