package io.stellarchat.server.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.stellarchat.engine.util.Ticker;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.gateway.ModelTable.Route;
import io.stellarchat.server.gateway.local.LocalProvider;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.CompletionRequest;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.EmbeddingResult;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.Usage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every model call of the service goes: the API dialects and the conversation code call this and nothing
 * below it. It finds the model the client named — a local GGUF model run by the engine, or a remote model
 * served by upstream model servers — and has it answered through the {@link Router} (routing, retries,
 * breakers, fallbacks). It also owns the model table (file entries, admin API entries, online/offline) and the
 * providers' health checks.
 *
 * <p>Threads: request threads call everything; the model table is an immutable snapshot behind a volatile
 * reference, replaced whole under {@link #tableLock} by admin changes and by {@link ModelCatalog} refreshes.
 * One scheduler thread ({@code gateway-health}) probes the providers and refreshes the catalog; it stops in
 * {@link #close()}.
 */
public final class Gateway implements AutoCloseable {
    private final io.opentelemetry.api.trace.Tracer tracer;
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    /** How long a probe of {@code GET /models} may take. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final LocalProvider local;
    private final Map<String, ProviderState> providers;
    private final Router router;
    private final GatewayMetrics metrics;
    private final List<ModelEntry> declared;
    private final long started = System.currentTimeMillis() / 1000;
    private final Object tableLock = new Object();
    private volatile ModelTable table;
    private ScheduledExecutorService scheduler;
    private volatile ModelCatalog catalog;

    /** How a retry waits for its backoff; tests replace it. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /**
     * What the gateway is built from.
     *
     * @param providers remote model servers
     * @param models    the configuration's model entries (local entries name models the registry loaded)
     * @param factory   makes a provider's client from its configuration
     * @param registry  where the metrics go (null: nowhere)
     * @param ticker    time, for breakers, budgets and latencies
     * @param random    for weighted routing and backoff jitter
     * @param sleeper   how retries wait
     */
    public record Setup(List<ProviderConfig> providers, List<ModelEntry> models, Function<ProviderConfig, Provider> factory,
                        MeterRegistry registry, Ticker ticker, RandomGenerator random, Sleeper sleeper,
                        io.stellarchat.server.observe.Tracing tracing,
                        java.util.function.Consumer<io.stellarchat.server.observe.TelemetryEvent> events) {
        public Setup {
            providers = List.copyOf(providers);
            models = List.copyOf(models);
        }

        /** The same, with tracing and a destination for breaker-state events. */
        public Setup observed(io.stellarchat.server.observe.Tracing newTracing,
                              java.util.function.Consumer<io.stellarchat.server.observe.TelemetryEvent> newEvents) {
            return new Setup(providers, models, factory, registry, ticker, random, sleeper, newTracing, newEvents);
        }

        /** Production settings: system time, a shared random generator, real sleeps. */
        public static Setup of(List<ProviderConfig> providers, List<ModelEntry> models,
                               Function<ProviderConfig, Provider> factory, MeterRegistry registry) {
            return new Setup(providers, models, factory, registry, Ticker.system(), new Random(), Thread::sleep,
                    io.stellarchat.server.observe.Tracing.off(), e -> { });
        }
    }

    /** Only the local models, with no remote providers (tests and embedders). */
    public Gateway(LocalProvider local) {
        this(local, Setup.of(List.of(), List.of(), c -> {
            throw new IllegalStateException("no providers");
        }, null));
    }

    /**
     * @param local the in-process engine's models (closed by {@link #close()})
     * @param setup remote providers and model entries
     */
    public Gateway(LocalProvider local, Setup setup) {
        this.local = local;
        this.metrics = new GatewayMetrics(setup.registry());
        Map<String, ProviderState> states = new LinkedHashMap<>();
        for (ProviderConfig c : setup.providers()) {
            ProviderState s = new ProviderState(c, setup.factory().apply(c), setup.ticker(),
                    (provider, from, to) -> {
                        log.warn("circuit of provider {}: {} -> {}", provider, from, to);
                        if (to == io.stellarchat.server.gateway.resilience.ProviderBreaker.State.OPEN) metrics.circuitOpened(provider);
                        setup.events().accept(io.stellarchat.server.observe.TelemetryEvent.of(
                                io.stellarchat.server.observe.TelemetryEvent.Type.BREAKER_STATE, null, null,
                                java.util.Map.of("provider", provider, "from", String.valueOf(from).toLowerCase(java.util.Locale.ROOT),
                                        "to", String.valueOf(to).toLowerCase(java.util.Locale.ROOT))));
                    });
            metrics.provider(c.id(), () -> s.breaker.state().gaugeValue(), s.bulkhead::inFlight);
            states.put(c.id(), s);
        }
        this.providers = java.util.Collections.unmodifiableMap(states); // in configuration order, for listings
        this.tracer = setup.tracing().tracer();
        this.router = new Router(local, providers, metrics, setup.ticker(), setup.random(), setup.sleeper(), tracer);
        this.declared = List.copyOf(setup.models());
        this.table = ModelTable.of(fileRoutes());
    }

    /**
     * The configuration's routes: every local model the registry knows (loaded or not, so a model pulled at run
     * time appears at the next refresh) and the file's remote entries.
     */
    private List<Route> fileRoutes() {
        List<Route> routes = new ArrayList<>();
        Map<String, ModelEntry> byId = new LinkedHashMap<>();
        declared.forEach(m -> byId.put(m.id(), m));
        for (ModelInfo m : local.models()) {
            ModelEntry e = byId.get(m.id());
            routes.add(new Route(e != null ? e : new ModelEntry(m.id(), Path.of(m.id()), m.aliases(), m.contextLength()),
                    true, ModelTable.Source.FILE));
        }
        for (ModelEntry e : declared) {
            if (!e.isLocal()) routes.add(new Route(e, true, ModelTable.Source.FILE));
        }
        return routes;
    }

    /**
     * Starts the providers' health checks (each at its {@code health_check.interval}) and, with a catalog,
     * the refresh of API-made entries every {@code refresh}. Idempotent.
     */
    public synchronized void start(ModelCatalog catalog, Duration refresh) {
        if (scheduler != null) return;
        this.catalog = catalog;
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gateway-health");
            t.setDaemon(true);
            return t;
        });
        for (ProviderState s : providers.values()) {
            Duration every = s.config.healthInterval();
            if (!every.isZero()) {
                scheduler.scheduleWithFixedDelay(() -> probe(s), 0, every.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        // Without a catalog the refresh still picks up local models that became known (a pulled file).
        refreshQuietly();
        scheduler.scheduleWithFixedDelay(this::refreshQuietly, refresh.toMillis(), refresh.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void probe(ProviderState s) {
        Provider.Health h;
        try {
            h = s.provider.health();
        } catch (RuntimeException e) {
            h = Provider.Health.down(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (h.healthy() != s.healthy) {
            if (h.healthy()) log.info("provider {} is healthy again: {}", s.id(), h.detail());
            else log.warn("provider {} is unhealthy (skipped until a probe succeeds): {}", s.id(), h.detail());
        }
        s.healthy = h.healthy();
        s.healthDetail = h.detail();
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("cannot refresh the model catalog: {}", e.toString());
        }
    }

    /** Rebuilds the table from the file's entries and the catalog's (API-made entries, status changes). */
    void refresh() {
        ModelCatalog c = catalog;
        List<ModelCatalog.Stored> stored = c == null ? List.of() : c.load();
        synchronized (tableLock) {
            Map<String, Route> routes = new LinkedHashMap<>();
            for (Route r : fileRoutes()) routes.put(r.id(), r);
            for (ModelCatalog.Stored s : stored) {
                Route file = routes.get(s.id());
                if (file != null && file.source() == ModelTable.Source.FILE) {
                    routes.put(s.id(), file.withOnline(s.online())); // a file entry: only its status may change
                } else if (s.entry() != null) {
                    routes.put(s.id(), new Route(s.entry(), s.online(), ModelTable.Source.API));
                }
            }
            table = ModelTable.of(routes.values());
        }
    }

    // ---- answering -----------------------------------------------------------------------------------

    /** Starts a chat answer for {@code request.model()} (returns once its first event is in). */
    public ChatStream chat(ChatRequest request) {
        return chat(request, false);
    }

    /**
     * Starts a chat answer; with {@code whole}, for a client that reads it only once it is complete, a remote
     * answer is held back to its end and routed again if its upstream cuts it off half-way ({@link WholeAnswer}).
     */
    public ChatStream chat(ChatRequest request, boolean whole) {
        if (!whole && resumable(request)) {
            ChatStream s = routeChat(request);
            if (s.upstream().startsWith(LocalProvider.ID + "/")) return s;
            return new ResumedStream(s, done -> routeChat(continuation(request, done)), WholeAnswer.RESTARTS,
                    cut -> metrics.retry(cut.substring(0, Math.max(0, cut.indexOf('/'))), "stream_resumed"));
        }
        return whole(whole, () -> routeChat(request));
    }

    private ChatStream routeChat(ChatRequest request) {
        return traced(request.model(), () -> router.route(table, request.model(), "model",
                t -> stream(t, () -> t.provider().chat(request.withModel(t.providerModel())))));
    }

    /**
     * Whether a streamed answer to {@code request} is continued when its upstream breaks off: the model named
     * asks for it ({@code retries.resume_streams}), and the answer is free text of one choice (a grammar or JSON
     * schema would start over on the continuation).
     */
    private boolean resumable(ChatRequest request) {
        return request.params().n() == 1 && request.responseFormat() == null
                && table.find(request.model()).map(r -> r.entry().retries().resumeStreams()).orElse(false);
    }

    /**
     * The request that continues an answer of which {@code done} was handed on: the text so far as the last,
     * assistant, message to continue ({@code continue_final_message} for OpenAI-compatible servers such as vLLM,
     * llama.cpp and this one; a trailing assistant message is a prefill for Anthropic) and {@code max_tokens}
     * less the pieces already sent. With nothing handed on yet it is the request itself.
     */
    static ChatRequest continuation(ChatRequest request, ResumedStream.Progress done) {
        if (done.text().isEmpty()) return request;
        List<Message> messages = new ArrayList<>(request.messages());
        var extra = request.extra().deepCopy();
        var last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (extra.path("continue_final_message").asBoolean(false) && last != null
                && last.role() == Role.ASSISTANT) {
            messages.set(messages.size() - 1, Message.text(
                    Role.ASSISTANT, last.text() + done.text()));
        } else {
            messages.add(Message.text(Role.ASSISTANT,
                    done.text()));
        }
        extra.put("continue_final_message", true);
        extra.put("add_generation_prompt", false);
        var params = request.params();
        if (params.maxTokens() != null) params = params.withMaxTokens(Math.max(1, params.maxTokens() - done.pieces()));
        return new ChatRequest(request.model(), messages, params, request.tools(), request.toolChoice(),
                request.responseFormat(), request.stream(), request.includeUsage(), extra);
    }

    /** Starts a plain completion. */
    public ChatStream complete(CompletionRequest request) {
        return complete(request, false);
    }

    /** Starts a plain completion; {@code whole} as for {@link #chat(ChatRequest, boolean)}. */
    public ChatStream complete(CompletionRequest request, boolean whole) {
        return whole(whole, () -> traced(request.model(), () -> router.route(table, request.model(), "model",
                t -> stream(t, () -> t.provider().complete(request.withModel(t.providerModel()))))));
    }

    /**
     * Routes an answer; a remote one for a client that reads it whole is held back to its end
     * ({@link WholeAnswer}), so that an upstream cutting it off half-way is routed again instead of failing the
     * request: nothing of it had reached the client.
     */
    private ChatStream whole(boolean whole, java.util.function.Supplier<ChatStream> route) {
        ChatStream s = route.get();
        if (!whole || s.upstream().startsWith(LocalProvider.ID + "/")) return s;
        return new WholeAnswer(s, route, WholeAnswer.RESTARTS,
                cut -> metrics.retry(cut.substring(0, Math.max(0, cut.indexOf('/'))), "stream_cut"));
    }

    /** The {@code route} span: choosing who answers, the attempts and retries, until the answer has begun. */
    private ChatStream traced(String model, java.util.function.Supplier<ChatStream> route) {
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder("route").startSpan();
        span.setAttribute("gen_ai.request.model", model);
        try (io.opentelemetry.context.Scope scope = span.makeCurrent()) {
            ChatStream s = route.get();
            span.setAttribute("stellar.upstream", s.upstream());
            return s;
        } catch (RuntimeException e) {
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }

    public EmbeddingResult embed(EmbeddingRequest request) {
        return router.route(table, request.model(), "model", t -> {
            EmbeddingResult r = t.provider().embed(request.withModel(t.providerModel()));
            if (t.attempt() != null) {
                t.attempt().firstToken();
                t.attempt().succeeded(new Usage(r.promptTokens(), 0, 0, 0, null));
            }
            return r;
        });
    }

    /** Scores documents against a query on {@code request.model()}'s upstream (routing as for embeddings). */
    public io.stellarchat.server.protocol.RerankResult rerank(io.stellarchat.server.protocol.RerankRequest request) {
        return router.route(table, request.model(), "model", t -> {
            var r = t.provider().rerank(request.withModel(t.providerModel()));
            if (t.attempt() != null) {
                t.attempt().firstToken();
                t.attempt().succeeded(new Usage(r.promptTokens(), 0, 0, 0, null));
            }
            return r;
        });
    }

    /**
     * A remote answer is handed on only once its first event arrived: until then a failure may still be retried
     * elsewhere (the provider enforces its first-token timeout). A local one is handed on at once.
     */
    private static ChatStream stream(Router.Target t, java.util.function.Supplier<ChatStream> start)
            throws InterruptedException {
        ChatStream s = start.get();
        ChatEvent first = null;
        if (t.attempt() != null) {
            try {
                while (first == null) {
                    first = s.next(Duration.ofSeconds(1));
                }
            } catch (ProviderException | InterruptedException e) {
                s.cancel();
                throw e;
            }
            t.attempt().firstToken();
        }
        return new RoutedStream(s, first, t.reportModel(), t.label(), t.attempt(), t.attempts());
    }

    // ---- models --------------------------------------------------------------------------------------

    /** Every model a client may name, local ones first. */
    public List<ModelInfo> models() {
        List<ModelInfo> out = new ArrayList<>();
        Map<String, ModelInfo> locals = new LinkedHashMap<>();
        local.models().forEach(m -> locals.put(m.id(), m));
        for (Route r : table.list()) {
            out.add(info(r, locals));
        }
        return out;
    }

    private ModelInfo info(Route r, Map<String, ModelInfo> locals) {
        if (r.local()) {
            ModelInfo m = locals.get(r.id());
            if (m != null) return m;
        }
        String owner = r.entry().upstreams().isEmpty() ? "stellarchat" : r.entry().upstreams().getFirst().provider();
        return new ModelInfo(r.id(), owner, started, r.entry().contextLength(), r.entry().aliases(), null);
    }

    /** The model called {@code name} (id or alias). */
    public Optional<ModelInfo> find(String name) {
        Map<String, ModelInfo> locals = new LinkedHashMap<>();
        local.models().forEach(m -> locals.put(m.id(), m));
        return table.find(name).map(r -> info(r, locals));
    }

    /**
     * What identifies the answers of the model called {@code name}, for cache keys: for a local model its
     * file's fingerprint, for a remote one its upstreams ({@code provider/model}, in order). Changes when the
     * weights or the routing change.
     */
    public String modelVersion(String name) {
        Route r = table.find(name).orElseThrow(() -> ProviderException.notFound("model_not_found", "model",
                "The model '" + name + "' does not exist."));
        if (r.local()) return "local:" + local.version(r.id());
        StringBuilder b = new StringBuilder("remote:");
        for (var u : r.entry().upstreams()) b.append(u.provider()).append('/').append(u.model()).append(',');
        return b.toString();
    }

    /** The model called {@code name}, or 404 {@code model_not_found} naming {@code param}. */
    public ModelInfo require(String name, String param) {
        return find(name).orElseThrow(() -> ProviderException.notFound("model_not_found", param,
                "The model '" + name + "' does not exist or is not loaded. Available models: "
                        + table.routes().keySet() + "."));
    }

    /**
     * Prompt tokens {@code messages} take on {@code model} as a chat prompt: exact for a local model (rendered
     * and tokenized), an estimate for a remote one (about four characters a token, plus a few per message).
     */
    public int promptTokens(String model, List<Message> messages) {
        Route r = table.find(model).orElseThrow(() -> ProviderException.notFound("model_not_found", "model",
                "The model '" + model + "' does not exist."));
        if (r.local()) {
            return local.promptTokens(r.id(), messages);
        }
        int chars = 0;
        for (Message m : messages) {
            chars += m.text().length();
        }
        return chars / 4 + 4 * messages.size() + 3;
    }

    /**
     * The chat prompt a local model would be given for {@code request} (its template rendered with the messages,
     * tools and template arguments). A remote model's prompt is its server's business: 400.
     */
    public String applyTemplate(ChatRequest request) {
        Route r = table.find(request.model()).orElseThrow(() -> ProviderException.notFound("model_not_found", "model",
                "The model '" + request.model() + "' does not exist."));
        if (!r.local()) {
            throw ProviderException.invalid("model", "The model '" + request.model() + "' is served by a remote "
                    + "provider; its prompt is rendered there.");
        }
        return local.applyTemplate(request.withModel(r.id()));
    }

    /** The vocabulary of a local model; {@code model} null means the first loaded one. */
    public TokenizerView tokenizer(String model) {
        String id = model != null ? model : local.firstModel().orElseThrow(() -> ProviderException.notFound(
                "model_not_found", "model", "No model is loaded."));
        String resolved = local.find(id).orElseThrow(() -> ProviderException.notFound("model_not_found", "model",
                "The model '" + id + "' does not exist or is not loaded"
                        + (table.find(id).isPresent() ? " here (it is a remote model; tokenize on its server)." : "."))).id();
        return new TokenizerView() {
            @Override
            public String model() {
                return resolved;
            }

            @Override
            public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
                return local.tokenize(resolved, text, addSpecial, parseSpecial);
            }

            @Override
            public String piece(int token) {
                return local.piece(resolved, token);
            }

            @Override
            public String decode(int[] ids) {
                return local.detokenize(resolved, ids);
            }

            @Override
            public int vocabSize() {
                return local.vocabSize(resolved);
            }
        };
    }

    // ---- administration ------------------------------------------------------------------------------

    /** A model entry as the admin API shows it. */
    public record ModelStatus(ModelEntry entry, boolean online, String source) {}

    /**
     * The residency of each local model: {@code loaded}, {@code loading} or {@code unloaded} (remote models have
     * none).
     */
    public Map<String, String> localStates() {
        Map<String, String> out = new LinkedHashMap<>();
        for (var k : local.registry().known()) out.put(k.entry().id(), k.state());
        for (var m : local.registry().models()) out.putIfAbsent(m.id(), "loaded");
        return out;
    }

    /** Re-reads the models directory and the table now (a model was pulled). */
    public void rescanLocal() {
        local.registry().rescan();
        refresh();
    }

    /** Loads a known local model now (admin); false when no local model has that name. */
    public boolean loadLocal(String name) {
        return local.registry().loaded(name).isPresent();
    }

    /** Unloads a local model now if no request is using it (admin); false when it is not loaded or busy. */
    public boolean unloadLocal(String name) {
        return local.registry().find(name).map(m -> local.registry().unload(m.id(), "admin request")).orElse(false);
    }

    /** Every entry with its status and where it was declared ({@code file} or {@code api}). */
    public List<ModelStatus> modelStatuses() {
        return table.list().stream().map(r -> new ModelStatus(r.entry(), r.online(),
                r.source().name().toLowerCase(java.util.Locale.ROOT))).toList();
    }

    /**
     * A provider as the admin API shows it.
     *
     * @param errorRate the breaker's recent failure share 0..1 over its window of calls, or negative while too few
     *                  calls are recorded
     */
    public record ProviderStatus(String id, String type, String baseUrl, String circuit, boolean healthy,
                                 String healthDetail, int inFlight, int maxConcurrency, double errorRate) {}

    public List<ProviderStatus> providerStatuses() {
        return providers.values().stream().map(s -> new ProviderStatus(s.id(),
                s.config.type().name().toLowerCase(java.util.Locale.ROOT), s.config.baseUrl().toString(),
                s.breaker.state().name().toLowerCase(java.util.Locale.ROOT), s.healthy, s.healthDetail,
                s.bulkhead.inFlight(), s.config.maxConcurrency(), s.breaker.failureRate())).toList();
    }

    /** The ids of the configured providers. */
    public java.util.Set<String> providerIds() {
        return providers.keySet();
    }

    /** Whether {@code id} is a model id or alias now. */
    public boolean knows(String id) {
        return table.find(id).isPresent();
    }

    /** Whether {@code id} was declared in the configuration (read-only except its status). */
    public boolean isFileEntry(String id) {
        return fileRoutes().stream().anyMatch(r -> r.id().equals(id));
    }

    /** The catalog API changes are written to, or null when the gateway has none. */
    public ModelCatalog catalog() {
        return catalog;
    }

    /** Re-reads the catalog now (an admin change takes effect on this replica at once). */
    public void reload() {
        refresh();
    }

    /** Stops the health checks and the providers. Idempotent. */
    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(PROBE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ProviderState s : providers.values()) {
            try {
                s.provider.close();
            } catch (RuntimeException e) {
                log.warn("closing provider {} failed", s.id(), e);
            }
        }
        local.close();
    }
}
