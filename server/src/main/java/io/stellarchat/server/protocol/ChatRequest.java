package io.stellarchat.server.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * A chat completion request.
 *
 * @param model          the model id the client named (a provider gets the upstream's own name)
 * @param messages       the conversation, oldest first; at least one
 * @param params         generation settings
 * @param tools          functions the model may call (empty for none)
 * @param toolChoice     OpenAI's {@code tool_choice} as given ({@code "auto"}, {@code "none"}, {@code "required"}
 *                       or an object), or null
 * @param responseFormat OpenAI's {@code response_format} as given, or null
 * @param stream         whether the client reads the answer as it is generated
 * @param includeUsage   whether a streaming client asked for a last usage chunk
 * @param extra          request fields this server does not interpret, passed on to OpenAI-compatible upstreams
 *                       (vLLM's and llama.cpp's extensions, {@code chat_template_kwargs}, ...); empty for none
 */
public record ChatRequest(String model, List<Message> messages, GenerationParams params, List<Tool> tools,
                          JsonNode toolChoice, JsonNode responseFormat, boolean stream, boolean includeUsage,
                          ObjectNode extra) {
    public ChatRequest {
        Objects.requireNonNull(model, "model");
        messages = List.copyOf(messages);
        Objects.requireNonNull(params, "params");
        tools = List.copyOf(tools);
        toolChoice = toolChoice == null ? null : toolChoice.deepCopy();
        responseFormat = responseFormat == null ? null : responseFormat.deepCopy();
        extra = extra == null ? JsonNodeFactory.instance.objectNode() : extra.deepCopy();
    }

    /** A plain request: messages and settings, nothing else. */
    public static ChatRequest of(String model, List<Message> messages, GenerationParams params) {
        return new ChatRequest(model, messages, params, List.of(), null, null, false, false, null);
    }

    /** The same request for another model name (routing replaces the client's id with an upstream's). */
    public ChatRequest withModel(String other) {
        return new ChatRequest(other, messages, params, tools, toolChoice, responseFormat, stream, includeUsage, extra);
    }
}
