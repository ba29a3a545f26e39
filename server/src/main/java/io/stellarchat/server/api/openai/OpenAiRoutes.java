package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.engine.runtime.Usage;
import io.stellarchat.engine.sampling.TokenLogprob;
import io.stellarchat.engine.template.TemplateException;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.gateway.LocalModel;
import io.stellarchat.server.gateway.ModelRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible API over the local models: {@code /v1/models}, {@code /v1/chat/completions},
 * {@code /v1/completions}, {@code /v1/embeddings}, and llama.cpp's {@code /tokenize} and {@code /detokenize}.
 * Requests are validated field by field (a known field with a wrong type or range → 400 naming it; unknown
 * fields are ignored); responses and SSE chunks mirror OpenAI's shapes.
 */
public final class OpenAiRoutes implements RouteGroup {
    private static final Logger log = LoggerFactory.getLogger(OpenAiRoutes.class);

    private final ModelRegistry registry;
    private final ObjectMapper json;
    private final JsonBodyReader body;
    private final GenerationRunner runner;

    public OpenAiRoutes(ModelRegistry registry, ObjectMapper json, long maxBodyBytes, Duration keepAlive,
                        io.stellarchat.server.gateway.ModelMetrics metrics) {
        this.registry = registry;
        this.json = json;
        this.body = new JsonBodyReader(json, maxBodyBytes);
        this.runner = new GenerationRunner(keepAlive, metrics);
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.get("/v1/models", this::listModels);
        routes.get("/v1/models/{id}", this::getModel);
        routes.post("/v1/chat/completions", ctx -> whileConnected(ctx, this::chatCompletions));
        routes.post("/v1/completions", ctx -> whileConnected(ctx, this::completions));
        routes.post("/v1/embeddings", new EmbeddingsHandler(registry, json, body)::handle);
        routes.post("/tokenize", new TokenizeHandler(registry, json, body)::tokenize);
        routes.post("/detokenize", new TokenizeHandler(registry, json, body)::detokenize);
    }

    /** Runs a generating handler; a client that went away ends it quietly (its generation is cancelled). */
    private static void whileConnected(Context ctx, io.javalin.http.Handler handler) throws Exception {
        try {
            handler.handle(ctx);
        } catch (GenerationRunner.ClientGone e) {
            log.info("client disconnected before the answer was ready; generation cancelled");
        }
    }

    // ---- models -------------------------------------------------------------------------------------

    private void listModels(Context ctx) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (LocalModel m : registry.models()) {
            data.add(modelObject(m));
        }
        ctx.json(root);
    }

    private void getModel(Context ctx) {
        LocalModel m = model(ctx.pathParam("id"), "id");
        ctx.json(modelObject(m));
    }

    private ObjectNode modelObject(LocalModel m) {
        ObjectNode o = json.createObjectNode();
        o.put("id", m.id());
        o.put("object", "model");
        o.put("created", m.created());
        o.put("owned_by", "stellarchat");
        ObjectNode meta = o.putObject("meta");
        meta.put("architecture", m.model().config().architecture());
        meta.put("parameters", m.parameters());
        meta.put("quantization", m.quantization());
        meta.put("context_length", m.contextLength());
        meta.put("trained_context_length", m.model().config().contextLength());
        meta.put("vocab_size", m.model().config().vocabSize());
        meta.put("embedding_length", m.model().config().dim());
        meta.put("chat_template", m.templateFallback() ? "fallback: chatml" : "model");
        meta.set("aliases", json.valueToTree(m.aliases()));
        return o;
    }

    LocalModel model(String name, String param) {
        return registry.find(name).orElseThrow(() -> ApiException.notFound("model_not_found", param,
                "The model '" + name + "' does not exist or is not loaded. Available models: "
                        + registry.models().stream().map(LocalModel::id).toList() + "."));
    }

    private JsonNode object(Context ctx) {
        JsonNode root = body.readTree(ctx);
        if (!root.isObject()) {
            throw ApiException.invalidRequest(null, "The request body must be a JSON object, got " + Fields.describe(root) + ".");
        }
        return root;
    }

    // ---- chat completions ---------------------------------------------------------------------------

    private void chatCompletions(Context ctx) throws Exception {
        JsonNode req = object(ctx);
        String modelName = Fields.requiredString(req, "model");
        List<Map<String, Object>> messages = ChatMessages.parse(req);
        GenerationOptions opt = GenerationOptions.parse(req, true);
        LocalModel m = model(modelName, "model");
        String prompt = renderChat(m, messages, req);
        int[] tokens = m.encodeChatPrompt(prompt);

        var handles = runner.submit(ctx, m, List.of(tokens), opt, "messages");
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        if (!opt.stream()) {
            List<ChoiceResult> choices = runner.collect(ctx, m, handles, opt.logprobs());
            ObjectNode root = json.createObjectNode();
            root.put("id", id);
            root.put("object", "chat.completion");
            root.put("created", created);
            root.put("model", m.id());
            ArrayNode arr = root.putArray("choices");
            for (ChoiceResult c : choices) {
                ObjectNode ch = arr.addObject();
                ch.put("index", c.index());
                ObjectNode msg = ch.putObject("message");
                msg.put("role", "assistant");
                msg.put("content", c.text());
                msg.putNull("refusal");
                if (opt.logprobs()) {
                    ch.set("logprobs", chatLogprobs(m, c.tokens()));
                } else {
                    ch.putNull("logprobs");
                }
                ch.put("finish_reason", ChoiceResult.wire(c.finishReason()));
            }
            root.set("usage", usage(tokens.length, choices, opt.n()));
            ctx.json(root);
            return;
        }
        streamChat(ctx, m, handles, opt, id, created, tokens.length);
    }

    private void streamChat(Context ctx, LocalModel m, GenerationRunner.Submission handles,
                            GenerationOptions opt, String id, long created, int promptTokens) {
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
                    ObjectNode delta = json.createObjectNode();
                    delta.put("role", "assistant");
                    delta.put("content", "");
                    sse.data(chatChunk(id, created, m, index, delta, null, null, opt.includeUsage()));
                }

                @Override
                public void onToken(int index, ChoiceResult.TokenInfo token, String text) throws SseWriter.ClientGoneException {
                    ObjectNode delta = json.createObjectNode();
                    delta.put("content", text);
                    ObjectNode lp = token == null ? null : chatLogprobs(m, List.of(token));
                    sse.data(chatChunk(id, created, m, index, delta, lp, null, opt.includeUsage()));
                }

                @Override
                public void onFinish(ChoiceResult result) throws SseWriter.ClientGoneException {
                    sse.data(chatChunk(id, created, m, result.index(), json.createObjectNode(), null,
                            ChoiceResult.wire(result.finishReason()), opt.includeUsage()));
                }

                @Override
                public void onIdle() throws SseWriter.ClientGoneException {
                    sse.keepAlive();
                }
            });
            if (opt.includeUsage()) {
                ObjectNode last = chunkBase(id, "chat.completion.chunk", created, m);
                last.putArray("choices");
                last.set("usage", usage(promptTokens, done, opt.n()));
                sse.data(last.toString());
            }
            sse.done();
        } catch (SseWriter.ClientGoneException e) {
            log.info("client disconnected during a streamed chat completion; generation cancelled");
        } catch (RuntimeException e) {
            streamError(sse, e);
        }
    }

    /** A failure after the headers went out: one error event, and no [DONE]. */
    void streamError(SseWriter sse, RuntimeException e) {
        ObjectNode err = json.createObjectNode();
        ObjectNode inner = err.putObject("error");
        if (e instanceof ApiException a) {
            inner.put("message", a.getMessage());
            inner.put("type", a.type().wire());
            inner.put("param", a.param());
            inner.put("code", a.code());
        } else {
            log.error("streamed generation failed", e);
            inner.put("message", "The generation failed: " + e.getClass().getSimpleName());
            inner.put("type", ErrorType.SERVER.wire());
            inner.putNull("param");
            inner.putNull("code");
        }
        try {
            sse.data(err.toString());
        } catch (SseWriter.ClientGoneException ignored) {
            // nothing more to tell a client that is gone
        }
    }

    ObjectNode chunkBase(String id, String object, long created, LocalModel m) {
        ObjectNode c = json.createObjectNode();
        c.put("id", id);
        c.put("object", object);
        c.put("created", created);
        c.put("model", m.id());
        return c;
    }

    private String chatChunk(String id, long created, LocalModel m, int index, ObjectNode delta, ObjectNode logprobs,
                             String finish, boolean includeUsage) {
        ObjectNode c = chunkBase(id, "chat.completion.chunk", created, m);
        ObjectNode ch = c.putArray("choices").addObject();
        ch.put("index", index);
        ch.set("delta", delta);
        choiceTail(c, ch, logprobs, finish, includeUsage);
        return c.toString();
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

    private ObjectNode chatLogprobs(LocalModel m, List<ChoiceResult.TokenInfo> tokens) {
        ObjectNode lp = json.createObjectNode();
        ArrayNode content = lp.putArray("content");
        for (ChoiceResult.TokenInfo t : tokens) {
            ObjectNode o = content.addObject();
            o.put("token", t.text());
            o.put("logprob", t.logprob());
            o.set("bytes", bytes(m, t.token()));
            ArrayNode top = o.putArray("top_logprobs");
            for (TokenLogprob alt : t.top()) {
                ObjectNode a = top.addObject();
                a.put("token", GenerationRunner.piece(m, alt.token()));
                a.put("logprob", alt.logprob());
                a.set("bytes", bytes(m, alt.token()));
            }
        }
        lp.putNull("refusal");
        return lp;
    }

    /**
     * The token's own bytes. Not the UTF-8 of its text: a byte-fallback token holding part of a multi-byte
     * character has the text U+FFFD, and {@code bytes} is how a client puts the character back together.
     */
    private ArrayNode bytes(LocalModel m, int token) {
        ArrayNode a = json.createArrayNode();
        for (byte b : m.model().tokenizer().tokenBytes(token)) {
            a.add(b & 0xFF);
        }
        return a;
    }

    /**
     * The {@code usage} object. Prompt tokens count each prompt once however many choices it has ({@code n}),
     * and so do its cached tokens: those of the first choice of each prompt (index = prompt * n + choice), the
     * one that met the prefix cache as the request found it.
     */
    ObjectNode usage(int promptTokens, List<ChoiceResult> choices, int n) {
        int completion = 0;
        int cached = 0;
        for (ChoiceResult c : choices) {
            completion += c.usage().completionTokens();
            if (c.index() % n == 0) {
                cached += c.usage().cachedTokens();
            }
        }
        ObjectNode u = json.createObjectNode();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completion);
        u.put("total_tokens", promptTokens + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        u.putObject("completion_tokens_details").put("reasoning_tokens", 0);
        if (!choices.isEmpty()) {
            Usage first = choices.getFirst().usage();
            ObjectNode timings = u.putObject("timings");
            timings.put("prompt_ms", first.promptNanos() / 1e6);
            timings.put("prompt_per_second", first.promptTokensPerSecond());
            timings.put("predicted_ms", first.generationNanos() / 1e6);
            timings.put("predicted_per_second", first.generationTokensPerSecond());
        }
        return u;
    }

    private String renderChat(LocalModel m, List<Map<String, Object>> messages, JsonNode req) {
        Map<String, Object> extra = new LinkedHashMap<>();
        JsonNode tools = Fields.present(req, "tools");
        if (tools != null) {
            if (!tools.isArray()) {
                throw Fields.wrongType("tools", tools, "an array");
            }
            extra.put("tools", json.convertValue(tools, List.class));
        }
        JsonNode kwargs = Fields.present(req, "chat_template_kwargs");
        if (kwargs != null && kwargs.isObject()) {
            kwargs.fields().forEachRemaining(e -> extra.put(e.getKey(), json.convertValue(e.getValue(), Object.class)));
        }
        try {
            return m.renderChat(messages, extra);
        } catch (TemplateException e) {
            throw ApiException.invalidRequest("messages", e.isRaised() ? e.getMessage()
                    : "The model's chat template could not render these messages: " + e.getMessage());
        }
    }

    // ---- completions --------------------------------------------------------------------------------

    private void completions(Context ctx) {
        new CompletionsHandler(this, json, runner).handle(ctx, object(ctx));
    }
}
