package io.stellarchat.server.gateway.remote;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.CompletionRequest;
import io.stellarchat.server.protocol.ContentPart;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.Sampling;
import io.stellarchat.server.protocol.Tool;
import io.stellarchat.server.protocol.ToolCall;
import java.util.Map;

/**
 * Protocol records → OpenAI request bodies ({@code /chat/completions}, {@code /completions}, {@code /embeddings}).
 *
 * <p>Only what the client set is sent (a null sampling field is left to the upstream's default); then every field of
 * the request's {@code extra} is copied in as given (vLLM's and llama.cpp's extensions); last, {@code stream: true}
 * with {@code stream_options.include_usage} is forced, whatever the client asked, so the answer is always read as a
 * stream and its usage is known.
 */
final class OpenAiRequests {
    private OpenAiRequests() {}

    static ObjectNode chat(ChatRequest r) {
        ObjectNode body = RemoteJson.object();
        body.put("model", r.model());
        ArrayNode messages = body.putArray("messages");
        for (Message m : r.messages()) messages.add(message(m));
        if (!r.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (Tool t : r.tools()) tools.add(tool(t));
        }
        if (r.toolChoice() != null) body.set("tool_choice", r.toolChoice());
        if (r.responseFormat() != null) body.set("response_format", r.responseFormat());
        generation(body, r.params(), true);
        return finish(body, r.extra());
    }

    static ObjectNode completion(CompletionRequest r) {
        ObjectNode body = RemoteJson.object();
        body.put("model", r.model());
        if (r.prompts().size() == 1) {
            body.put("prompt", r.prompts().getFirst());
        } else {
            ArrayNode prompts = body.putArray("prompt");
            r.prompts().forEach(prompts::add);
        }
        // echo is not sent: the edge repeats the prompt itself (CompletionRequest.echo).
        generation(body, r.params(), false);
        return finish(body, r.extra());
    }

    static ObjectNode embedding(EmbeddingRequest r) {
        ObjectNode body = RemoteJson.object();
        body.put("model", r.model());
        ArrayNode input = body.putArray("input");
        boolean text = false;
        boolean tokens = false;
        for (EmbeddingRequest.Input in : r.inputs()) {
            switch (in) {
                case EmbeddingRequest.Text t -> {
                    text = true;
                    input.add(t.text());
                }
                case EmbeddingRequest.Tokens t -> {
                    tokens = true;
                    ArrayNode ids = input.addArray();
                    for (int id : t.ids()) ids.add(id);
                }
            }
        }
        if (text && tokens) {
            throw ProviderException.invalid("input", "an upstream takes either texts or token arrays in one request, not both");
        }
        if (r.dimensions() != null) body.put("dimensions", r.dimensions());
        body.put("encoding_format", "float");
        return body;
    }

    private static ObjectNode finish(ObjectNode body, ObjectNode extra) {
        extra.properties().forEach(e -> body.set(e.getKey(), e.getValue().deepCopy()));
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        return body;
    }

    private static ObjectNode message(Message m) {
        ObjectNode o = RemoteJson.object();
        o.put("role", m.role().key());
        boolean onlyCalls = m.role() == Role.ASSISTANT && m.content().isEmpty() && !m.toolCalls().isEmpty();
        if (onlyCalls) {
            o.putNull("content");
        } else if (!m.hasNonText() && m.content().size() <= 1) {
            o.put("content", m.text());
        } else {
            ArrayNode parts = o.putArray("content");
            for (ContentPart p : m.content()) {
                switch (p) {
                    case ContentPart.Text t -> parts.addObject().put("type", "text").put("text", t.text());
                    case ContentPart.Image i -> {
                        ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url");
                        image.put("url", i.url());
                        if (i.detail() != null) image.put("detail", i.detail());
                    }
                }
            }
        }
        if (m.name() != null) o.put("name", m.name());
        if (!m.toolCalls().isEmpty()) {
            ArrayNode calls = o.putArray("tool_calls");
            for (ToolCall c : m.toolCalls()) {
                ObjectNode call = calls.addObject().put("id", c.id()).put("type", "function");
                call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
            }
        }
        if (m.toolCallId() != null) o.put("tool_call_id", m.toolCallId());
        return o;
    }

    private static ObjectNode tool(Tool t) {
        ObjectNode o = RemoteJson.object().put("type", "function");
        ObjectNode f = o.putObject("function").put("name", t.name());
        if (t.description() != null) f.put("description", t.description());
        if (t.parameters() != null) f.set("parameters", t.parameters());
        if (t.strict() != null) f.put("strict", t.strict());
        return o;
    }

    private static void generation(ObjectNode body, GenerationParams p, boolean chat) {
        if (p.maxTokens() != null) body.put("max_tokens", p.maxTokens());
        if (p.n() != 1) body.put("n", p.n());
        if (!p.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            p.stop().forEach(stop::add);
        }
        if (p.logprobs()) {
            if (chat) {
                body.put("logprobs", true);
                if (p.topLogprobs() > 0) body.put("top_logprobs", p.topLogprobs());
            } else {
                body.put("logprobs", Math.max(p.topLogprobs(), 1)); // legacy completions: an int (alternatives)
            }
        }
        if (p.ignoreEos()) body.put("ignore_eos", true); // vLLM and llama.cpp
        Sampling s = p.sampling();
        if (s.temperature() != null) body.put("temperature", s.temperature());
        if (s.topP() != null) body.put("top_p", s.topP());
        if (s.topK() != null) body.put("top_k", s.topK());                    // vLLM, llama.cpp, Ollama
        if (s.minP() != null) body.put("min_p", s.minP());                    // vLLM, llama.cpp
        if (s.repeatPenalty() != null) body.put("repetition_penalty", s.repeatPenalty()); // vLLM's name
        if (s.presencePenalty() != null) body.put("presence_penalty", s.presencePenalty());
        if (s.frequencyPenalty() != null) body.put("frequency_penalty", s.frequencyPenalty());
        if (s.seed() != null) body.put("seed", s.seed());
        if (!s.logitBias().isEmpty()) {
            ObjectNode bias = body.putObject("logit_bias");
            for (Map.Entry<Integer, Float> e : s.logitBias().entrySet()) bias.put(e.getKey().toString(), e.getValue());
        }
    }
}
