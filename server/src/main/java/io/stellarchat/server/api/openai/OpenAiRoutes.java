package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.api.stream.AnswerReader;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.protocol.ModelInfo;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible API: {@code /v1/models}, {@code /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/embeddings}, {@code /v1/rerank} (also {@code /v2/rerank}, {@code /rerank}: the Jina/Cohere/vLLM/llama.cpp
 * shape), and llama.cpp's {@code /tokenize} and {@code /detokenize}. Requests are validated
 * field by field (a known field with a wrong type or range → 400 naming it); responses and SSE chunks mirror
 * OpenAI's shapes. Every model call goes through the {@link Gateway}; every answer names who gave it in
 * {@value #UPSTREAM_HEADER}.
 */
public final class OpenAiRoutes implements RouteGroup {
    /** The response header naming who answered: {@code <provider id>/<upstream model>}, {@code local/<model id>}. */
    public static final String UPSTREAM_HEADER = "X-Stellar-Upstream";
    /** Notes about how a request was taken (e.g. schema keywords a non-strict response_format could not enforce). */
    public static final String WARNING_HEADER = "X-Stellar-Warning";
    private static final Logger log = LoggerFactory.getLogger(OpenAiRoutes.class);

    private final Gateway gateway;
    private final Admission admission;
    private final ObjectMapper json;
    private final JsonBodyReader body;
    private final ChatCompletionsHandler chat;
    private final CompletionsHandler completions;
    private final EmbeddingsHandler embeddings;
    private final RerankHandler rerank;
    private final TokenizeHandler tokenize;

    public OpenAiRoutes(Gateway gateway, ObjectMapper json, long maxBodyBytes, Duration keepAlive) {
        this(gateway, Admission.open(gateway), json, maxBodyBytes, keepAlive);
    }

    /**
     * @param admission model visibility, rate limits and caches around every model call
     */
    public OpenAiRoutes(Gateway gateway, Admission admission, ObjectMapper json, long maxBodyBytes, Duration keepAlive) {
        this.gateway = gateway;
        this.admission = admission;
        this.json = json;
        this.body = new JsonBodyReader(json, maxBodyBytes);
        AnswerReader reader = new AnswerReader(keepAlive);
        this.chat = new ChatCompletionsHandler(gateway, admission, json, reader);
        this.completions = new CompletionsHandler(gateway, admission, json, reader);
        this.embeddings = new EmbeddingsHandler(gateway, admission, json);
        this.rerank = new RerankHandler(gateway, admission, json);
        this.tokenize = new TokenizeHandler(gateway, json);
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.get("/v1/models", this::listModels);
        routes.get("/v1/models/{id}", this::getModel);
        routes.post("/v1/chat/completions", ctx -> whileConnected(ctx, () -> chat.handle(ctx, object(ctx))));
        routes.post("/v1/completions", ctx -> whileConnected(ctx, () -> completions.handle(ctx, object(ctx))));
        routes.post("/v1/embeddings", ctx -> embeddings.handle(ctx, object(ctx)));
        routes.post("/v1/rerank", ctx -> rerank.handle(ctx, object(ctx)));
        routes.post("/v2/rerank", ctx -> rerank.handle(ctx, object(ctx)));
        routes.post("/rerank", ctx -> rerank.handle(ctx, object(ctx)));
        routes.post("/tokenize", ctx -> tokenize.tokenize(ctx, object(ctx)));
        routes.post("/detokenize", ctx -> tokenize.detokenize(ctx, object(ctx)));
        routes.post("/apply-template", ctx -> applyTemplate(ctx, object(ctx)));
    }

    /** Runs a generating handler; a client that went away ends it quietly (its answer is cancelled). */
    private static void whileConnected(Context ctx, Runnable handler) {
        try {
            handler.run();
        } catch (AnswerReader.ClientGone e) {
            log.info("client disconnected before the answer was ready; generation cancelled");
        }
    }

    private JsonNode object(Context ctx) {
        JsonNode root = body.readTree(ctx);
        if (!root.isObject()) {
            throw ApiException.invalidRequest(null, "The request body must be a JSON object, got " + Fields.describe(root) + ".");
        }
        return root;
    }

    /** llama.cpp's {@code POST /apply-template}: {@code {model, messages, tools, …}} → {@code {"prompt": "…"}}. */
    private void applyTemplate(Context ctx, JsonNode req) {
        String model = Fields.requiredString(req, "model");
        var info = admission.model(Authentication.caller(ctx), model, "model");
        var request = new io.stellarchat.server.protocol.ChatRequest(info.id(), ChatMessages.parse(req),
                io.stellarchat.server.protocol.GenerationParams.DEFAULTS, ChatMessages.tools(req),
                Fields.present(req, "tool_choice"), null, false, false, ChatCompletionsHandler.extras(req,
                java.util.Set.of("model", "messages", "tools", "tool_choice")));
        ObjectNode out = json.createObjectNode();
        out.put("prompt", gateway.applyTemplate(request));
        ctx.json(out);
    }

    // ---- models -------------------------------------------------------------------------------------

    private void listModels(Context ctx) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        Caller caller = Authentication.caller(ctx);
        for (ModelInfo m : gateway.models()) {
            if (Admission.visible(caller, m)) data.add(modelObject(m));
        }
        ctx.json(root);
    }

    private void getModel(Context ctx) {
        ctx.json(modelObject(admission.model(Authentication.caller(ctx), ctx.pathParam("id"), "id")));
    }

    private ObjectNode modelObject(ModelInfo m) {
        ObjectNode o = json.createObjectNode();
        o.put("id", m.id());
        o.put("object", "model");
        o.put("created", m.created());
        o.put("owned_by", m.ownedBy());
        ObjectNode meta = o.putObject("meta");
        ModelInfo.LocalDetails d = m.local();
        if (d != null) {
            meta.put("architecture", d.architecture());
            meta.put("parameters", d.parameters());
            meta.put("quantization", d.quantization());
            meta.put("context_length", m.contextLength());
            meta.put("trained_context_length", d.trainedContextLength());
            meta.put("vocab_size", d.vocabSize());
            meta.put("embedding_length", d.embeddingLength());
            meta.put("chat_template", d.templateFallback() ? "fallback: chatml" : "model");
        } else if (m.contextLength() > 0) {
            meta.put("context_length", m.contextLength());
        }
        meta.set("aliases", json.valueToTree(m.aliases()));
        return o;
    }
}
