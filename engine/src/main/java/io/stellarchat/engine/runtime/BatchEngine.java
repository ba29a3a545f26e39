package io.stellarchat.engine.runtime;

import io.stellarchat.engine.model.KvBlockPool;
import io.stellarchat.engine.model.KvCache;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelConfig;
import io.stellarchat.engine.util.Checks;
import io.stellarchat.engine.util.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An {@link EngineClient} that serves many requests of one model at once: continuous batching over a paged
 * KV cache with automatic prefix caching.
 *
 * <p>Design — who owns what:
 * <ul>
 *   <li><b>The engine thread</b> {@code stellar-engine-<name>} (one platform thread) alone owns the
 *       {@link Scheduler} (waiting and running sequences), the {@link BlockAllocator} and the
 *       {@link KvBlockPool}, every {@link Sequence} after submit, and the model's forward pass. No lock
 *       guards that state: nothing else touches it.</li>
 *   <li><b>Caller threads</b> ({@link #submit}, {@link #embed}) validate the request (context, vocabulary,
 *       pool size), build its {@link Sequence} and hand it over through the bounded {@code inbox}; the
 *       hand-over publishes it. {@code queued} (an atomic count of requests submitted and not yet admitted)
 *       enforces the queue limit at once: beyond it submit throws a retryable
 *       {@link EngineOverloadedException} (HTTP 429).</li>
 *   <li><b>Each request's channel</b> ({@link RequestHandle}) is bounded; the engine never blocks on it: if
 *       a caller is so far behind that its channel is full, its request is cancelled (a slow client never
 *       stalls the batch). The end item always gets through ({@link RequestHandle#finish}).</li>
 *   <li><b>Cancels</b> are flags ({@link RequestHandle#cancel()}) the engine reads before each step: a
 *       cancelled request is removed, its blocks freed and its channel ended, before the next forward pass.</li>
 *   <li><b>Stats</b> are volatile snapshots the engine thread writes after each step; counters only it
 *       writes are volatile longs, counters callers also write are atomics.</li>
 * </ul>
 *
 * <p>The loop, per iteration: take everything from the inbox; drop cancelled sequences (freeing their
 * blocks); fail never-admitted sequences that waited past {@code maxWait} (non-retryable
 * {@link EngineOverloadedException}, HTTP 503); run queued embeddings (between steps); schedule a step
 * (token budget, chunked prefill, preemption, admission with prefix reuse: see {@link Scheduler}); run ONE
 * forward pass over all rows of the step; sample each sequence whose chunk reached its last token; emit to
 * each channel; retire finished sequences. An idle engine waits on the inbox with a timeout.
 *
 * <p>Determinism: a sequence's rows see only its own KV entries and its own sampler, so greedy output does
 * not depend on what else is in the batch, as long as the kernels compute a row the same way in a batch as
 * alone (see {@code Kernels}).
 *
 * <p>Shutdown: {@link #close()} stops taking requests and joins the thread (bounded wait); the thread ends
 * running requests as cancelled and fails waiting ones and queued embeddings. Every request ends with
 * exactly one {@link StreamItem.Finished} or {@link StreamItem.Failed}.
 */
public final class BatchEngine implements EngineClient {
    private static final Logger LOG = Logger.getLogger(BatchEngine.class.getName());
    private static final Duration IDLE_POLL = Duration.ofMillis(50);
    private static final Duration STALLED_POLL = Duration.ofMillis(5);
    private static final Duration JOIN = Duration.ofSeconds(10);
    private static final int CHANNEL_CAPACITY = 1024;

    private final Model model;
    private final SchedulerConfig config;
    private final Ticker ticker;
    private final KvBlockPool pool;
    private final Scheduler scheduler;
    private final Generator single; // embeddings and warm-up, on the engine thread
    private final BlockingQueue<Object> inbox; // Sequence or EmbedJob
    private final ArrayDeque<EmbedJob> embeds = new ArrayDeque<>(); // engine thread
    private final Thread thread;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final String name;
    private volatile boolean closed;

    // Stats written by the engine thread only.
    private volatile int waitingGauge;
    private volatile int runningGauge;
    private volatile int blocksUsedGauge;
    private volatile long completed;
    private volatile long steps;
    private volatile long stepTokens;
    private volatile long preemptions;
    private volatile long promptTokens;
    private volatile long cachedPromptTokens;

    /** An embedding waiting for the engine thread. */
    private record EmbedJob(int[] tokens, CompletableFuture<float[]> result) {}

    /**
     * Starts the engine thread (which first warms up the JIT on a short prompt).
     *
     * @param model  the model this engine runs; it must not be driven by anything else meanwhile
     * @param name   used in the thread name and request ids
     * @param config scheduling, queue and KV cache settings
     * @throws IllegalArgumentException when the KV cache size holds no block
     */
    public BatchEngine(Model model, String name, SchedulerConfig config) {
        this(model, name, config, Ticker.system());
    }

    /** As {@link #BatchEngine(Model, String, SchedulerConfig)}, with an injected clock (tests). */
    BatchEngine(Model model, String name, SchedulerConfig config, Ticker ticker) {
        this.model = model;
        this.name = name;
        this.config = config;
        this.ticker = ticker;
        ModelConfig mc = model.config();
        int blocks = heapBounded(poolBlocks(mc, config), mc, config, Runtime.getRuntime().maxMemory(), name);
        this.pool = new KvBlockPool(mc, blocks, config.blockSize(), config.kvPrecision());
        long salt = model.path().toString().hashCode() * 0x9E3779B97F4A7C15L ^ model.fileSize();
        this.scheduler = new Scheduler(config, new BlockAllocator(blocks, config.blockSize(), salt), ticker);
        this.single = new Generator(model);
        this.inbox = new ArrayBlockingQueue<>(config.queueDepth() + config.maxRunning() + 64);
        LOG.info(() -> "engine " + name + ": " + pool + " (" + pool.tokens() + " tokens), " + config.maxBatchTokens()
                + " tokens per step, " + config.maxRunning() + " sequences, prefix caching "
                + (config.prefixCaching() ? "on" : "off"));
        this.thread = Thread.ofPlatform().name("stellar-engine-" + name).daemon(true).unstarted(this::loop);
        this.thread.start();
    }

    /**
     * Blocks of the pool: as many as {@code kvCacheBytes} hold, but no more than the running sequences can
     * use at the model's full context plus one context's worth for the prefix cache (a small model with a
     * large byte budget would otherwise take memory it never touches).
     */
    static int poolBlocks(ModelConfig mc, SchedulerConfig config) {
        int byBytes = KvBlockPool.blocksFor(mc, config.kvCacheBytes(), config.blockSize(), config.kvPrecision());
        long perContext = (mc.contextLength() + config.blockSize() - 1L) / config.blockSize();
        long useful = perContext * (config.maxRunning() + 1L);
        return (int) Math.min(byBytes, useful);
    }

    /**
     * The pool lives on the Java heap: a configured size that would take more than half of it (the rest is
     * for activations, requests and the service) is cut to that half, with a warning naming the settings,
     * rather than ending in an OutOfMemoryError at start or under load.
     */
    static int heapBounded(int blocks, ModelConfig mc, SchedulerConfig config, long maxHeap, String name) {
        long perBlock = KvBlockPool.bytesPerBlock(mc, config.blockSize(), config.kvPrecision());
        long limit = maxHeap / 2 / perBlock;
        if (blocks <= limit) {
            return blocks;
        }
        Checks.require(limit >= 1, "the JVM heap (" + (maxHeap >> 20) + " MiB) cannot hold one KV cache block of "
                + perBlock + " bytes; raise -Xmx (STELLAR_JAVA_OPTS)");
        LOG.warning("engine " + name + ": a KV cache of " + blocks + " blocks (" + (blocks * perBlock >> 20)
                + " MiB) would take more than half of the " + (maxHeap >> 20) + " MiB JVM heap; using " + limit
                + " blocks (" + (limit * perBlock >> 20) + " MiB). Raise -Xmx (STELLAR_JAVA_OPTS) or lower"
                + " engine.kv_cache_size to silence this.");
        return (int) limit;
    }

    /** The KV block pool (its size is logged at start). */
    public KvBlockPool pool() {
        return pool;
    }

    public SchedulerConfig config() {
        return config;
    }

    @Override
    public RequestHandle submit(GenerationRequest request) {
        if (closed) {
            throw new IllegalStateException("the engine is shut down");
        }
        int promptLength = request.promptTokens().length;
        if (promptLength >= request.contextLength()) {
            throw new ContextOverflowException(promptLength, request.contextLength());
        }
        int poolTokens = (int) Math.min(Integer.MAX_VALUE, pool.tokens());
        if (promptLength + 1L > poolTokens) { // the prompt and one reply token must fit in the whole pool
            throw new KvCacheCapacityException(promptLength + 1, pool.tokens());
        }
        // a reply budget beyond the pool ends with LENGTH at the pool's size, as at the end of a context
        SequenceDecoder decoder = new SequenceDecoder(request, model.tokenizer(), model.config().vocabSize(),
                poolTokens, single::tokenBytes);
        int capacity = decoder.capacity();
        enterQueue();
        String id = "gen-" + ids.incrementAndGet();
        RequestHandle h = new RequestHandle(id, request, CHANNEL_CAPACITY, ticker.read());
        Sequence s = new Sequence(id, request.promptTokens(), capacity, h.submittedNanos(), KvCache.paged(pool));
        s.decoder = decoder;
        s.handle = h;
        if (!inbox.offer(s)) {
            queued.decrementAndGet();
            rejected.incrementAndGet();
            throw Scheduler.queueFull(queued.get());
        }
        if (closed && inbox.remove(s)) { // closed meanwhile, after the engine thread's last look at the inbox
            queued.decrementAndGet();
            throw new IllegalStateException("the engine is shut down");
        }
        return h;
    }

    /** Counts one more queued request, or refuses it (429) when the queue is full. */
    private void enterQueue() {
        while (true) {
            int q = queued.get();
            if (!Scheduler.hasRoom(q, runningGauge, config.maxRunning(), config.queueDepth())) {
                rejected.incrementAndGet();
                throw Scheduler.queueFull(q);
            }
            if (queued.compareAndSet(q, q + 1)) {
                return;
            }
        }
    }

    @Override
    public CompletableFuture<float[]> embed(int[] tokens) {
        if (closed) {
            throw new IllegalStateException("the engine is shut down");
        }
        enterQueue();
        EmbedJob job = new EmbedJob(tokens.clone(), new CompletableFuture<>());
        if (!inbox.offer(job)) {
            queued.decrementAndGet();
            rejected.incrementAndGet();
            throw Scheduler.queueFull(queued.get());
        }
        if (closed && inbox.remove(job)) {
            queued.decrementAndGet();
            throw new IllegalStateException("the engine is shut down");
        }
        return job.result();
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(waitingGauge, runningGauge, completed, rejected.get(), blocksUsedGauge,
                pool.blocks(), promptTokens, cachedPromptTokens, steps, stepTokens, preemptions);
    }

    // ---------------------------------------------------------------- engine thread

    private void loop() {
        long start = System.nanoTime();
        try {
            single.warmUp(); // requests that arrive meanwhile wait in the inbox
            LOG.fine(() -> "engine " + name + " warm-up took " + (System.nanoTime() - start) / 1_000_000 + " ms");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "warm-up failed", e);
        }
        try {
            run();
        } catch (Error e) { // e.g. out of memory: end every request rather than leave callers waiting
            LOG.log(Level.SEVERE, "engine " + name + " stopped", e);
            closed = true;
            failAll(new IllegalStateException("the engine stopped: " + e, e));
        } finally {
            shutDown();
            publishStats();
        }
    }

    private void run() {
        boolean stalled = false;
        while (!closed) {
            try {
                boolean idle = scheduler.runningCount() == 0 && scheduler.waitingCount() == 0 && embeds.isEmpty();
                Duration wait = idle ? IDLE_POLL : stalled ? STALLED_POLL : Duration.ZERO;
                Object msg = wait.isZero() ? inbox.poll() : inbox.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
                while (msg != null) {
                    accept(msg);
                    msg = inbox.poll();
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                dropCancelled();
                expireWaiting();
                runEmbeddings();
                stalled = !step();
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "engine " + name + " step failed; failing its requests", e);
                failAll(e);
            }
            publishStats();
        }
    }

    private void accept(Object msg) {
        switch (msg) {
            case Sequence s -> {
                try {
                    scheduler.add(s);
                } catch (RuntimeException e) { // queue full by the engine's own count, or too large
                    leaveQueue(s);
                    rejected.incrementAndGet();
                    s.handle.finish(new StreamItem.Failed(e));
                }
            }
            case EmbedJob e -> embeds.add(e);
            default -> throw new IllegalStateException("unknown message " + msg);
        }
    }

    private void leaveQueue(Sequence s) {
        if (!s.leftQueue) {
            s.leftQueue = true;
            queued.decrementAndGet();
        }
    }

    /** Ends every cancelled sequence, waiting or running, before the next step; frees its blocks. */
    private void dropCancelled() {
        List<Sequence> all = new ArrayList<>(scheduler.running());
        all.addAll(scheduler.waiting());
        for (Sequence s : all) {
            if (s.handle.isCancelled()) {
                scheduler.abort(s);
                end(s, FinishReason.CANCELLED);
            }
        }
    }

    private void expireWaiting() {
        for (Sequence s : scheduler.expire()) {
            leaveQueue(s);
            rejected.incrementAndGet();
            long waited = ticker.read() - s.arrivalNanos();
            s.handle.finish(new StreamItem.Failed(new EngineOverloadedException("the request waited "
                    + waited / 1_000_000 + " ms for the model, longer than the limit of "
                    + config.maxWait().toMillis() + " ms; retry later", false, Duration.ofSeconds(2))));
        }
    }

    private void runEmbeddings() {
        EmbedJob job;
        while ((job = embeds.poll()) != null) {
            queued.decrementAndGet();
            if (job.result().isDone()) {
                continue; // the caller gave up
            }
            try {
                job.result().complete(single.embed(job.tokens()));
            } catch (RuntimeException e) {
                job.result().completeExceptionally(e);
            }
            completed++;
        }
    }

    /** One step: schedule, one forward pass, sample, emit, retire. False when there was nothing to run. */
    private boolean step() {
        Scheduler.Batch batch = scheduler.schedule();
        if (batch.isEmpty()) {
            return false;
        }
        int n = batch.tokens();
        int[] tokens = new int[n];
        int[] positions = new int[n];
        KvCache[] caches = new KvCache[n];
        boolean[] prompt = new boolean[n]; // prompt tokens on the prompt kernels, generated ones on decode kernels
        int sampling = 0;
        for (Scheduler.Chunk c : batch.chunks()) {
            sampling += c.samples() ? 1 : 0;
        }
        int[] logitRows = new int[sampling];
        int row = 0;
        int r = 0;
        for (Scheduler.Chunk c : batch.chunks()) {
            Sequence s = c.seq();
            leaveQueue(s); // admitted
            for (int i = 0; i < c.count(); i++) {
                tokens[row] = s.token(c.start() + i);
                positions[row] = c.start() + i;
                caches[row] = s.kv;
                prompt[row] = c.start() + i < s.promptLength(); // also when a preempted sequence is recomputed
                row++;
            }
            if (c.samples()) {
                logitRows[r++] = row - 1;
            }
        }
        float[] logits;
        try {
            logits = model.transformer().forward(tokens, positions, caches, logitRows, prompt);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "forward pass failed; failing the " + batch.chunks().size() + " requests in it", e);
            for (Scheduler.Chunk c : batch.chunks()) {
                scheduler.abort(c.seq());
                c.seq().handle.finish(new StreamItem.Failed(e));
                completed++;
            }
            return true;
        }
        scheduler.complete(batch);
        steps++;
        stepTokens += n;
        long now = ticker.read();
        int vocab = model.config().vocabSize();
        r = 0;
        for (Scheduler.Chunk c : batch.chunks()) {
            if (!c.samples()) {
                continue;
            }
            Sequence s = c.seq();
            float[] rowLogits = Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab);
            r++;
            if (s.status() != SequenceStatus.RUNNING || s.handle.isCancelled()) {
                continue; // dropped before the next step
            }
            boolean goesOn;
            try {
                goesOn = s.decoder.sample(rowLogits, now, ev -> emit(s, ev));
            } catch (RuntimeException e) { // this request's sampler or detokenizer: fail it alone
                LOG.log(Level.WARNING, "request " + s.id() + " failed while sampling", e);
                scheduler.abort(s);
                s.handle.finish(new StreamItem.Failed(e));
                completed++;
                continue;
            }
            if (goesOn) {
                s.append(s.decoder.lastToken());
            } else {
                scheduler.finish(s, s.decoder.finishReason());
                end(s, s.decoder.finishReason());
            }
        }
        return true;
    }

    /** Hands an event to the caller without waiting; a caller whose channel is full is cancelled. */
    private void emit(Sequence s, GenerationEvent ev) {
        if (s.handle.isCancelled()) {
            return;
        }
        try {
            if (!s.handle.offer(new StreamItem.Event(ev), Duration.ZERO)) {
                LOG.fine(() -> "request " + s.id() + " cancelled: its caller is " + CHANNEL_CAPACITY + " events behind");
                s.handle.cancel();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.handle.cancel();
        }
    }

    /** Ends a sequence the scheduler already let go of: its result (with usage) goes to its channel. */
    private void end(Sequence s, FinishReason reason) {
        leaveQueue(s);
        s.decoder.end(reason);
        long now = ticker.read();
        long start = s.admittedOnce ? s.startNanos : now;
        GenerationResult result = s.decoder.finish(s.cachedTokens, start, now, ev -> emit(s, ev));
        s.handle.finish(new StreamItem.Finished(result));
        completed++;
    }

    private void failAll(RuntimeException e) {
        List<Sequence> all = new ArrayList<>(scheduler.running());
        all.addAll(scheduler.waiting());
        for (Sequence s : all) {
            scheduler.abort(s);
            leaveQueue(s);
            s.handle.finish(new StreamItem.Failed(e));
            completed++;
        }
    }

    private void shutDown() {
        for (Sequence s : new ArrayList<>(scheduler.running())) {
            scheduler.abort(s);
            end(s, FinishReason.CANCELLED);
        }
        IllegalStateException down = new IllegalStateException("the engine shut down");
        for (Sequence s : scheduler.waiting()) {
            scheduler.abort(s);
            leaveQueue(s);
            s.handle.finish(new StreamItem.Failed(down));
        }
        Object msg;
        while ((msg = inbox.poll()) != null) {
            if (msg instanceof Sequence s) {
                leaveQueue(s);
                s.handle.finish(new StreamItem.Failed(down));
            } else if (msg instanceof EmbedJob e) {
                embeds.add(e);
            }
        }
        for (EmbedJob e : embeds) {
            queued.decrementAndGet();
            e.result().completeExceptionally(down);
        }
        embeds.clear();
    }

    private void publishStats() {
        waitingGauge = scheduler.waitingCount() + inbox.size() + embeds.size();
        runningGauge = scheduler.runningCount();
        blocksUsedGauge = scheduler.blocks().used();
        preemptions = scheduler.preemptions();
        promptTokens = scheduler.promptTokens();
        cachedPromptTokens = scheduler.cachedPromptTokens();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() == thread) {
            return; // called from an event consumer on the engine thread: the loop ends after this step
        }
        try {
            if (!thread.join(JOIN)) {
                LOG.warning("engine " + name + " did not stop within " + JOIN.toSeconds() + " s");
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
