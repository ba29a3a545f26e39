package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.api.WireJson;
import io.stellarchat.server.api.stream.SseWriter;
import io.stellarchat.server.protocol.TokenLogprob;
import io.stellarchat.server.protocol.Usage;
import java.util.List;

/**
 * The parts of OpenAI's response objects and stream chunks that chat completions and completions share:
 * the envelope, a choice's tail fields, log-probabilities.
 */
final class OpenAiChunks {

    private OpenAiChunks() {}

    /** {@code {id, object, created, model}}. */
    static ObjectNode envelope(ObjectMapper json, String id, String object, long created, String model) {
        ObjectNode c = json.createObjectNode();
        c.put("id", id);
        c.put("object", object);
        c.put("created", created);
        c.put("model", model);
        return c;
    }

    /**
     * The fields every streamed choice ends with: {@code logprobs} and {@code finish_reason} (null until the
     * last chunk), and {@code usage: null} on the chunk when the client asked for a usage chunk at the end.
     */
    static void choiceTail(ObjectNode chunk, ObjectNode choice, ObjectNode logprobs, String finish, boolean includeUsage) {
        if (logprobs != null) {
            choice.set("logprobs", logprobs);
        } else {
            choice.putNull("logprobs");
        }
        if (finish != null) {
            choice.put("finish_reason", finish);
        } else {
            choice.putNull("finish_reason");
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
    }

    /**
     * The end of a stream: the usage chunk ({@code choices: []}) when the client asked for it with
     * {@code stream_options.include_usage}, then {@code [DONE]}.
     */
    static void end(ObjectMapper json, SseWriter sse, ObjectNode envelope,
                    Usage usage, boolean includeUsage)
            throws SseWriter.ClientGoneException {
        if (includeUsage) {
            envelope.putArray("choices");
            envelope.set("usage", WireJson.usage(json, usage));
            sse.data(envelope.toString());
        }
        sse.done();
    }

    /** Chat's {@code logprobs}: {@code {content: [{token, logprob, bytes, top_logprobs}], refusal: null}}. */
    static ObjectNode chatLogprobs(ObjectMapper json, List<TokenLogprob> tokens) {
        ObjectNode lp = json.createObjectNode();
        ArrayNode content = lp.putArray("content");
        for (TokenLogprob t : tokens) {
            ObjectNode o = content.addObject();
            o.put("token", t.token());
            o.put("logprob", t.logprob());
            o.set("bytes", bytes(json, t.bytes()));
            ArrayNode top = o.putArray("top_logprobs");
            for (TokenLogprob.Alternative alt : t.top()) {
                ObjectNode a = top.addObject();
                a.put("token", alt.token());
                a.put("logprob", alt.logprob());
                a.set("bytes", bytes(json, alt.bytes()));
            }
        }
        lp.putNull("refusal");
        return lp;
    }

    /** The legacy completions shape: parallel arrays, offsets counted from {@code offset}. */
    static ObjectNode completionLogprobs(ObjectMapper json, List<TokenLogprob> tokens, int offset) {
        ObjectNode lp = json.createObjectNode();
        ArrayNode toks = lp.putArray("tokens");
        ArrayNode lps = lp.putArray("token_logprobs");
        ArrayNode tops = lp.putArray("top_logprobs");
        ArrayNode offsets = lp.putArray("text_offset");
        int pos = offset;
        for (TokenLogprob t : tokens) {
            toks.add(t.token());
            lps.add(t.logprob());
            ObjectNode top = tops.addObject();
            for (TokenLogprob.Alternative alt : t.top()) {
                top.put(alt.token(), alt.logprob());
            }
            offsets.add(pos);
            pos += t.token().length();
        }
        return lp;
    }

    /**
     * A token's own bytes. Not the UTF-8 of its text: a byte-fallback token holding part of a multi-byte
     * character has the text U+FFFD, and {@code bytes} is how a client puts the character back together.
     */
    private static com.fasterxml.jackson.databind.JsonNode bytes(ObjectMapper json, byte[] bytes) {
        if (bytes == null) {
            return json.nullNode();
        }
        ArrayNode a = json.createArrayNode();
        for (byte b : bytes) {
            a.add(b & 0xFF);
        }
        return a;
    }

}
