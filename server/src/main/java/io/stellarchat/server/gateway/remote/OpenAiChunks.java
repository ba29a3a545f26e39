package io.stellarchat.server.gateway.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.TokenLogprob;
import io.stellarchat.server.protocol.ToolCallDelta;
import io.stellarchat.server.protocol.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * OpenAI stream chunks → {@link ChatEvent}s, for {@code chat.completion.chunk} ({@code choices[].delta}) and the
 * legacy {@code text_completion} ({@code choices[].text}).
 *
 * <p>A chunk's {@code choices[i]} gives a {@link ChatEvent.Delta} (content; {@code reasoning_content} or
 * {@code reasoning} → reasoning; {@code tool_calls[]} → {@link ToolCallDelta}s; {@code logprobs.content} →
 * {@link TokenLogprob}s) unless it holds nothing, then a {@link ChatEvent.ChoiceEnd} when it has a
 * {@code finish_reason}. The {@code usage} chunk (asked for by {@code stream_options.include_usage}) and llama.cpp's
 * {@code timings} make the usage; {@code data: [DONE]} ends the answer with {@link ChatEvent.Done} — only if every
 * expected choice ended, since a stream whose choices never ended was cut, not finished. A chunk holding
 * {@code error} (vLLM reports failures after the 200 that way) fails the stream.
 */
final class OpenAiChunks implements StreamTranslator {
    private final String provider;
    private final boolean completion;
    private final int choices;
    private final TreeSet<Integer> ended = new TreeSet<>();
    private Usage usage;
    private Usage.Timings timings;

    /**
     * @param completion whether the chunks are legacy completions ({@code text}) rather than chat ({@code delta})
     * @param choices    how many choices the answer has (prompts × n); each must end before {@code [DONE]}
     */
    OpenAiChunks(String provider, boolean completion, int choices) {
        this.provider = provider;
        this.completion = completion;
        this.choices = choices;
    }

    @Override
    public boolean accept(SseReader.Event event, Sink out) throws InterruptedException {
        String data = event.data().strip();
        if (data.equals("[DONE]")) {
            if (ended.size() < choices) {
                throw UpstreamErrors.streamBroken(provider, "sent [DONE] before its choices ended (" + ended.size()
                        + " of " + choices + ")");
            }
            Usage u = usage == null ? Usage.NONE : usage;
            if (timings != null) u = new Usage(u.promptTokens(), u.completionTokens(), u.cachedTokens(),
                    u.reasoningTokens(), timings);
            out.emit(new ChatEvent.Done(u));
            return true;
        }
        JsonNode chunk;
        try {
            chunk = RemoteJson.MAPPER.readTree(data);
        } catch (IOException e) {
            throw UpstreamErrors.badResponse(provider, "a chunk that is not JSON");
        }
        if (chunk == null || !chunk.isObject()) throw UpstreamErrors.badResponse(provider, "a chunk that is not an object");
        if (chunk.hasNonNull("error")) throw UpstreamErrors.inStream(provider, chunk);
        JsonNode u = chunk.get("usage");
        if (u != null && u.isObject()) usage = usage(u);
        JsonNode t = chunk.get("timings");
        if (t != null && t.isObject()) timings = timings(t);
        for (JsonNode choice : chunk.path("choices")) {
            int index = RemoteJson.integer(choice, "index", 0);
            if (ended.contains(index)) continue; // nothing of a choice counts after its end
            ChatEvent.Delta delta = completion ? textDelta(index, choice) : chatDelta(index, choice);
            if (delta != null) out.emit(delta);
            String finish = RemoteJson.text(choice, "finish_reason");
            if (finish != null) {
                ended.add(index);
                out.emit(new ChatEvent.ChoiceEnd(index, finishReason(finish)));
            }
        }
        return false;
    }

    @Override
    public String incomplete() {
        return ended.size() < choices ? "ended the stream before its choices ended" : "ended the stream before [DONE]";
    }

    private static ChatEvent.Delta chatDelta(int index, JsonNode choice) {
        JsonNode d = choice.path("delta");
        String content = orEmpty(RemoteJson.text(d, "content"));
        String reasoning = RemoteJson.text(d, "reasoning_content");
        if (reasoning == null) reasoning = RemoteJson.text(d, "reasoning"); // Ollama's and newer vLLM's name
        List<ToolCallDelta> calls = new ArrayList<>();
        int position = 0;
        for (JsonNode c : d.path("tool_calls")) {
            JsonNode f = c.path("function");
            calls.add(new ToolCallDelta(RemoteJson.integer(c, "index", position), RemoteJson.text(c, "id"),
                    RemoteJson.text(f, "name"), orEmpty(RemoteJson.text(f, "arguments"))));
            position++;
        }
        List<TokenLogprob> logprobs = chatLogprobs(choice.path("logprobs").path("content"));
        return delta(index, content, orEmpty(reasoning), calls, logprobs);
    }

    private static ChatEvent.Delta textDelta(int index, JsonNode choice) {
        String text = orEmpty(RemoteJson.text(choice, "text"));
        return delta(index, text, "", List.of(), completionLogprobs(choice.path("logprobs")));
    }

    private static ChatEvent.Delta delta(int index, String content, String reasoning, List<ToolCallDelta> calls,
                                         List<TokenLogprob> logprobs) {
        if (content.isEmpty() && reasoning.isEmpty() && calls.isEmpty() && logprobs.isEmpty()) return null;
        return new ChatEvent.Delta(index, content, reasoning, calls, logprobs);
    }

    /** Chat: {@code [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}. */
    private static List<TokenLogprob> chatLogprobs(JsonNode content) {
        if (!content.isArray() || content.isEmpty()) return List.of();
        List<TokenLogprob> out = new ArrayList<>();
        for (JsonNode t : content) {
            List<TokenLogprob.Alternative> top = new ArrayList<>();
            for (JsonNode a : t.path("top_logprobs")) {
                top.add(new TokenLogprob.Alternative(orEmpty(RemoteJson.text(a, "token")),
                        (float) a.path("logprob").asDouble(), bytes(a.get("bytes"))));
            }
            out.add(new TokenLogprob(orEmpty(RemoteJson.text(t, "token")), (float) t.path("logprob").asDouble(),
                    bytes(t.get("bytes")), top));
        }
        return out;
    }

    /** Legacy completions: {@code {tokens: [..], token_logprobs: [..], top_logprobs: [{token: logprob}]}}. */
    private static List<TokenLogprob> completionLogprobs(JsonNode lp) {
        JsonNode tokens = lp.path("tokens");
        if (!tokens.isArray() || tokens.isEmpty()) return List.of();
        List<TokenLogprob> out = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            List<TokenLogprob.Alternative> top = new ArrayList<>();
            JsonNode alternatives = lp.path("top_logprobs").path(i);
            for (Iterator<Map.Entry<String, JsonNode>> it = alternatives.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> a = it.next();
                top.add(new TokenLogprob.Alternative(a.getKey(), (float) a.getValue().asDouble(), null));
            }
            out.add(new TokenLogprob(tokens.get(i).asText(), (float) lp.path("token_logprobs").path(i).asDouble(), null,
                    top));
        }
        return out;
    }

    private static byte[] bytes(JsonNode array) {
        if (array == null || !array.isArray()) return null;
        byte[] b = new byte[array.size()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) array.get(i).asInt();
        return b;
    }

    /** {@code usage}: prompt and completion tokens, {@code prompt_tokens_details.cached_tokens}, {@code completion_tokens_details.reasoning_tokens}. */
    static Usage usage(JsonNode u) {
        return new Usage(RemoteJson.integer(u, "prompt_tokens", 0), RemoteJson.integer(u, "completion_tokens", 0),
                RemoteJson.integer(u.path("prompt_tokens_details"), "cached_tokens", 0),
                RemoteJson.integer(u.path("completion_tokens_details"), "reasoning_tokens", 0), null);
    }

    /** llama.cpp's {@code timings}. */
    private static Usage.Timings timings(JsonNode t) {
        return new Usage.Timings(t.path("prompt_ms").asDouble(), t.path("prompt_per_second").asDouble(),
                t.path("predicted_ms").asDouble(), t.path("predicted_per_second").asDouble());
    }

    /** OpenAI's finish reasons; {@code function_call} is the old name of {@code tool_calls}; anything else is a failure. */
    static FinishReason finishReason(String reason) {
        return switch (reason) {
            case "stop", "eos", "end_turn" -> FinishReason.STOP;
            case "length" -> FinishReason.LENGTH;
            case "tool_calls", "function_call" -> FinishReason.TOOL_CALLS;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.ERROR;
        };
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
