package io.stellarchat.server.protocol;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * A plain (legacy) completion request: raw prompts, no chat template.
 *
 * @param model        the model id
 * @param prompts      one or more prompts; choice index = prompt * n + choice
 * @param params       generation settings
 * @param echo         whether the answer repeats the prompt before the completion (formatted by the edge)
 * @param stream       whether the client reads the answer as it is generated
 * @param includeUsage whether a streaming client asked for a last usage chunk
 * @param extra        fields passed on to OpenAI-compatible upstreams
 */
public record CompletionRequest(String model, List<String> prompts, GenerationParams params, boolean echo,
                                boolean stream, boolean includeUsage, ObjectNode extra) {
    public CompletionRequest {
        Objects.requireNonNull(model, "model");
        prompts = List.copyOf(prompts);
        Objects.requireNonNull(params, "params");
        extra = extra == null ? JsonNodeFactory.instance.objectNode() : extra.deepCopy();
    }

    public CompletionRequest withModel(String other) {
        return new CompletionRequest(other, prompts, params, echo, stream, includeUsage, extra);
    }
}
