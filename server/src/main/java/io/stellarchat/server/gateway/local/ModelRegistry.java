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
 * The models this process serves, by id and alias. Built once at start-up (immutable afterwards, so safe to
 * read from any request thread); owns the models, their engines and the shared compute pool, and closes
 * them in {@link #close()}.
 *
 * <p>Sources, in order: the configured {@code models.list}, then every {@code *.gguf} in {@code models.dir}
 * not already listed. A listed model that fails to load stops start-up (the operator asked for it); a file
 * found by the directory scan that fails is logged and skipped.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    /** How long an engine waits for a caller to take a token before it cancels the request. */

    private final Map<String, LocalModel> byName;
    private final List<LocalModel> models;
    private final ComputePool pool;
    private boolean closed;

    private ModelRegistry(List<LocalModel> models, ComputePool pool) {
        this.models = List.copyOf(models);
        this.pool = pool;
        Map<String, LocalModel> names = new LinkedHashMap<>();
        for (LocalModel m : models) {
            names.put(m.id(), m);
        }
        for (LocalModel m : models) {
            for (String a : m.aliases()) {
                names.putIfAbsent(a, m);
            }
        }
        this.byName = Map.copyOf(names);
    }

    /** A registry with no models (for tests and for a server started without any). */
    public static ModelRegistry empty() {
        return new ModelRegistry(List.of(), null);
    }

    /** Loads every configured and discovered model. */
    public static ModelRegistry load(ModelsConfig models, EngineConfig engine) throws IOException {
        List<ModelEntry> entries = new ArrayList<>(models.list().stream().filter(ModelEntry::isLocal).toList());
        List<Path> listed = entries.stream().map(e -> e.path().toAbsolutePath().normalize()).toList();
        List<Path> discovered = new ArrayList<>();
        if (Files.isDirectory(models.dir())) {
            try (Stream<Path> s = Files.list(models.dir())) {
                s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"))
                        .filter(p -> !listed.contains(p.toAbsolutePath().normalize()))
                        .sorted()
                        .forEach(discovered::add);
            }
        }
        if (entries.isEmpty() && discovered.isEmpty()) {
            log.info("no models configured: put a GGUF file in {} (or pass --model FILE.gguf, or list it under "
                    + "models.list in stellar.yaml) and restart; /v1/models is empty until then",
                    models.dir().toAbsolutePath());
            return empty();
        }
        int threads = engine.threads() > 0 ? engine.threads() : Runtime.getRuntime().availableProcessors();
        ComputePool pool = new ComputePool(threads);
        List<LocalModel> loaded = new ArrayList<>();
        try {
            for (ModelEntry e : entries) {
                loaded.add(loadOne(e.id(), e.aliases(), e.path(), e.contextLength(), e.chatTemplate(), engine, pool, loaded));
            }
            for (Path p : discovered) {
                String id = idFor(p);
                try {
                    loaded.add(loadOne(id, List.of(), p, 0, null, engine, pool, loaded));
                } catch (IOException | RuntimeException ex) {
                    log.error("skipping {}: {}", p, ex.getMessage());
                }
            }
        } catch (IOException | RuntimeException ex) {
            loaded.forEach(ModelRegistry::closeModel);
            pool.close();
            throw ex;
        }
        return new ModelRegistry(loaded, pool);
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

    /** The model called {@code name} (id or alias). */
    public Optional<LocalModel> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** All models, in load order. */
    public List<LocalModel> models() {
        return models;
    }

    private static void closeModel(LocalModel m) {
        m.engine().close();
        m.model().close();
    }

    /** Stops the engines, unmaps the models, stops the compute pool. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        models.forEach(ModelRegistry::closeModel);
        if (pool != null) {
            pool.close();
        }
    }

}
