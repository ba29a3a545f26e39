package io.stellarchat.server.gateway.local;

import io.stellarchat.engine.gguf.GgmlType;
import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufTensorInfo;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.runtime.EngineClient;
import io.stellarchat.engine.runtime.SchedulerConfig;
import io.stellarchat.engine.runtime.BatchEngine;
import io.stellarchat.engine.tensor.ComputePool;
import io.stellarchat.engine.template.ChatTemplate;
import io.stellarchat.engine.template.TemplateException;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import java.io.IOException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local models this process knows and the ones it has loaded, by id and alias; owns the loaded models, their
 * engines and the shared compute pool, and closes them in {@link #close()}.
 *
 * <p>Known models: the configured {@code models.list} (local entries), then every {@code *.gguf} in
 * {@code models.dir} not already listed (re-scanned every few seconds, so a pulled file appears without a
 * restart). At start every known model is loaded, up to {@code models.max_loaded}; a listed model that fails
 * stops start-up, a discovered file that fails is logged and skipped. Later a request for a known model that is
 * not loaded loads it ({@link #acquire}): once, however many requests wait for it (they wait, they do not fail).
 * A model with no request in flight for {@code models.keep_alive} is unloaded by the {@code model-keeper}
 * thread; loading beyond {@code models.max_loaded} first unloads the least recently used idle model; a model
 * with requests in flight is never unloaded.
 *
 * <p>Threads: the loaded set is an immutable snapshot behind a volatile reference, read by any request thread
 * without locking and replaced whole under this object's lock by load and unload. Loading runs on the first
 * requesting thread (others wait on its future, with a timeout); in-flight counts are atomic per model.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    /** How long a request waits for its model to load. */
    static final java.time.Duration LOAD_WAIT = java.time.Duration.ofMinutes(10);
    private static final long RESCAN_NANOS = 3_000_000_000L;

    /** A loaded snapshot: the models in load order and every name (id and aliases) that reaches one. */
    private record Snapshot(List<LocalModel> models, Map<String, LocalModel> byName) {
        static Snapshot of(List<LocalModel> models) {
            Map<String, LocalModel> names = new LinkedHashMap<>();
            for (LocalModel m : models) names.put(m.id(), m);
            for (LocalModel m : models) for (String a : m.aliases()) names.putIfAbsent(a, m);
            return new Snapshot(List.copyOf(models), Map.copyOf(names));
        }
    }

    /** How a known model is used: requests in flight and when it was last used. */
    private static final class Use {
        final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        volatile long lastUsed = System.nanoTime();
    }

    /** A model the registry knows, loaded or not. */
    public record Known(ModelEntry entry, String state) {}

    private final ModelsConfig config;
    private final EngineConfig engine;
    private volatile Snapshot snapshot;
    private volatile Map<String, ModelEntry> known; // id → entry, in order
    private final Map<String, java.util.concurrent.CompletableFuture<LocalModel>> loading = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Use> uses = new java.util.concurrent.ConcurrentHashMap<>();
    private ComputePool pool; // guarded by this; made at the first load
    private final Thread keeper;
    private volatile long lastScan;
    private boolean closed;
    /** Where model_load and model_unload telemetry events go; set once by the composition root. */
    private volatile java.util.function.Consumer<io.stellarchat.server.observe.TelemetryEvent> events = e -> { };

    private ModelRegistry(ModelsConfig config, EngineConfig engine, List<LocalModel> models, ComputePool pool,
                          Map<String, ModelEntry> known) {
        this.config = config;
        this.engine = engine;
        this.snapshot = Snapshot.of(models);
        this.pool = pool;
        this.known = known;
        for (LocalModel m : models) uses.put(m.id(), new Use());
        boolean manage = config != null;
        this.keeper = manage ? Thread.ofPlatform().name("model-keeper").daemon(true).start(this::keep) : null;
    }

    /** Sends model_load and model_unload events to {@code sink} from now on. */
    public void events(java.util.function.Consumer<io.stellarchat.server.observe.TelemetryEvent> sink) {
        this.events = sink;
    }

    private void event(io.stellarchat.server.observe.TelemetryEvent.Type type, Map<String, Object> data) {
        try {
            events.accept(io.stellarchat.server.observe.TelemetryEvent.of(type, null, null, data));
        } catch (RuntimeException ex) {
            log.debug("model event not sent: {}", ex.toString());
        }
    }

    /** A registry with no models (for tests and for a server started without any). */
    public static ModelRegistry empty() {
        return new ModelRegistry(null, null, List.of(), null, Map.of());
    }

    /** Loads every configured and discovered model (up to {@code models.max_loaded}). */
    public static ModelRegistry load(ModelsConfig models, EngineConfig engine) throws IOException {
        Map<String, ModelEntry> known = scan(models);
        if (known.isEmpty()) {
            log.info("no models configured: put a GGUF file in {} (or pass --model FILE.gguf, or list it under "
                    + "models.list in stellar.yaml, or ./stellar pull one); /v1/models is empty until then",
                    models.dir().toAbsolutePath());
        }
        ComputePool pool = known.isEmpty() ? null : new ComputePool(threads(engine));
        List<LocalModel> loaded = new ArrayList<>();
        try {
            for (ModelEntry e : known.values()) {
                if (models.maxLoaded() > 0 && loaded.size() >= models.maxLoaded()) {
                    log.info("model {} is known but not loaded yet (models.max_loaded = {}); a request loads it",
                            e.id(), models.maxLoaded());
                    continue;
                }
                boolean listed = models.list().contains(e);
                try {
                    loaded.add(loadOne(e.id(), e.aliases(), e.path(), e.contextLength(), e.chatTemplate(), engine, pool, loaded));
                } catch (IOException | RuntimeException ex) {
                    if (listed) throw ex;
                    log.error("skipping {}: {}", e.path(), ex.getMessage());
                }
            }
        } catch (IOException | RuntimeException ex) {
            loaded.forEach(ModelRegistry::closeModel);
            if (pool != null) pool.close();
            throw ex;
        }
        return new ModelRegistry(models, engine, loaded, pool, known);
    }

    private static int threads(EngineConfig engine) {
        return engine.threads() > 0 ? engine.threads() : Runtime.getRuntime().availableProcessors();
    }

    /** The configured local entries, then the directory's files not listed, by id. */
    private static Map<String, ModelEntry> scan(ModelsConfig models) throws IOException {
        Map<String, ModelEntry> out = new LinkedHashMap<>();
        List<ModelEntry> entries = models.list().stream().filter(ModelEntry::isLocal).toList();
        for (ModelEntry e : entries) out.put(e.id(), e);
        List<Path> listed = entries.stream().map(e -> e.path().toAbsolutePath().normalize()).toList();
        if (Files.isDirectory(models.dir())) {
            try (Stream<Path> s = Files.list(models.dir())) {
                for (Path p : s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"))
                        .filter(p -> !p.getFileName().toString().startsWith("."))
                        .filter(p -> !listed.contains(p.toAbsolutePath().normalize()))
                        .sorted().toList()) {
                    out.putIfAbsent(idFor(p), new ModelEntry(idFor(p), p, List.of(), 0));
                }
            }
        }
        return out;
    }

    /**
     * The loaded model called {@code name}, loading it first if it is known but not loaded (waiting for a load
     * another request started), and counting a request in flight on it until {@link #release}.
     *
     * @return empty when no known model has that name
     * @throws io.stellarchat.server.protocol.ProviderException 503 {@code model_load_failed} when it cannot be loaded
     */
    public Optional<LocalModel> acquire(String name) {
        Optional<LocalModel> m = loaded(name);
        m.ifPresent(x -> {
            Use u = uses.computeIfAbsent(x.id(), k -> new Use());
            u.inFlight.incrementAndGet();
            u.lastUsed = System.nanoTime();
        });
        return m;
    }

    /** A request on {@code m} ended. */
    public void release(LocalModel m) {
        Use u = uses.get(m.id());
        if (u != null) {
            u.inFlight.decrementAndGet();
            u.lastUsed = System.nanoTime();
        }
    }

    /** The loaded model called {@code name}, loading it if it is known (no request counted). */
    public Optional<LocalModel> loaded(String name) {
        LocalModel m = snapshot.byName().get(name);
        if (m != null) return Optional.of(m);
        ModelEntry e = entry(name);
        if (e == null) return Optional.empty();
        return Optional.of(loadNow(e));
    }

    private ModelEntry entry(String name) {
        ModelEntry e = known.get(name);
        if (e != null) return e;
        for (ModelEntry x : known.values()) if (x.aliases().contains(name)) return x;
        return null;
    }

    private LocalModel loadNow(ModelEntry e) {
        java.util.concurrent.CompletableFuture<LocalModel> mine = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<LocalModel> f = loading.putIfAbsent(e.id(), mine);
        if (f == null) {
            f = mine;
            try {
                LocalModel already = snapshot.byName().get(e.id());
                mine.complete(already != null ? already : loadAndAdd(e));
            } catch (IOException | RuntimeException ex) {
                mine.completeExceptionally(ex);
            } finally {
                loading.remove(e.id(), mine);
            }
        }
        try {
            return f.get(LOAD_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException ex) {
            throw io.stellarchat.server.protocol.ProviderException.unavailable("model_load_failed", "The model '" + e.id()
                    + "' could not be loaded: " + ex.getCause().getMessage(), null);
        } catch (java.util.concurrent.TimeoutException ex) {
            throw io.stellarchat.server.protocol.ProviderException.unavailable("model_loading", "The model '" + e.id()
                    + "' is still loading; try again shortly.", java.time.Duration.ofSeconds(5));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw io.stellarchat.server.protocol.ProviderException.unavailable("shutting_down", "The server is shutting down.", null);
        }
    }

    private LocalModel loadAndAdd(ModelEntry e) throws IOException {
        synchronized (this) {
            if (closed) throw new IOException("the server is shutting down");
            if (pool == null) pool = new ComputePool(threads(engine));
        }
        if (config.maxLoaded() > 0) makeRoom(config.maxLoaded() - 1);
        log.info("loading model {} from {} ...", e.id(), e.path());
        long t0 = System.nanoTime();
        LocalModel m = loadOne(e.id(), e.aliases(), e.path(), e.contextLength(), e.chatTemplate(), engine, pool, List.of());
        event(io.stellarchat.server.observe.TelemetryEvent.Type.MODEL_LOAD, Map.of("model", m.id(),
                "path", e.path().toString(), "load_ms", (System.nanoTime() - t0) / 1_000_000));
        synchronized (this) {
            List<LocalModel> next = new ArrayList<>(snapshot.models());
            next.add(m);
            snapshot = Snapshot.of(next);
            uses.put(m.id(), new Use());
        }
        return m;
    }

    /** Unloads least recently used idle models until at most {@code keep} are loaded (waits up to 30 s for one to idle). */
    private void makeRoom(int keep) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (snapshot.models().size() > keep && System.nanoTime() < deadline) {
            LocalModel lru = null;
            for (LocalModel m : snapshot.models()) {
                Use u = uses.get(m.id());
                if (u != null && u.inFlight.get() > 0) continue;
                if (lru == null || (u == null ? 0 : u.lastUsed) < uses.getOrDefault(lru.id(), new Use()).lastUsed) lru = m;
            }
            if (lru == null) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
                continue;
            }
            unload(lru.id(), "to make room (models.max_loaded = " + config.maxLoaded() + ")");
        }
    }

    /**
     * Unloads {@code id} if it is loaded and idle; returns whether it was unloaded. A model with requests in
     * flight stays.
     */
    public boolean unload(String id, String why) {
        LocalModel gone;
        synchronized (this) {
            gone = snapshot.byName().get(id);
            if (gone == null) return false;
            Use u = uses.get(gone.id());
            if (u != null && u.inFlight.get() > 0) return false;
            List<LocalModel> next = new ArrayList<>(snapshot.models());
            next.remove(gone);
            snapshot = Snapshot.of(next);
        }
        log.info("unloading model {} ({})", gone.id(), why);
        closeModel(gone);
        event(io.stellarchat.server.observe.TelemetryEvent.Type.MODEL_UNLOAD, Map.of("model", gone.id(), "reason", why));
        return true;
    }

    /** Every known model with its state: {@code loaded}, {@code loading} or {@code unloaded}. */
    public List<Known> known() {
        List<Known> out = new ArrayList<>();
        for (ModelEntry e : known.values()) {
            String state = snapshot.byName().containsKey(e.id()) ? "loaded" : loading.containsKey(e.id()) ? "loading" : "unloaded";
            out.add(new Known(e, state));
        }
        return out;
    }

    /** Re-reads the models directory now (a file pulled at run time becomes known). */
    public void rescan() {
        if (config == null) return;
        try {
            Map<String, ModelEntry> next = scan(config);
            for (LocalModel m : snapshot.models()) {
                if (!next.containsKey(m.id())) next.put(m.id(), new ModelEntry(m.id(), m.model().path(), m.aliases(), 0));
            }
            known = next;
        } catch (IOException e) {
            log.debug("could not scan {}: {}", config.dir(), e.getMessage());
        }
        lastScan = System.nanoTime();
    }

    private void keep() {
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (closed) return;
            }
            if (System.nanoTime() - lastScan > RESCAN_NANOS) rescan();
            if (config.keepAlive().isZero()) continue;
            long idleNanos = config.keepAlive().toNanos();
            for (LocalModel m : snapshot.models()) {
                Use u = uses.get(m.id());
                if (u != null && u.inFlight.get() == 0 && System.nanoTime() - u.lastUsed > idleNanos) {
                    unload(m.id(), "idle for " + config.keepAlive().toSeconds() + " s (models.keep_alive)");
                }
            }
        }
    }

    /** The model id for a file: its name without {@code .gguf}. */
    public static String idFor(Path p) {
        String n = p.getFileName().toString();
        return n.toLowerCase(Locale.ROOT).endsWith(".gguf") ? n.substring(0, n.length() - 5) : n;
    }

    private static LocalModel loadOne(String id, List<String> aliases, Path path, int ctxOverride, Path templateFile,
                                      EngineConfig engine, ComputePool pool, List<LocalModel> already) throws IOException {
        for (LocalModel m : already) {
            if (m.id().equals(id) || m.aliases().contains(id)) {
                throw new IOException("model id '" + id + "' (" + path + ") is already used by " + m.model().path());
            }
        }
        long start = System.nanoTime();
        Model model = Model.load(path, new ModelOptions(0, null, pool));
        try {
            String source = model.metadata().has("tokenizer.chat_template")
                    ? model.metadata().getString("tokenizer.chat_template") : null;
            if (templateFile != null) {
                source = Files.readString(templateFile);
                try {
                    ChatTemplate.compile(source);
                } catch (TemplateException e) {
                    throw new IOException("model " + id + ": chat_template_file " + templateFile + " does not compile: "
                            + e.getMessage(), e);
                }
            }
            ChatTemplate template;
            boolean fallback = source == null;
            if (fallback) {
                template = ChatTemplate.chatMlFallback();
            } else {
                try {
                    template = ChatTemplate.compile(source);
                } catch (TemplateException e) {
                    log.warn("model {}: its chat template does not compile ({}); using the ChatML fallback", id,
                            e.getMessage());
                    template = ChatTemplate.chatMlFallback();
                    fallback = true;
                }
            }
            int trained = model.config().contextLength();
            int ctx = ctxOverride > 0 ? Math.min(ctxOverride, trained)
                    : engine.contextLength() > 0 ? Math.min(engine.contextLength(), trained) : trained;
            SchedulerConfig scheduler = engine.scheduler();
            EngineClient client = startEngine(model, id, scheduler);
            long created = Files.getLastModifiedTime(path).toMillis() / 1000;
            String[] quant = quantization(path);
            LocalModel lm = new LocalModel(id, aliases, model, client, template, fallback ? null : source, ctx, created,
                    quant[0], Long.parseLong(quant[1]));
            log.info("loaded model {} from {}: {} {}, {} parameters, context {}, template {}, in {} ms", id, path,
                    model.config().architecture(), quant[0], quant[1], ctx,
                    fallback ? "ChatML fallback" : templateFile != null ? "from " + templateFile : "from the model",
                    (System.nanoTime() - start) / 1_000_000);
            long[] kv = kvPool(client, model, scheduler);
            log.info("model {} scheduler: {} engine, max_batch_tokens {}, max_running {}, queue_depth {}, max_wait {} ms, "
                            + "KV cache {} MiB {} in blocks of {} tokens ({} tokens of context in all), prefix caching {}",
                    id, client.getClass().getSimpleName(), scheduler.maxBatchTokens(), scheduler.maxRunning(),
                    scheduler.queueDepth(), scheduler.maxWait().toMillis(), String.format(Locale.ROOT, "%.2f", kv[1] / 1048576.0),
                    scheduler.kvPrecision().name().toLowerCase(Locale.ROOT), scheduler.blockSize(),
                    kv[0], scheduler.prefixCaching() ? "on" : "off");
            return lm;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Starts the engine that runs {@code model}'s generations: the one place an engine is chosen. It is the
     * continuous-batching {@link BatchEngine} (scheduler, paged KV cache, prefix cache), which takes every field
     * of {@code scheduler}.
     *
     * @param model     the loaded model; the engine does not own it (the registry closes it after the engine)
     * @param id        the model's id, naming the engine's thread and request ids
     * @param scheduler batch size, running limit, admission and KV cache settings
     */
    static EngineClient startEngine(Model model, String id, SchedulerConfig scheduler) {
        return new BatchEngine(model, id, scheduler);
    }

    /**
     * The KV pool the engine really allocated: {tokens, bytes}. The batching engine caps the configured bytes
     * at what its running sequences can use (max_running + 1 full contexts), so this can be less than
     * {@code engine.kv_cache_size}.
     */
    static long[] kvPool(EngineClient client, Model model, SchedulerConfig scheduler) {
        if (client instanceof BatchEngine batch) {
            return new long[] {batch.pool().tokens(), batch.pool().bytes()};
        }
        var c = model.config();
        long perToken = 2L * c.layers() * c.kvDim() * scheduler.kvPrecision().bytes();
        return new long[] {scheduler.kvCacheBytes() / perToken, scheduler.kvCacheBytes()};
    }

    /** The weight type holding most parameters, and the parameter count. */
    private static String[] quantization(Path path) throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            Map<GgmlType, Long> byType = new EnumMap<>(GgmlType.class);
            long total = 0;
            for (GgufTensorInfo t : f.tensors()) {
                byType.merge(t.type(), t.elements(), Long::sum);
                total += t.elements();
            }
            String q = byType.entrySet().stream().max(Map.Entry.comparingByValue())
                    .map(e -> e.getKey().name()).orElse("unknown");
            return new String[] {q, Long.toString(total)};
        }
    }

    /** The loaded model called {@code name} (id or alias), without loading it. */
    public Optional<LocalModel> find(String name) {
        return Optional.ofNullable(snapshot.byName().get(name));
    }

    /** The loaded models, in load order. */
    public List<LocalModel> models() {
        return snapshot.models();
    }

    private static void closeModel(LocalModel m) {
        m.engine().close();
        m.model().close();
    }

    /** Stops the engines, unmaps the models, stops the compute pool. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (keeper != null) {
            keeper.interrupt();
            try {
                keeper.join(java.time.Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        snapshot.models().forEach(ModelRegistry::closeModel);
        synchronized (this) {
            if (pool != null) {
                pool.close();
            }
        }
    }

}
