package io.stellarchat.server.gateway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.engine.runtime.ContextOverflowException;
import io.stellarchat.engine.runtime.EngineOverloadedException;
import io.stellarchat.engine.runtime.GenerationRequest;
import io.stellarchat.engine.runtime.RequestHandle;
import io.stellarchat.engine.sampling.SamplingParams;
import io.stellarchat.engine.template.TemplateException;
import io.stellarchat.server.gateway.Provider;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.CompletionRequest;
import io.stellarchat.server.protocol.ContentPart;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.EmbeddingResult;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.Sampling;
import io.stellarchat.server.protocol.ToolCall;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The in-process engine as a {@link Provider} (id {@code local}): renders a chat with the model's template,
 * tokenizes, checks the request against the model (context, vocabulary), submits its choices to the model's
 * engine and hands back a {@link LocalChatStream}. The only part of the service, besides the command line,
 * that uses the engine's types.
 *
 * <p>Defaults follow llama.cpp's server where OpenAI leaves the choice to the server: temperature 0.8,
 * top_k 40, top_p 0.95, min_p 0.05, no repetition penalty; no {@code max_tokens} means "until a stop or the
 * context ends".
 *
 * <p>Threads: immutable after construction (the registry is); any request thread may call it.
 */
public final class LocalProvider implements Provider {
    /** The provider id of the engine, in {@code X-Stellar-Upstream} and metrics. */
    public static final String ID = "local";
    private static final long EMBED_TIMEOUT_SECONDS = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelRegistry registry;
    private final ModelMetrics metrics;

    /**
     * @param registry the loaded models (owned by the caller, closed by {@link #close()})
     * @param metrics  where token counts and latencies go, or null
     */
    private final Map<String, String> versions = new java.util.concurrent.ConcurrentHashMap<>();

    public LocalProvider(ModelRegistry registry, ModelMetrics metrics) {
        this.registry = registry;
        this.metrics = metrics;
    }

    @Override
    public String id() {
        return ID;
    }

    /** The model called {@code name} (id or alias), loading it if it is known but not loaded. */
    public Optional<LocalModel> find(String name) {
        return registry.loaded(name);
    }

    /** The registry of local models (load, unload, states). */
    public ModelRegistry registry() {
        return registry;
    }

    /**
     * What identifies the weights of the model called {@code name}, for cache keys: its file name and size and
     * a SHA-256 of the file's first and last 64 KiB (the header with all metadata, and the last weights) —
     * the same on every replica that has the same file, different when the file is replaced. Computed once.
     */
    public String version(String name) {
        LocalModel m = model(name);
        return versions.computeIfAbsent(m.id(), id -> fingerprint(m.model().path(), m.model().fileSize()));
    }

    private static String fingerprint(java.nio.file.Path path, long size) {
        try (var ch = java.nio.channels.FileChannel.open(path, java.nio.file.StandardOpenOption.READ)) {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            int span = (int) Math.min(64 * 1024, size);
            for (long at : new long[] {0, Math.max(0, size - span)}) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(span);
                while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) { }
                digest.update(b.flip());
            }
            return path.getFileName() + ":" + size + ":" + java.util.HexFormat.of().formatHex(digest.digest(), 0, 16);
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            // Unreadable now (moved away?): the path and size still tell versions apart well enough.
            return path.getFileName() + ":" + size;
        }
    }

    private LocalModel model(String name) {
        return registry.loaded(name).orElseThrow(() -> notFound(name));
    }

    /** The model, loaded if need be, with a request counted in flight on it until {@link ModelRegistry#release}. */
    private LocalModel acquire(String name) {
        return registry.acquire(name).orElseThrow(() -> notFound(name));
    }

    private ProviderException notFound(String name) {
        return ProviderException.notFound("model_not_found", "model", "The model '" + name + "' does not exist or "
                + "is not loaded. Available models: " + registry.known().stream().map(k -> k.entry().id()).toList() + ".");
    }

    // ---- chat and completions ----------------------------------------------------------------------

    @Override
    public ChatStream chat(ChatRequest request) {
        LocalModel m = acquire(request.model());
        try {
            return chat(m, request);
        } catch (RuntimeException e) {
            registry.release(m);
            throw e;
        }
    }

    /** Encoders embed and rank; asking one for text is a client error that names the model. */
    private static void requireGenerator(LocalModel m) {
        if (m.model().isEncoder()) {
            throw ProviderException.invalid("model", "The model '" + m.id() + "' is an embedding/reranking model ("
                    + m.model().config().architecture() + "); it does not generate text. Use it with "
                    + (isReranker(m) ? "/v1/rerank." : "/v1/embeddings or /v1/rerank."));
        }
    }

    private ChatStream chat(LocalModel m, ChatRequest request) {
        requireGenerator(m);
        String prompt = render(m, request.messages(), request);
        int[] tokens = m.encodeChatPrompt(prompt);
        ToolSyntax syntax = syntax(m);
        boolean tools = !request.tools().isEmpty() && !isNone(request.toolChoice());
        boolean inReasoning = syntax.thinkStart() != null && prompt.stripTrailing().endsWith(syntax.thinkStart());
        java.util.function.Supplier<OutputParser> parsers = () -> new OutputParser(syntax, tools, inReasoning);
        io.stellarchat.engine.sampling.Grammar grammar = Constraints.of(request, syntax);
        return submit(m, request.model(), List.of(tokens), request.params(), "messages", parsers, grammar);
    }

    private static boolean isNone(JsonNode toolChoice) {
        return toolChoice != null && toolChoice.isTextual() && toolChoice.asText().equals("none");
    }

    private final Map<String, ToolSyntax> syntaxes = new java.util.concurrent.ConcurrentHashMap<>();

    /** The tool-call and reasoning syntax of a model's family, from its chat template (computed once). */
    ToolSyntax syntax(LocalModel m) {
        return syntaxes.computeIfAbsent(m.id(), id -> ToolSyntax.of(m.templateSource()));
    }

    @Override
    public ChatStream complete(CompletionRequest request) {
        LocalModel m = acquire(request.model());
        try {
            return complete(m, request);
        } catch (RuntimeException e) {
            registry.release(m);
            throw e;
        }
    }

    private ChatStream complete(LocalModel m, CompletionRequest request) {
        requireGenerator(m);
        List<int[]> tokenized = new ArrayList<>();
        for (String p : request.prompts()) {
            tokenized.add(m.model().tokenizer().encode(p, true, false));
        }
        io.stellarchat.engine.sampling.Grammar grammar = null;
        com.fasterxml.jackson.databind.JsonNode gbnf = request.extra() == null ? null : request.extra().get("grammar");
        if (gbnf != null && gbnf.isTextual() && !gbnf.asText().isBlank()) {
            try {
                grammar = io.stellarchat.engine.sampling.Grammar.gbnf(gbnf.asText());
            } catch (io.stellarchat.engine.sampling.GrammarException e) {
                throw ProviderException.invalid("grammar", "The grammar cannot be used: " + e.getMessage());
            }
        }
        return submit(m, request.model(), tokenized, request.params(), "prompt", null, grammar);
    }

    /** The prompt {@link #chat} would submit for {@code request}, as text (llama.cpp's {@code /apply-template}). */
    public String applyTemplate(ChatRequest request) {
        return render(model(request.model()), request.messages(), request);
    }

    /**
     * Tokens of {@code messages} rendered as a chat prompt for {@code model} (with the generation prompt), as
     * {@link #chat} would submit them: what a history window is measured by.
     */
    public int promptTokens(String model, List<Message> messages) {
        LocalModel m = model(model);
        return m.encodeChatPrompt(render(m, messages, null)).length;
    }

    private static String render(LocalModel m, List<Message> messages, ChatRequest request) {
        List<Map<String, Object>> plain = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            plain.add(templateMessage(messages.get(i), "messages[" + i + "]"));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        if (request != null) {
            if (!request.tools().isEmpty()) {
                List<Object> tools = new ArrayList<>();
                for (var t : request.tools()) {
                    Map<String, Object> fn = new LinkedHashMap<>();
                    fn.put("name", t.name());
                    if (t.description() != null) fn.put("description", t.description());
                    if (t.parameters() != null) fn.put("parameters", JSON.convertValue(t.parameters(), Object.class));
                    tools.add(Map.of("type", "function", "function", fn));
                }
                extra.put("tools", tools);
            }
            JsonNode effort = request.extra() == null ? null : request.extra().get("reasoning_effort");
            if (effort != null && effort.isTextual()) extra.put("reasoning_effort", effort.asText());
            JsonNode kwargs = request.extra() == null ? null : request.extra().get("chat_template_kwargs");
            if (kwargs != null && kwargs.isObject()) {
                kwargs.properties().forEach(e -> extra.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class)));
            }
        }
        boolean generationPrompt = true;
        String continued = null;
        if (request != null) {
            JsonNode cont = request.extra().get("continue_final_message");
            JsonNode prompt = request.extra().get("add_generation_prompt");
            if (prompt != null && !prompt.isNull()) {
                if (!prompt.isBoolean()) throw ProviderException.invalid("add_generation_prompt", "Expected a boolean.");
                generationPrompt = prompt.asBoolean();
            }
            if (cont != null && !cont.isNull()) {
                if (!cont.isBoolean()) throw ProviderException.invalid("continue_final_message", "Expected a boolean.");
                if (cont.asBoolean()) {
                    if (prompt != null && prompt.asBoolean(false)) {
                        throw ProviderException.invalid("continue_final_message", "continue_final_message and "
                                + "add_generation_prompt cannot both be true: a reply is either continued or begun.");
                    }
                    Message last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
                    if (last == null || last.role() != Role.ASSISTANT) {
                        throw ProviderException.invalid("messages", "continue_final_message needs the last message "
                                + "to be the assistant's reply to continue.");
                    }
                    continued = last.text();
                    generationPrompt = false;
                }
            }
        }
        try {
            if (continued != null) {
                String p = m.renderContinuation(plain, extra, continued);
                if (p == null) {
                    throw ProviderException.invalid("messages", "The model's chat template does not write the last "
                            + "assistant message's text as given, so it cannot be continued.");
                }
                return p;
            }
            return m.renderChat(plain, generationPrompt, extra);
        } catch (TemplateException e) {
            throw ProviderException.invalid("messages", e.isRaised() ? e.getMessage()
                    : "The model's chat template could not render these messages: " + e.getMessage());
        }
    }

    /**
     * A message as the plain values a chat template reads: {@code role} ({@code developer} given as
     * {@code system}), {@code content} as a string, {@code tool_calls} with their arguments parsed into
     * objects (as templates expect), {@code tool_call_id}, {@code name}.
     */
    private static Map<String, Object> templateMessage(Message msg, String at) {
        for (int j = 0; j < msg.content().size(); j++) {
            if (!(msg.content().get(j) instanceof ContentPart.Text)) {
                throw ProviderException.invalid(at + ".content[" + j + "].type", "Content part type 'image_url' is "
                        + "not supported: this model accepts text only (type 'text').");
            }
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("role", msg.role() == Role.DEVELOPER ? "system" : msg.role().key());
        o.put("content", msg.text());
        if (!msg.toolCalls().isEmpty()) {
            List<Object> calls = new ArrayList<>();
            for (int k = 0; k < msg.toolCalls().size(); k++) {
                ToolCall c = msg.toolCalls().get(k);
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", c.name());
                try {
                    fn.put("arguments", JSON.readValue(c.arguments(), Object.class));
                } catch (Exception e) {
                    throw ProviderException.invalid(at + ".tool_calls[" + k + "].function.arguments",
                            "Invalid '" + at + ".tool_calls[" + k + "].function.arguments': not valid JSON.");
                }
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("id", c.id());
                call.put("type", "function");
                call.put("function", fn);
                calls.add(call);
            }
            o.put("tool_calls", calls);
        }
        if (msg.toolCallId() != null) o.put("tool_call_id", msg.toolCallId());
        if (msg.name() != null) o.put("name", msg.name());
        return o;
    }

    /**
     * Checks the context budget and vocabulary, and submits {@code n} choices per prompt (prompt-major order).
     *
     * @param promptParam the request field holding the prompt ({@code messages} or {@code prompt}), named by a
     *                    context-length error
     */
    private ChatStream submit(LocalModel model, String reported, List<int[]> prompts, GenerationParams opt,
                              String promptParam, java.util.function.Supplier<OutputParser> parsers,
                              io.stellarchat.engine.sampling.Grammar grammar) {
        int ctxLen = model.contextLength();
        int vocab = model.model().config().vocabSize();
        for (int token : opt.sampling().logitBias().keySet()) {
            // Checked here, where the model is known: the sampler would only fail at the first token (a 500,
            // or an error event after a 200 when streaming).
            if (token >= vocab) {
                throw ProviderException.invalid("logit_bias", "Invalid 'logit_bias': token id " + token
                        + " is not in this model's vocabulary (ids 0 to " + (vocab - 1) + ").");
            }
        }
        for (int[] p : prompts) {
            // long: max_tokens may be as large as Integer.MAX_VALUE, and the sum must not wrap around.
            long completion = opt.maxTokens() == null ? 1 : opt.maxTokens();
            long want = p.length + completion;
            if (p.length >= ctxLen || want > ctxLen) {
                throw ProviderException.contextLength(promptParam, "This model's maximum context length is " + ctxLen
                        + " tokens. However, you requested " + want + " tokens (" + p.length + " in the " + promptParam
                        + ", " + completion + " in the completion). Please reduce the length of the " + promptParam
                        + " or completion.");
            }
        }
        SamplingParams base = grammar == null ? sampling(opt) : sampling(opt).withGrammar(grammar);
        long baseSeed = opt.sampling().seed() != null ? opt.sampling().seed() : ThreadLocalRandom.current().nextLong();
        List<RequestHandle> handles = new ArrayList<>();
        ModelMetrics.TokenClock clock = metrics == null ? null : metrics.startRequest(model.id());
        try {
            int k = 0;
            for (int[] p : prompts) {
                int budget = opt.maxTokens() != null ? opt.maxTokens() : ctxLen - p.length;
                for (int i = 0; i < opt.n(); i++) {
                    SamplingParams s = base.withSeed(baseSeed + k++);
                    handles.add(model.engine().submit(new GenerationRequest(p, s, budget, opt.stop(), opt.ignoreEos(), ctxLen)));
                }
            }
        } catch (EngineOverloadedException e) {
            handles.forEach(RequestHandle::cancel);
            throw LocalChatStream.overloaded(e);
        } catch (ContextOverflowException e) {
            handles.forEach(RequestHandle::cancel);
            throw ProviderException.contextLength(promptParam, e.getMessage());
        } catch (RuntimeException e) {
            handles.forEach(RequestHandle::cancel);
            throw e;
        }
        LocalChatStream stream = new LocalChatStream(model, reported, handles, opt.n(), opt.logprobs(), metrics, clock, parsers,
                () -> registry.release(model));
        if (grammar != null && !grammar.ignoredKeywords().isEmpty()) {
            stream.withWarnings(List.of("response_format: JSON Schema keywords not enforced (strict is false): "
                    + String.join(", ", grammar.ignoredKeywords())));
        }
        return stream;
    }

    /** The engine's sampler settings: llama.cpp's defaults, overridden by what the request set. */
    static SamplingParams sampling(GenerationParams opt) {
        Sampling in = opt.sampling();
        SamplingParams s = SamplingParams.defaults();
        if (in.temperature() != null) s = s.withTemperature(in.temperature());
        if (in.topP() != null) s = s.withTopP(in.topP());
        if (in.topK() != null) s = s.withTopK(in.topK());
        if (in.minP() != null) s = s.withMinP(in.minP());
        if (in.repeatPenalty() != null) s = s.withRepeatPenalty(in.repeatPenalty());
        if (in.presencePenalty() != null) s = s.withPresencePenalty(in.presencePenalty());
        if (in.frequencyPenalty() != null) s = s.withFrequencyPenalty(in.frequencyPenalty());
        return s.withLogitBias(in.logitBias()).withTopLogprobs(opt.logprobs() ? opt.topLogprobs() : 0);
    }

    // ---- embeddings and reranking ---------------------------------------------------------------------

    @Override
    public EmbeddingResult embed(EmbeddingRequest request) {
        LocalModel m = acquire(request.model());
        try {
            return embed(m, request);
        } finally {
            registry.release(m);
        }
    }

    /** Whether the model is a cross-encoder: an encoder whose pooling is its classifier head (rank). */
    static boolean isReranker(LocalModel m) {
        return m.model().isEncoder() && m.model().encoder().config().pooling() == io.stellarchat.engine.model.Pooling.RANK;
    }

    private EmbeddingResult embed(LocalModel m, EmbeddingRequest request) {
        if (isReranker(m)) {
            throw ProviderException.invalid("model", "The model '" + m.id() + "' is a reranker (a cross-encoder): it "
                    + "scores query-document pairs at /v1/rerank and has no embeddings.");
        }
        int dim = m.model().config().dim();
        Integer want = request.dimensions();
        if (want != null && want > dim) {
            throw ProviderException.invalid("dimensions", "Invalid 'dimensions': this model's embeddings have " + dim
                    + " dimensions; ask for " + dim + " or fewer (the leading dimensions, renormalised).");
        }
        List<int[]> inputs = new ArrayList<>();
        int vocab = m.model().config().vocabSize();
        int tokens = 0;
        for (EmbeddingRequest.Input in : request.inputs()) {
            int[] ids = switch (in) {
                case EmbeddingRequest.Text t -> m.model().tokenizer().encode(t.text(), true, false);
                case EmbeddingRequest.Tokens t -> {
                    for (int i = 0; i < t.ids().length; i++) {
                        if (t.ids()[i] < 0 || t.ids()[i] >= vocab) {
                            throw ProviderException.invalid(t.param(), "Invalid '" + t.param() + "[" + i
                                    + "]': expected a token id from 0 to " + (vocab - 1) + ", got " + t.ids()[i] + ".");
                        }
                    }
                    yield t.ids();
                }
            };
            if (ids.length == 0) {
                throw ProviderException.invalid(in.param(), "Invalid '" + in.param() + "': the input is empty.");
            }
            ids = fit(m, ids, request.truncate(), in.param());
            tokens += ids.length;
            inputs.add(ids);
        }
        List<float[]> out = vectors(m, inputs);
        if (want != null && want < dim) {
            out.replaceAll(v -> matryoshka(v, want));
        }
        return new EmbeddingResult(out, tokens);
    }

    /**
     * The first {@code dims} values of a vector scaled back to unit length: Matryoshka-trained models
     * (nomic-embed v1.5, ...) keep their meaning in the leading dimensions; for others it is a plain cut.
     */
    static float[] matryoshka(float[] v, int dims) {
        float[] out = java.util.Arrays.copyOf(v, dims);
        double ss = 0;
        for (float x : out) {
            ss += (double) x * x;
        }
        if (ss > 0) {
            float inv = (float) (1 / Math.sqrt(ss));
            for (int i = 0; i < dims; i++) {
                out[i] *= inv;
            }
        }
        return out;
    }

    /**
     * {@code ids} if it fits the model's context; cut to fit when {@code truncate} (a final control token the
     * tokenizer appended, BERT's {@code [SEP]}, is kept at the end); otherwise a context-length error naming
     * {@code param}.
     */
    private static int[] fit(LocalModel m, int[] ids, boolean truncate, String param) {
        int ctx = m.contextLength();
        if (ids.length <= ctx) {
            return ids;
        }
        if (!truncate) {
            throw ProviderException.contextLength(param, "Invalid '" + param + "': it has " + ids.length
                    + " tokens but the model '" + m.id() + "' takes at most " + ctx + ". Shorten it, or send "
                    + "\"truncate\": true to cut it to fit.");
        }
        int last = ids[ids.length - 1];
        if (m.model().tokenizer().isControl(last)) {
            int[] cut = java.util.Arrays.copyOf(ids, ctx);
            cut[ctx - 1] = last;
            return cut;
        }
        return java.util.Arrays.copyOf(ids, ctx);
    }

    /** The engine's vectors for {@code inputs}, all queued before the first wait (so an encoder batches them). */
    private static List<float[]> vectors(LocalModel m, List<int[]> inputs) {
        List<CompletableFuture<float[]>> futures = new ArrayList<>();
        try {
            for (int[] in : inputs) {
                futures.add(m.engine().embed(in));
            }
            List<float[]> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EMBED_TIMEOUT_SECONDS);
            for (CompletableFuture<float[]> f : futures) {
                out.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return out;
        } catch (EngineOverloadedException e) {
            futures.forEach(f -> f.cancel(false));
            throw ProviderException.overloaded("queue_full", e.getMessage(),
                    Duration.ofSeconds(Math.max(1, e.retryAfter().toSeconds())));
        } catch (TimeoutException e) {
            futures.forEach(f -> f.cancel(false));
            throw ProviderException.unavailable(null, "The embedding took longer than " + EMBED_TIMEOUT_SECONDS + " s.", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            futures.forEach(f -> f.cancel(false));
            throw ProviderException.unavailable(null, "The server is shutting down.", null);
        } catch (IllegalStateException e) {
            futures.forEach(f -> f.cancel(false));
            throw ProviderException.unavailable(null, "The model '" + m.id() + "' is shutting down.", null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ContextOverflowException c) {
                throw ProviderException.contextLength("input", c.getMessage());
            }
            throw new IllegalStateException("embedding failed", e.getCause());
        }
    }

    @Override
    public io.stellarchat.server.protocol.RerankResult rerank(io.stellarchat.server.protocol.RerankRequest request) {
        LocalModel m = acquire(request.model());
        try {
            return rerank(m, request);
        } finally {
            registry.release(m);
        }
    }

    /**
     * A cross-encoder scores each (query, document) pair in one pass: the sigmoid of its classifier's logit. Any
     * other model scores by the cosine similarity of the query's and each document's embedding (a bi-encoder).
     */
    private io.stellarchat.server.protocol.RerankResult rerank(LocalModel m, io.stellarchat.server.protocol.RerankRequest r) {
        if (r.documents().isEmpty()) {
            return new io.stellarchat.server.protocol.RerankResult(List.of(), 0);
        }
        var tok = m.model().tokenizer();
        int[] query = tok.encode(r.query(), true, false);
        if (query.length == 0) {
            throw ProviderException.invalid("query", "Invalid 'query': it is empty.");
        }
        List<int[]> inputs = new ArrayList<>();
        int tokens = 0;
        List<Double> scores = new ArrayList<>();
        if (isReranker(m)) {
            for (int i = 0; i < r.documents().size(); i++) {
                int[] pair = pair(m, query, tok.encode(r.documents().get(i), true, false));
                pair = fitPair(m, pair, query.length, r.truncate(), "documents[" + i + "]");
                tokens += pair.length;
                inputs.add(pair);
            }
            for (float[] v : vectors(m, inputs)) {
                scores.add(1 / (1 + Math.exp(-v[0])));
            }
        } else {
            inputs.add(fit(m, query, r.truncate(), "query"));
            for (int i = 0; i < r.documents().size(); i++) {
                int[] d = tok.encode(r.documents().get(i), true, false);
                if (d.length == 0) {
                    throw ProviderException.invalid("documents[" + i + "]", "Invalid 'documents[" + i + "]': it is empty.");
                }
                inputs.add(fit(m, d, r.truncate(), "documents[" + i + "]"));
            }
            for (int[] in : inputs) {
                tokens += in.length;
            }
            List<float[]> v = vectors(m, inputs);
            for (int i = 1; i < v.size(); i++) {
                scores.add(cosine(v.get(0), v.get(i)));
            }
        }
        return new io.stellarchat.server.protocol.RerankResult(scores, tokens);
    }

    /**
     * The cross-encoder input of a pair. A WordPiece vocabulary gives BERT's {@code [CLS] q [SEP] d [SEP]} (the
     * query as the tokenizer wraps it, then the document without its {@code [CLS]}); others llama.cpp's
     * {@code <s> q </s> </s> d </s>} (XLM-RoBERTa): BOS, query, EOS, separator, document, EOS.
     */
    private static int[] pair(LocalModel m, int[] query, int[] doc) {
        var tok = m.model().tokenizer();
        var md = m.model().metadata();
        boolean wordPiece;
        int sepId;
        try {
            wordPiece = "bert".equals(md.getString("tokenizer.ggml.model", ""));
            sepId = md.getInt("tokenizer.ggml.seperator_token_id", -1);
        } catch (io.stellarchat.engine.gguf.GgufFormatException e) { // a key of the wrong type: the defaults
            wordPiece = false;
            sepId = -1;
        }
        IntStreamBuilder b = new IntStreamBuilder();
        if (wordPiece) {
            b.addAll(query, 0, query.length);
            int from = doc.length > 0 && tok.bos().isPresent() && doc[0] == tok.bos().getAsInt() ? 1 : 0;
            b.addAll(doc, from, doc.length);
            return b.toArray();
        }
        int bos = tok.bos().orElse(-1);
        int eos = tok.eos().orElse(-1);
        int sep = sepId >= 0 ? sepId : eos;
        int qFrom = query.length > 0 && query[0] == bos ? 1 : 0;
        int qTo = query.length > qFrom && query[query.length - 1] == eos ? query.length - 1 : query.length;
        int dFrom = doc.length > 0 && doc[0] == bos ? 1 : 0;
        int dTo = doc.length > dFrom && doc[doc.length - 1] == eos ? doc.length - 1 : doc.length;
        if (bos >= 0) b.add(bos);
        b.addAll(query, qFrom, qTo);
        if (eos >= 0) b.add(eos);
        if (sep >= 0) b.add(sep);
        b.addAll(doc, dFrom, dTo);
        if (eos >= 0) b.add(eos);
        return b.toArray();
    }

    /** A pair cut to fit the context by shortening the document (its final token kept); the query is never cut. */
    private static int[] fitPair(LocalModel m, int[] pair, int queryTokens, boolean truncate, String param) {
        int ctx = m.contextLength();
        if (pair.length <= ctx) {
            return pair;
        }
        if (!truncate || queryTokens + 2 > ctx) {
            throw ProviderException.contextLength(truncate ? "query" : param, "The query and '" + param + "' have "
                    + pair.length + " tokens together but the model '" + m.id() + "' takes at most " + ctx + "."
                    + (truncate ? " The query alone is too long." : " Shorten them, or send \"truncate\": true to cut the document to fit."));
        }
        int[] cut = java.util.Arrays.copyOf(pair, ctx);
        cut[ctx - 1] = pair[pair.length - 1];
        return cut;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** A growable int array (pairs of token ids). */
    private static final class IntStreamBuilder {
        private int[] a = new int[64];
        private int n;

        void add(int x) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = x;
        }

        void addAll(int[] src, int from, int to) {
            for (int i = from; i < to; i++) add(src[i]);
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }

    // ---- models and tokens --------------------------------------------------------------------------

    @Override
    public List<ModelInfo> models() {
        List<ModelInfo> out = new ArrayList<>();
        for (ModelRegistry.Known k : registry.known()) {
            LocalModel m = registry.find(k.entry().id()).orElse(null);
            out.add(m != null ? info(m) : unloadedInfo(k.entry()));
        }
        for (LocalModel m : registry.models()) { // loaded models the registry no longer lists (file removed)
            if (out.stream().noneMatch(i -> i.id().equals(m.id()))) out.add(info(m));
        }
        return out;
    }

    private final Map<java.nio.file.Path, ModelInfo.LocalDetails> headers = new java.util.concurrent.ConcurrentHashMap<>();

    /** What the file's header says of a model that is not loaded (architecture and trained context). */
    private ModelInfo unloadedInfo(io.stellarchat.server.config.ModelEntry e) {
        ModelInfo.LocalDetails d = headers.computeIfAbsent(e.path(), p -> {
            try (var f = io.stellarchat.engine.gguf.GgufFile.open(p)) {
                var md = f.metadata();
                String arch = md.getString("general.architecture", "unknown");
                Object ctx = md.has(arch + ".context_length") ? md.raw(arch + ".context_length") : 0;
                return new ModelInfo.LocalDetails(arch, 0, "unknown", ((Number) ctx).intValue(), 0, 0, false);
            } catch (java.io.IOException | RuntimeException ex) {
                return new ModelInfo.LocalDetails("unknown", 0, "unknown", 0, 0, 0, false);
            }
        });
        long created;
        try {
            created = java.nio.file.Files.getLastModifiedTime(e.path()).toMillis() / 1000;
        } catch (java.io.IOException ex) {
            created = 0;
        }
        return new ModelInfo(e.id(), "stellarchat", created, e.contextLength(), e.aliases(), d);
    }

    static ModelInfo info(LocalModel m) {
        var c = m.model().config();
        return new ModelInfo(m.id(), "stellarchat", m.created(), m.contextLength(), m.aliases(),
                new ModelInfo.LocalDetails(c.architecture(), m.parameters(), m.quantization(), c.contextLength(),
                        c.vocabSize(), c.dim(), m.templateFallback()));
    }

    @Override
    public Health health() {
        return Health.ok(registry.models().size() + " local model(s)");
    }

    /** Tokenizes {@code text} with {@code model}'s vocabulary (llama.cpp's {@code /tokenize}). */
    public int[] tokenize(String model, String text, boolean addSpecial, boolean parseSpecial) {
        return model(model).model().tokenizer().encode(text, addSpecial, parseSpecial);
    }

    /** The text of one token: the UTF-8 decoding of its bytes. */
    public String piece(String model, int token) {
        return new String(model(model).model().tokenizer().tokenBytes(token), StandardCharsets.UTF_8);
    }

    /** Decodes token ids to text; ids must be in the vocabulary ({@link #vocabSize}). */
    public String detokenize(String model, int[] ids) {
        return model(model).model().tokenizer().decode(ids, false, false);
    }

    public int vocabSize(String model) {
        return model(model).model().tokenizer().vocabSize();
    }

    /** The id of the first loaded model, when there is one (llama.cpp's endpoints default to it). */
    public Optional<String> firstModel() {
        return registry.models().isEmpty() ? Optional.empty() : Optional.of(registry.models().getFirst().id());
    }

    /** Closes the registry: engines stop, models unmap. */
    @Override
    public void close() {
        registry.close();
    }
}
