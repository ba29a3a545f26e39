package io.stellarchat.server.gateway.local;

import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.runtime.EngineClient;
import io.stellarchat.engine.template.ChatTemplate;
import io.stellarchat.engine.template.TemplateException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model served by the local engine.
 *
 * @param id               the name clients use
 * @param aliases          other accepted names
 * @param model            the loaded weights, tokenizer and metadata
 * @param engine           the engine that runs its generations (the only way to use the forward pass)
 * @param template         its chat template ({@code tokenizer.chat_template}) or the ChatML fallback
 * @param templateSource   the source of {@code template} (the model's, or a chat_template_file), null for the fallback
 * @param contextLength    tokens of context per request (prompt + reply)
 * @param created          Unix seconds, for {@code /v1/models}
 * @param quantization     the dominant weight type, e.g. {@code Q4_0}
 * @param parameters       number of weights
 */
public record LocalModel(String id, List<String> aliases, Model model, EngineClient engine, ChatTemplate template,
                         String templateSource, int contextLength, long created, String quantization,
                         long parameters) {

    /** Whether {@code template} is the ChatML fallback. */
    public boolean templateFallback() {
        return templateSource == null;
    }

    public LocalModel {
        aliases = List.copyOf(aliases);
    }

    /**
     * Renders a conversation with this model's chat template and a generation prompt; {@code bos_token} and
     * {@code eos_token} come from the tokenizer, {@code extra} adds template variables (tools, ...).
     */
    public String renderChat(List<Map<String, Object>> messages, Map<String, Object> extra) throws TemplateException {
        return renderChat(messages, true, extra);
    }

    /** As {@link #renderChat(List, Map)}, with or without the generation prompt ({@code add_generation_prompt}). */
    public String renderChat(List<Map<String, Object>> messages, boolean generationPrompt, Map<String, Object> extra)
            throws TemplateException {
        Map<String, Object> vars = new LinkedHashMap<>();
        var tok = model.tokenizer();
        tok.bos().ifPresent(b -> vars.put("bos_token", tok.tokenText(b)));
        tok.eos().ifPresent(e -> vars.put("eos_token", tok.tokenText(e)));
        vars.putAll(extra);
        return template.renderChat(messages, generationPrompt, vars);
    }

    /**
     * The prompt that continues the last message, an assistant reply whose text is {@code reply}
     * ({@code continue_final_message}, as vLLM): the conversation rendered without a generation prompt and cut
     * right after that text, so whatever the template writes to close a turn is left out. Null when the template
     * does not write {@code reply} as given (it trims or rewrites it), so there is nothing to cut at. An
     * empty reply is begun afresh: the conversation before it with the generation prompt.
     */
    public String renderContinuation(List<Map<String, Object>> messages, Map<String, Object> extra, String reply)
            throws TemplateException {
        if (reply.isEmpty()) return renderChat(messages.subList(0, messages.size() - 1), true, extra); // begun afresh
        String all = renderChat(messages, false, extra);
        int at = all.lastIndexOf(reply);
        return at < 0 ? null : all.substring(0, at + reply.length());
    }

    /**
     * Tokenizes a rendered chat prompt: special-token text is parsed (templates write it), and BOS is added
     * only when the model wants it and the template did not already write it.
     */
    public int[] encodeChatPrompt(String prompt) {
        var tok = model.tokenizer();
        boolean startsWithBos = tok.bos().isPresent() && prompt.startsWith(tok.tokenText(tok.bos().getAsInt()));
        return tok.encode(prompt, !startsWithBos, true);
    }
}
