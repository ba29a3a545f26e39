package io.stellarchat.server.gateway;

import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.runtime.EngineClient;
import io.stellarchat.engine.template.ChatTemplate;
import java.util.List;

/**
 * A model served by the local engine.
 *
 * @param id               the name clients use
 * @param aliases          other accepted names
 * @param model            the loaded weights, tokenizer and metadata
 * @param engine           the engine that runs its generations (the only way to use the forward pass)
 * @param template         its chat template ({@code tokenizer.chat_template}) or the ChatML fallback
 * @param templateFallback whether {@code template} is the fallback
 * @param contextLength    tokens of context per request (prompt + reply)
 * @param created          Unix seconds, for {@code /v1/models}
 * @param quantization     the dominant weight type, e.g. {@code Q4_0}
 * @param parameters       number of weights
 */
public record LocalModel(String id, List<String> aliases, Model model, EngineClient engine, ChatTemplate template,
                         boolean templateFallback, int contextLength, long created, String quantization,
                         long parameters) {

    public LocalModel {
        aliases = List.copyOf(aliases);
    }
}
