package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.stellarchat.engine.sampling.TokenLogprob;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.gateway.LocalModel;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /v1/completions}: raw text prompts (a string or an array of strings), {@code echo}, the same
 * sampling fields as chat, and {@code text_completion} objects and chunks. {@code suffix} (insertion) is not
 * supported and is refused with a 400.
 */
final class CompletionsHandler {
    private final OpenAiRoutes routes;
    private final ObjectMapper json;
    private final GenerationRunner runner;

    CompletionsHandler(OpenAiRoutes routes, ObjectMapper json, GenerationRunner runner) {
        this.routes = routes;
        this.json = json;
        this.runner = runner;
    }

    void handle(Context ctx, JsonNode req) {
        String modelName = Fields.requiredString(req, "model");
        List<String> prompts = prompts(req);
        if (Fields.present(req, "suffix") != null) {
            throw ApiException.invalidRequest("suffix", "'suffix' (fill-in-the-middle) is not supported by this server.");
        }
        Integer bestOf = Fields.integer(req, "best_of", 1, 8);
        if (bestOf != null && bestOf > 1) {
            throw ApiException.invalidRequest("best_of", "'best_of' greater than 1 is not supported by this server.");
        }
        boolean echo = Fields.bool(req, "echo", false);
        GenerationOptions opt = GenerationOptions.parse(req, false);
        LocalModel m = routes.model(modelName, "model");
        List<int[]> tokenized = new ArrayList<>();
        for (String p : prompts) {
            tokenized.add(m.model().tokenizer().encode(p, true, false));
        }
        GenerationRunner.Submission handles = runner.submit(ctx, m, tokenized, opt, "prompt");
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        int promptTokens = tokenized.stream().mapToInt(t -> t.length).sum();
        if (!opt.stream()) {
            List<ChoiceResult> choices = runner.collect(ctx, m, handles, opt.logprobs());
            ObjectNode root = routes.chunkBase(id, "text_completion", created, m);
            ArrayNode arr = root.putArray("choices");
            for (ChoiceResult c : choices) {
                String prefix = echo ? prompts.get(c.index() / opt.n()) : "";
                ObjectNode ch = arr.addObject();
                ch.put("text", prefix + c.text());
                ch.put("index", c.index());
                if (opt.logprobs()) {
                    ch.set("logprobs", logprobs(m, c.tokens(), prefix.length()));
                } else {
                    ch.putNull("logprobs");
                }
                ch.put("finish_reason", ChoiceResult.wire(c.finishReason()));
            }
            root.set("usage", routes.usage(promptTokens, choices, opt.n()));
            ctx.json(root);
            return;
        }
        SseWriter sse;
        try {
            sse = new SseWriter(ctx);
        } catch (SseWriter.ClientGoneException e) {
            handles.cancel();
            return;
        }
        try {
            List<ChoiceResult> done = runner.stream(ctx, m, handles, opt.logprobs(), new GenerationRunner.ChoiceListener() {
                @Override
                public void onStart(int index) throws SseWriter.ClientGoneException {
                    if (echo) {
                        sse.data(chunk(id, created, m, index, prompts.get(index / opt.n()), null, null, opt));
                    }
                }

                @Override
                public void onToken(int index, ChoiceResult.TokenInfo token, String text) throws SseWriter.ClientGoneException {
                    ObjectNode lp = token == null ? null : logprobs(m, List.of(token), 0);
                    sse.data(chunk(id, created, m, index, text, lp, null, opt));
                }

                @Override
                public void onFinish(ChoiceResult r) throws SseWriter.ClientGoneException {
                    sse.data(chunk(id, created, m, r.index(), "", null, ChoiceResult.wire(r.finishReason()), opt));
                }

                @Override
                public void onIdle() throws SseWriter.ClientGoneException {
                    sse.keepAlive();
                }
            });
            if (opt.includeUsage()) {
                ObjectNode last = routes.chunkBase(id, "text_completion", created, m);
                last.putArray("choices");
                last.set("usage", routes.usage(promptTokens, done, opt.n()));
                sse.data(last.toString());
            }
            sse.done();
        } catch (SseWriter.ClientGoneException e) {
            // cancelled by the runner
        } catch (RuntimeException e) {
            routes.streamError(sse, e);
        }
    }

    private String chunk(String id, long created, LocalModel m, int index, String text, ObjectNode logprobs,
                         String finish, GenerationOptions opt) {
        ObjectNode c = routes.chunkBase(id, "text_completion", created, m);
        ObjectNode ch = c.putArray("choices").addObject();
        ch.put("text", text);
        ch.put("index", index);
        OpenAiRoutes.choiceTail(c, ch, logprobs, finish, opt.includeUsage());
        return c.toString();
    }

    /** The legacy completions logprobs shape: parallel arrays. */
    private ObjectNode logprobs(LocalModel m, List<ChoiceResult.TokenInfo> tokens, int offset) {
        ObjectNode lp = json.createObjectNode();
        ArrayNode toks = lp.putArray("tokens");
        ArrayNode lps = lp.putArray("token_logprobs");
        ArrayNode tops = lp.putArray("top_logprobs");
        ArrayNode offsets = lp.putArray("text_offset");
        int pos = offset;
        for (ChoiceResult.TokenInfo t : tokens) {
            toks.add(t.text());
            lps.add(t.logprob());
            ObjectNode top = tops.addObject();
            for (TokenLogprob alt : t.top()) {
                top.put(GenerationRunner.piece(m, alt.token()), alt.logprob());
            }
            offsets.add(pos);
            pos += t.text().length();
        }
        return lp;
    }

    private static List<String> prompts(JsonNode req) {
        JsonNode p = Fields.present(req, "prompt");
        if (p == null) {
            throw ApiException.invalidRequest("prompt", "Missing required parameter: 'prompt'.");
        }
        if (p.isTextual()) {
            return List.of(p.asText());
        }
        if (p.isArray() && !p.isEmpty()) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < p.size(); i++) {
                if (!p.get(i).isTextual()) {
                    throw Fields.wrongType("prompt[" + i + "]", p.get(i), "a string");
                }
                out.add(p.get(i).asText());
            }
            return out;
        }
        throw Fields.wrongType("prompt", p, "a string or a non-empty array of strings");
    }
}
