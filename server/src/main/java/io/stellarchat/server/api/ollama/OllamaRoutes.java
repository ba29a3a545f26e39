package io.stellarchat.server.api.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.api.GenerationFields;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.api.stream.AnswerReader;
import io.stellarchat.server.api.stream.NdjsonWriter;
import io.stellarchat.server.api.stream.SseWriter;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.limits.Reservation;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.CompletionRequest;
import io.stellarchat.server.protocol.ContentPart;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.EmbeddingResult;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.Tool;
import io.stellarchat.server.protocol.ToolCall;
import io.stellarchat.server.protocol.ToolCallDelta;
import io.stellarchat.server.protocol.Usage;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ollama's API, so its clients (the {@code ollama} libraries, Open WebUI, Continue, Raycast …) can use StellarChat:
 * {@code POST /api/chat} and {@code /api/generate} (NDJSON streamed by default, one object with
 * {@code stream: false}; {@code options}, {@code format} "json" or a JSON schema, {@code think}, {@code tools}),
 * {@code GET /api/tags}, {@code POST /api/show}, {@code GET /api/ps}, {@code POST /api/embed} and the older
 * {@code /api/embeddings}, {@code GET /api/version}. Every model call goes through the gateway with the same
 * keys, limits and caches as the OpenAI routes; remote models are listed and usable too. Errors are
 * {@code {"error": "…"}} (this group's {@link #errors()} dialect, for every path under {@code /api/}).
 *
 * <p>{@code /api/pull} is {@code api.admin.PullRoutes}. Not here: {@code /api/delete}, {@code /api/copy},
 * {@code /api/create}, {@code /api/push} — they answer 501 saying so — and {@code images}, refused with 400.
 */
public final class OllamaRoutes implements RouteGroup {
    private static final Logger log = LoggerFactory.getLogger(OllamaRoutes.class);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;
    private final Gateway gateway;
    private final Admission admission;
    private final ObjectMapper json;
    private final JsonBodyReader body;
    private final AnswerReader reader;
    private final String version;

    /**
     * @param version what {@code /api/version} reports (this server's version)
     */
    public OllamaRoutes(Gateway gateway, Admission admission, ObjectMapper json, long maxBodyBytes, Duration keepAlive,
                        String version) {
        this.gateway = gateway;
        this.admission = admission;
        this.json = json;
        this.body = new JsonBodyReader(json, maxBodyBytes);
        this.reader = new AnswerReader(keepAlive);
        this.version = version;
    }

    /** Ollama's error body, {@code {"error": "…"}}, for every path under {@code /api/} (also /api/pull's). */
    @Override
    public io.stellarchat.server.api.ErrorDialect errors() {
        return new io.stellarchat.server.api.ErrorDialect() {
            @Override
            public boolean covers(String path) {
                return path.startsWith("/api/");
            }

            @Override
            public ObjectNode body(ObjectMapper mapper, ApiException e) {
                return mapper.createObjectNode().put("error", e.getMessage());
            }
        };
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.post("/api/chat", ctx -> chat(ctx, object(ctx)));
        routes.post("/api/generate", ctx -> generate(ctx, object(ctx)));
        routes.get("/api/tags", this::tags);
        routes.post("/api/show", ctx -> show(ctx, object(ctx)));
        routes.get("/api/ps", this::ps);
        routes.post("/api/embed", ctx -> embed(ctx, object(ctx), false));
        routes.post("/api/embeddings", ctx -> embed(ctx, object(ctx), true));
        routes.get("/api/version", ctx -> ctx.json(json.createObjectNode().put("version", version)));
        for (String path : List.of("/api/push", "/api/create", "/api/copy")) {
            routes.post(path, ctx -> notYet(path));
        }
        routes.delete("/api/delete", ctx -> notYet("/api/delete"));
    }

    private static void notYet(String path) {
        throw new ApiException(501, ErrorType.INVALID_REQUEST, "not_implemented", null, path + " is not supported by "
                + "this server: pull GGUF files from the Hub (/api/pull, stellar pull) or put them in the models directory.");
    }

    private JsonNode object(Context ctx) {
        JsonNode root = body.readTree(ctx);
        if (!root.isObject()) {
            throw ApiException.invalidRequest(null, "The request body must be a JSON object, got " + Fields.describe(root) + ".");
        }
        return root;
    }

    // ---- chat and generate -----------------------------------------------------------------------------

    private void chat(Context ctx, JsonNode req) {
        String model = Fields.requiredString(req, "model");
        Caller caller = Authentication.caller(ctx);
        ModelInfo info = model(caller, model);
        List<Message> messages = messages(req);
        GenerationParams params = params(req);
        List<Tool> tools = tools(req);
        ObjectNode extra = json.createObjectNode();
        think(req, extra);
        ChatRequest request = new ChatRequest(model, messages, params, tools, null, format(req), true, false, extra);
        Reservation reservation = admission.reserve(ctx, caller, info.id(),
                () -> Admission.budget(info, gateway.promptTokens(info.id(), messages), params));
        long start = System.nanoTime();
        ChatStream stream = admission.call(Admission.site(ctx, null, "chat", caller, info.id(),
                Fields.bool(req, "stream", true), messages), reservation, () -> gateway.chat(request));
        answer(ctx, req, stream, info.id(), start, true);
    }

    private void generate(Context ctx, JsonNode req) {
        String model = Fields.requiredString(req, "model");
        Caller caller = Authentication.caller(ctx);
        ModelInfo info = model(caller, model);
        refuseImages(req, "images");
        String prompt = Fields.string(req, "prompt", "");
        GenerationParams params = params(req);
        if (prompt.isEmpty() && !req.has("messages")) {
            // Ollama loads the model and answers done at once: clients use it to preload (or, with keep_alive 0,
            // to unload: `ollama stop`).
            JsonNode k = req.get("keep_alive");
            boolean unload = k != null && (k.isNumber() ? k.asDouble() == 0 : k.asText().strip().matches("0+(\\.0+)?(ms|s|m|h)?"));
            if (!unload && gateway.localStates().containsKey(info.id())) gateway.loadLocal(info.id());
            keepAlive(req, info.id());
            ObjectNode done = base(info.id());
            done.put("response", "");
            done.put("done", true);
            done.put("done_reason", unload ? "unload" : "load");
            ctx.json(done);
            return;
        }
        long start = System.nanoTime();
        ChatStream stream;
        if (Fields.bool(req, "raw", false)) {
            CompletionRequest request = new CompletionRequest(model, List.of(prompt), params, false, true, false, null);
            Reservation reservation = admission.reserve(ctx, caller, info.id(),
                    () -> Admission.budget(info, prompt.length() / 4 + 1, params));
            stream = admission.call(Admission.site(ctx, null, "text_completion", caller, info.id(),
                    Fields.bool(req, "stream", true), prompt), reservation, () -> gateway.complete(request));
        } else {
            List<Message> messages = new ArrayList<>();
            String system = Fields.string(req, "system", null);
            if (system != null && !system.isEmpty()) messages.add(Message.text(Role.SYSTEM, system));
            messages.add(Message.text(Role.USER, prompt));
            ObjectNode extra = json.createObjectNode();
            think(req, extra);
            ChatRequest request = new ChatRequest(model, messages, params, List.of(), null, format(req), true, false, extra);
            Reservation reservation = admission.reserve(ctx, caller, info.id(),
                    () -> Admission.budget(info, gateway.promptTokens(info.id(), messages), params));
            stream = admission.call(Admission.site(ctx, null, "chat", caller, info.id(),
                    Fields.bool(req, "stream", true), messages), reservation, () -> gateway.chat(request));
        }
        answer(ctx, req, stream, info.id(), start, false);
    }

    /**
     * Ollama's per-request {@code keep_alive}: {@code 0} (or "0", "0s") unloads a local model once this request is
     * done, as {@code ollama stop} does; other values leave {@code models.keep_alive} in charge.
     */
    private void keepAlive(JsonNode req, String model) {
        JsonNode k = req.get("keep_alive");
        if (k == null || k.isNull()) return;
        boolean zero = k.isNumber() ? k.asDouble() == 0 : k.asText().strip().matches("0+(\\.0+)?(ms|s|m|h)?");
        if (zero && gateway.localStates().containsKey(model)) gateway.unloadLocal(model);
    }

    /** Streams (default) or collects the answer in Ollama's chat or generate shape. */
    private void answer(Context ctx, JsonNode req, ChatStream stream, String model, long start, boolean chat) {
        try {
            answerOnce(ctx, req, stream, model, start, chat);
        } finally {
            keepAlive(req, model);
        }
    }

    private void answerOnce(Context ctx, JsonNode req, ChatStream stream, String model, long start, boolean chat) {
        boolean streamed = Fields.bool(req, "stream", true);
        if (!streamed) {
            ChatCompletion answer = reader.collect(ctx, stream);
            ChatCompletion.Choice c = answer.choices().isEmpty() ? null : answer.choices().getFirst();
            ObjectNode o = base(model);
            String content = c == null ? "" : c.content();
            if (chat) {
                ObjectNode m = o.putObject("message");
                m.put("role", "assistant");
                m.put("content", content);
                if (c != null && !c.reasoning().isEmpty()) m.put("thinking", c.reasoning());
                if (c != null && !c.toolCalls().isEmpty()) m.set("tool_calls", toolCalls(c.toolCalls()));
            } else {
                o.put("response", content);
                if (c != null && !c.reasoning().isEmpty()) o.put("thinking", c.reasoning());
            }
            end(o, c == null ? FinishReason.STOP : c.finish(), answer.usage(), start);
            ctx.json(o);
            return;
        }
        stream = reader.awaitFirstEvent(ctx, stream); // a refusal before the first event is a plain 429/503
        if (stream == null) return;
        NdjsonWriter out;
        try {
            out = new NdjsonWriter(ctx);
        } catch (SseWriter.ClientGoneException e) {
            stream.cancel();
            return;
        }
        TreeMap<Integer, String[]> calls = new TreeMap<>();
        Map<Integer, StringBuilder> args = new java.util.HashMap<>();
        FinishReason[] why = {FinishReason.STOP};
        try {
            reader.stream(stream, new AnswerReader.Sink() {
                @Override
                public void event(ChatEvent e) throws SseWriter.ClientGoneException {
                    switch (e) {
                        case ChatEvent.Delta d -> {
                            for (ToolCallDelta t : d.toolCalls()) {
                                String[] c = calls.computeIfAbsent(t.index(), i -> new String[2]);
                                if (t.id() != null) c[0] = t.id();
                                if (t.name() != null) c[1] = t.name();
                                if (t.arguments() != null) args.computeIfAbsent(t.index(), i -> new StringBuilder()).append(t.arguments());
                            }
                            if (d.content().isEmpty() && d.reasoning().isEmpty()) return;
                            ObjectNode o = base(model);
                            if (chat) {
                                ObjectNode m = o.putObject("message");
                                m.put("role", "assistant");
                                m.put("content", d.content());
                                if (!d.reasoning().isEmpty()) m.put("thinking", d.reasoning());
                            } else {
                                o.put("response", d.content());
                                if (!d.reasoning().isEmpty()) o.put("thinking", d.reasoning());
                            }
                            o.put("done", false);
                            out.line(o.toString());
                        }
                        case ChatEvent.ChoiceEnd end -> why[0] = end.reason();
                        case ChatEvent.Done done -> {
                            if (!calls.isEmpty()) { // Ollama sends a call whole, in a message of its own
                                List<ToolCall> made = new ArrayList<>();
                                calls.forEach((i, c) -> made.add(new ToolCall(c[0] == null ? "call_" + i : c[0],
                                        c[1] == null ? "" : c[1], args.containsKey(i) ? args.get(i).toString() : "")));
                                ObjectNode o = base(model);
                                ObjectNode m = o.putObject("message");
                                m.put("role", "assistant");
                                m.put("content", "");
                                m.set("tool_calls", toolCalls(made));
                                o.put("done", false);
                                out.line(o.toString());
                            }
                            ObjectNode o = base(model);
                            if (chat) o.putObject("message").put("role", "assistant").put("content", "");
                            else o.put("response", "");
                            end(o, why[0], done.usage(), start);
                            out.line(o.toString());
                        }
                    }
                }

                @Override
                public void idle() {
                    // Ollama's stream has no keep-alive lines
                }
            });
        } catch (SseWriter.ClientGoneException e) {
            log.info("client disconnected during a streamed Ollama answer; generation cancelled");
        } catch (RuntimeException e) {
            ApiException a = ApiException.of(e);
            try {
                out.line(json.createObjectNode().put("error", a.getMessage()).toString());
            } catch (SseWriter.ClientGoneException ignored) {
                // nothing more to tell a client that is gone
            }
        }
    }

    /** The last object's fields: done, done_reason and the timings in nanoseconds. */
    private static void end(ObjectNode o, FinishReason why, Usage usage, long start) {
        o.put("done", true);
        o.put("done_reason", switch (why) {
            case LENGTH -> "length";
            default -> "stop";
        });
        long total = System.nanoTime() - start;
        o.put("total_duration", total);
        o.put("load_duration", 0);
        o.put("prompt_eval_count", usage.promptTokens());
        o.put("eval_count", usage.completionTokens());
        if (usage.timings() != null) {
            o.put("prompt_eval_duration", (long) (usage.timings().promptMs() * 1e6));
            o.put("eval_duration", (long) (usage.timings().predictedMs() * 1e6));
        } else { // a remote answer: the whole time was the model's
            o.put("prompt_eval_duration", 0);
            o.put("eval_duration", total);
        }
    }

    private ObjectNode base(String model) {
        ObjectNode o = json.createObjectNode();
        o.put("model", model);
        o.put("created_at", TIME.format(Instant.now()));
        return o;
    }

    private ArrayNode toolCalls(List<ToolCall> calls) {
        ArrayNode arr = json.createArrayNode();
        for (ToolCall c : calls) {
            ObjectNode fn = arr.addObject().putObject("function");
            fn.put("name", c.name());
            try {
                fn.set("arguments", json.readTree(c.arguments().isBlank() ? "{}" : c.arguments()));
            } catch (java.io.IOException e) {
                fn.put("arguments", c.arguments()); // not JSON after all: as the model wrote it
            }
        }
        return arr;
    }

    // ---- request fields ----------------------------------------------------------------------------------

    /** The model as the caller may see it; Ollama's message for one that is not there. */
    private ModelInfo model(Caller caller, String name) {
        try {
            return admission.model(caller, name, "model");
        } catch (ApiException e) {
            if (e.status() == 404) {
                throw ApiException.notFound("model_not_found", "model", "model \"" + name + "\" not found, try pulling it first");
            }
            throw e;
        }
    }

    /** {@code options} in Ollama's names, read through the same checks as the OpenAI fields. */
    private GenerationParams params(JsonNode req) {
        JsonNode options = Fields.present(req, "options");
        ObjectNode o = json.createObjectNode();
        if (options != null) {
            if (!options.isObject()) throw Fields.wrongType("options", options, "an object");
            for (String same : List.of("temperature", "top_p", "top_k", "min_p", "seed", "stop", "repeat_penalty",
                    "presence_penalty", "frequency_penalty")) {
                if (options.has(same)) o.set(same, options.get(same));
            }
            JsonNode n = options.get("num_predict");
            if (n != null && n.isIntegralNumber() && n.asLong() > 0) o.set("max_tokens", n);
        }
        return GenerationFields.parse(o, true).params();
    }

    private static void think(JsonNode req, ObjectNode extra) {
        JsonNode think = req.get("think");
        if (think != null && think.isBoolean()) {
            extra.putObject("chat_template_kwargs").put("enable_thinking", think.asBoolean());
        }
    }

    /** {@code format}: "json" (any JSON object) or a JSON schema, as a response_format. */
    private ObjectNode format(JsonNode req) {
        JsonNode f = req.get("format");
        if (f == null || f.isNull() || f.isTextual() && f.asText().isEmpty()) return null;
        ObjectNode rf = json.createObjectNode();
        if (f.isTextual() && f.asText().equals("json")) {
            rf.put("type", "json_object");
            return rf;
        }
        if (!f.isObject()) throw Fields.wrongType("format", f, "\"json\" or a JSON schema object");
        rf.put("type", "json_schema");
        ObjectNode js = rf.putObject("json_schema");
        js.put("name", "format");
        js.set("schema", f);
        js.put("strict", false);
        return rf;
    }

    private List<Message> messages(JsonNode req) {
        JsonNode arr = Fields.present(req, "messages");
        if (arr == null || !arr.isArray()) throw ApiException.invalidRequest("messages", "'messages' must be an array.");
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode m = arr.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) throw Fields.wrongType(at, m, "an object");
            refuseImages(m, at + ".images");
            String role = Fields.string(m, "role", null);
            Role r;
            try {
                r = Role.valueOf(String.valueOf(role).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidRequest(at + ".role", "Invalid '" + at + ".role': " + role
                        + "; expected system, user, assistant or tool.");
            }
            List<ToolCall> calls = new ArrayList<>();
            JsonNode tc = m.get("tool_calls");
            if (tc != null && tc.isArray()) {
                for (int k = 0; k < tc.size(); k++) {
                    JsonNode fn = tc.get(k).path("function");
                    JsonNode a = fn.get("arguments");
                    calls.add(new ToolCall(tc.get(k).path("id").asText("call_" + i + "_" + k), fn.path("name").asText(),
                            a == null ? "{}" : a.isTextual() ? a.asText() : a.toString()));
                }
            }
            String content = Fields.string(m, "content", "");
            String toolName = Fields.string(m, "tool_name", null);
            out.add(new Message(r, List.of(new ContentPart.Text(content)), r == Role.TOOL ? toolName : null, calls,
                    r == Role.TOOL ? Fields.string(m, "tool_call_id", toolName) : null));
        }
        return out;
    }

    private static void refuseImages(JsonNode obj, String at) {
        JsonNode images = obj.get("images");
        if (images != null && images.isArray() && !images.isEmpty()) {
            throw ApiException.invalidRequest(at, "Images are not supported: the models served here read text only.");
        }
    }

    private static List<Tool> tools(JsonNode req) {
        JsonNode tools = Fields.present(req, "tools");
        if (tools == null) return List.of();
        if (!tools.isArray()) throw Fields.wrongType("tools", tools, "an array");
        List<Tool> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode fn = tools.get(i).path("function");
            String name = fn.path("name").asText(null);
            if (name == null || name.isBlank()) {
                throw ApiException.invalidRequest("tools[" + i + "].function.name", "Each tool needs 'function.name'.");
            }
            out.add(new Tool(name, fn.path("description").asText(null), fn.get("parameters"), null));
        }
        return out;
    }

    // ---- models -----------------------------------------------------------------------------------------

    private void tags(Context ctx) {
        Caller caller = Authentication.caller(ctx);
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("models");
        for (ModelInfo m : gateway.models()) {
            if (Admission.visible(caller, m)) arr.add(modelEntry(m));
        }
        ctx.json(root);
    }

    private void ps(Context ctx) {
        Caller caller = Authentication.caller(ctx);
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("models");
        Map<String, String> states = gateway.localStates();
        for (ModelInfo m : gateway.models()) {
            if (!"loaded".equals(states.get(m.id())) || !Admission.visible(caller, m)) continue;
            ObjectNode o = modelEntry(m);
            o.put("expires_at", TIME.format(Instant.now().plus(Duration.ofMinutes(5)))); // about models.keep_alive
            o.put("size_vram", 0);
            arr.add(o);
        }
        ctx.json(root);
    }

    private ObjectNode modelEntry(ModelInfo m) {
        ObjectNode o = json.createObjectNode();
        o.put("name", m.id());
        o.put("model", m.id());
        o.put("modified_at", TIME.format(Instant.ofEpochSecond(m.created())));
        o.put("size", 0);
        o.put("digest", "");
        o.set("details", details(m));
        return o;
    }

    private ObjectNode details(ModelInfo m) {
        ObjectNode d = json.createObjectNode();
        d.put("parent_model", "");
        d.put("format", m.local() != null ? "gguf" : "remote");
        String family = m.local() != null ? m.local().architecture() : m.ownedBy();
        d.put("family", family);
        d.putArray("families").add(family);
        d.put("parameter_size", m.local() != null ? size(m.local().parameters()) : "");
        d.put("quantization_level", m.local() != null ? m.local().quantization() : "");
        return d;
    }

    private static String size(long parameters) {
        if (parameters >= 1_000_000_000L) return String.format(Locale.ROOT, "%.1fB", parameters / 1e9);
        if (parameters >= 1_000_000L) return String.format(Locale.ROOT, "%.1fM", parameters / 1e6);
        return String.format(Locale.ROOT, "%.1fK", parameters / 1e3);
    }

    private void show(Context ctx, JsonNode req) {
        String name = Fields.string(req, "model", Fields.string(req, "name", null));
        if (name == null) throw ApiException.invalidRequest("model", "Missing required parameter: 'model'.");
        ModelInfo m = model(Authentication.caller(ctx), name);
        ObjectNode o = json.createObjectNode();
        o.put("modelfile", "");
        o.put("parameters", "");
        o.put("template", "");
        o.set("details", details(m));
        ObjectNode info = o.putObject("model_info");
        if (m.local() != null) {
            String arch = m.local().architecture();
            info.put("general.architecture", arch);
            info.put("general.parameter_count", m.local().parameters());
            info.put(arch + ".context_length", m.local().trainedContextLength());
            info.put(arch + ".embedding_length", m.local().embeddingLength());
        }
        ArrayNode caps = o.putArray("capabilities");
        boolean encoder = m.local() != null && ENCODER_ARCHITECTURES.contains(m.local().architecture());
        if (!encoder) {
            caps.add("completion");
            caps.add("tools");
        }
        if (m.local() != null) caps.add("embedding");
        o.put("modified_at", TIME.format(Instant.ofEpochSecond(m.created())));
        ctx.json(o);
    }

    // ---- embeddings -------------------------------------------------------------------------------------

    /** Architectures of embedding-only models (the engine's encoders): Ollama lists them with "embedding" alone. */
    private static final java.util.Set<String> ENCODER_ARCHITECTURES = java.util.Set.of("bert", "nomic-bert");

    private void embed(Context ctx, JsonNode req, boolean legacy) {
        String name = Fields.requiredString(req, "model");
        Caller caller = Authentication.caller(ctx);
        ModelInfo info = model(caller, name);
        List<EmbeddingRequest.Input> inputs = new ArrayList<>();
        JsonNode in = legacy ? Fields.present(req, "prompt") : Fields.present(req, "input");
        String field = legacy ? "prompt" : "input";
        if (in == null) throw ApiException.invalidRequest(field, "Missing required parameter: '" + field + "'.");
        if (in.isTextual()) {
            inputs.add(new EmbeddingRequest.Text(in.asText(), field));
        } else if (in.isArray() && !legacy) {
            for (int i = 0; i < in.size(); i++) {
                if (!in.get(i).isTextual()) throw Fields.wrongType(field + "[" + i + "]", in.get(i), "a string");
                inputs.add(new EmbeddingRequest.Text(in.get(i).asText(), field + "[" + i + "]"));
            }
        } else {
            throw Fields.wrongType(field, in, legacy ? "a string" : "a string or an array of strings");
        }
        Reservation reservation = admission.reserve(ctx, caller, info.id(),
                () -> inputs.stream().mapToLong(x -> ((EmbeddingRequest.Text) x).text().length() / 4 + 2).sum());
        long start = System.nanoTime();
        EmbeddingResult r;
        try {
            // Ollama truncates over-long inputs unless told not to; dimensions as OpenAI's (leading, renormalised).
            r = gateway.embed(new EmbeddingRequest(name, inputs, Fields.integer(req, "dimensions", 1, Integer.MAX_VALUE),
                    Fields.bool(req, "truncate", true)));
        } catch (RuntimeException e) {
            reservation.settle(0);
            throw e;
        }
        reservation.settle(r.promptTokens());
        ObjectNode o = json.createObjectNode();
        if (legacy) {
            ArrayNode v = o.putArray("embedding");
            for (float x : r.vectors().getFirst()) v.add(x);
        } else {
            o.put("model", info.id());
            ArrayNode all = o.putArray("embeddings");
            for (float[] vec : r.vectors()) {
                ArrayNode v = all.addArray();
                for (float x : vec) v.add(x);
            }
            o.put("total_duration", System.nanoTime() - start);
            o.put("load_duration", 0);
            o.put("prompt_eval_count", r.promptTokens());
        }
        ctx.json(o);
    }
}
