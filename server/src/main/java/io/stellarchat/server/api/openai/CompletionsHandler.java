package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.api.GenerationFields;
import io.stellarchat.server.api.WireJson;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.limits.Reservation;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.api.stream.AnswerReader;
import io.stellarchat.server.api.stream.SseWriter;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.CompletionRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /v1/completions}: raw text prompts (a string or an array of strings), {@code echo}, the same
 * sampling fields as chat, and {@code text_completion} objects and chunks. {@code suffix} (insertion) is not
 * supported and is refused with a 400. Choice index = prompt * n + choice.
 */
final class CompletionsHandler {
    private static final Set<String> READ = ChatCompletionsHandler.union(GenerationFields.NAMES,
            Set.of("model", "prompt", "suffix", "best_of", "echo", "user"));

    private final Gateway gateway;
    private final Admission admission;
    private final ObjectMapper json;
    private final AnswerReader reader;

    CompletionsHandler(Gateway gateway, Admission admission, ObjectMapper json, AnswerReader reader) {
        this.gateway = gateway;
        this.admission = admission;
        this.json = json;
        this.reader = reader;
    }

    /** Prompt tokens of the longest prompt: exact for a local model, about four characters a token otherwise. */
    private int promptTokens(ModelInfo info, List<String> prompts) {
        int most = 0;
        for (String p : prompts) {
            int t = info.local() != null ? gateway.tokenizer(info.id()).encode(p, true, false).length : p.length() / 4 + 1;
            most = Math.max(most, t);
        }
        return most;
    }

    void handle(Context ctx, JsonNode req) {
        String model = Fields.requiredString(req, "model");
        List<String> prompts = prompts(req);
        if (Fields.present(req, "suffix") != null) {
            throw ApiException.invalidRequest("suffix", "'suffix' (fill-in-the-middle) is not supported by this server.");
        }
        Integer bestOf = Fields.integer(req, "best_of", 1, 8);
        if (bestOf != null && bestOf > 1) {
            throw ApiException.invalidRequest("best_of", "'best_of' greater than 1 is not supported by this server.");
        }
        boolean echo = Fields.bool(req, "echo", false);
        GenerationFields gen = GenerationFields.parse(req, false);
        int n = gen.params().n();
        Caller caller = Authentication.caller(ctx);
        ModelInfo info = admission.model(caller, model, "model");
        CompletionRequest request = new CompletionRequest(model, prompts, gen.params(), echo, gen.stream(),
                gen.includeUsage(), ChatCompletionsHandler.extras(req, READ));
        Reservation reservation = admission.reserve(ctx, caller, info.id(),
                () -> prompts.size() * Admission.budget(info, promptTokens(info, prompts), gen.params()));
        Admission.CachePlan plan = prompts.size() == 1 ? admission.cachePlan(ctx, caller, info, req, gen.params())
                : new Admission.CachePlan(null, false, false);
        ChatStream stream = admission.call(Admission.site(ctx, null, "text_completion", caller, info.id(), gen.stream(),
                prompts), reservation, () -> admission.cached(ctx, plan, () -> gateway.complete(request, !request.stream())));
        ctx.header(OpenAiRoutes.UPSTREAM_HEADER, stream.upstream());
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        boolean logprobs = gen.params().logprobs();
        if (!gen.stream()) {
            ChatCompletion answer = reader.collect(ctx, stream);
            ObjectNode root = OpenAiChunks.envelope(json, id, "text_completion", created, answer.model());
            ArrayNode arr = root.putArray("choices");
            for (ChatCompletion.Choice c : answer.choices()) {
                String prefix = echo ? prompts.get(c.index() / n) : "";
                ObjectNode ch = arr.addObject();
                ch.put("text", prefix + c.content());
                ch.put("index", c.index());
                if (logprobs) {
                    ch.set("logprobs", OpenAiChunks.completionLogprobs(json, c.logprobs(), prefix.length()));
                } else {
                    ch.putNull("logprobs");
                }
                ch.put("finish_reason", WireJson.finishReason(c.finish()));
            }
            root.set("usage", WireJson.usage(json, answer.usage()));
            ctx.json(root);
            return;
        }
        boolean includeUsage = gen.includeUsage();
        Set<Integer> started = new HashSet<>();
        reader.streamSse(ctx, stream, json, "completion", sse -> new AnswerReader.Sink() {
                @Override
                public void event(ChatEvent e) throws SseWriter.ClientGoneException {
                    switch (e) {
                        case ChatEvent.Delta d -> {
                            start(d.index());
                            if (!d.content().isEmpty() || !d.logprobs().isEmpty()) {
                                ObjectNode lp = d.logprobs().isEmpty() ? null
                                        : OpenAiChunks.completionLogprobs(json, d.logprobs(), 0);
                                sse.data(chunk(d.index(), d.content(), lp, null));
                            }
                        }
                        case ChatEvent.ChoiceEnd end -> {
                            start(end.index());
                            sse.data(chunk(end.index(), "", null, WireJson.finishReason(end.reason())));
                        }
                        case ChatEvent.Done done -> OpenAiChunks.end(json, sse,
                                OpenAiChunks.envelope(json, id, "text_completion", created, stream.model()), done.usage(), includeUsage);
                    }
                }

                /** With {@code echo}, a choice's first chunk repeats its prompt. */
                private void start(int index) throws SseWriter.ClientGoneException {
                    if (started.add(index) && echo) {
                        sse.data(chunk(index, prompts.get(index / n), null, null));
                    }
                }

                @Override
                public void idle() throws SseWriter.ClientGoneException {
                    sse.keepAlive();
                }

                private String chunk(int index, String text, ObjectNode lp, String finish) {
                    ObjectNode c = OpenAiChunks.envelope(json, id, "text_completion", created, stream.model());
                    ObjectNode ch = c.putArray("choices").addObject();
                    ch.put("text", text);
                    ch.put("index", index);
                    OpenAiChunks.choiceTail(c, ch, lp, finish, includeUsage);
                    return c.toString();
                }
            });
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
