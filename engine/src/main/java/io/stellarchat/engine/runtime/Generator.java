package io.stellarchat.engine.runtime;

import io.stellarchat.engine.model.KvCache;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.sampling.TokenBytes;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Generates one sequence at a time on a {@link Model}: prompt processing in batches, then one token per
 * forward pass, streaming each token to a consumer.
 *
 * <p>Threads: {@link #generate} runs on the caller's thread, which drives the model's compute pool. The
 * model's forward pass has one owner at a time, so concurrent calls are serialised by a fair lock (the
 * batching scheduler of {@code engine.runtime} replaces this for serving). All per-request state — KV
 * cache, sampler and its random generator, UTF-8 decoder, stop matcher — is created per call.
 */
public final class Generator {
    /** Prompt tokens per forward pass during prompt processing. */
    private static final int PREFILL_BATCH = 512;

    private final Model model;
    private final ReentrantLock modelLock = new ReentrantLock(true);
    // The vocabulary as bytes for grammar masks: built on the first request with a grammar (whichever thread
    // submits it), then shared read-only by every sequence of this model; guarded by vocabLock while built.
    private final Object vocabLock = new Object();
    private volatile TokenBytes tokenBytes;

    public Generator(Model model) {
        this.model = model;
    }

    /**
     * Runs the request to completion (or cancellation), streaming events to {@code consumer} on this thread.
     *
     * @throws ContextOverflowException when the prompt leaves no room in the context
     */
    public GenerationResult generate(GenerationRequest request, CancellationToken cancel,
                                     Consumer<GenerationEvent> consumer) {
        SequenceDecoder decoder = new SequenceDecoder(request, model.tokenizer(), model.config().vocabSize(),
                Integer.MAX_VALUE, this::tokenBytes);
        int[] prompt = request.promptTokens();
        modelLock.lock();
        try {
            // Sized for what this request can use, not the whole context: prompt + reply budget.
            KvCache cache = model.newKvCache(decoder.capacity());
            long start = System.nanoTime();
            float[] logits = prefill(prompt, cache);
            while (true) {
                if (cancel.isCancelled()) {
                    decoder.end(FinishReason.CANCELLED);
                    break;
                }
                if (!decoder.sample(logits, System.nanoTime(), consumer)) {
                    break;
                }
                if (cancel.isCancelled()) {
                    decoder.end(FinishReason.CANCELLED);
                    break;
                }
                logits = model.transformer().forward(new int[] {decoder.lastToken()},
                        new int[] {decoder.nextPosition()}, new KvCache[] {cache}, new int[] {0});
            }
            return decoder.finish(0, start, System.nanoTime(), consumer);
        } finally {
            modelLock.unlock();
        }
    }

    /** The model's vocabulary as bytes for grammar masks, built once. Thread-safe. */
    TokenBytes tokenBytes() {
        TokenBytes t = tokenBytes;
        if (t == null) {
            synchronized (vocabLock) {
                t = tokenBytes;
                if (t == null) {
                    t = TokenBytes.of(model.tokenizer());
                    tokenBytes = t;
                }
            }
        }
        return t;
    }

    /**
     * Runs a short prompt and a few decode steps and throws the result away, so that the JIT compiles the
     * prompt (mat-mat) and decode (mat-vec) kernels for this model's weight types before the first real
     * request pays for it.
     */
    public void warmUp() {
        int ctx = model.config().contextLength();
        int n = Math.min(16, ctx - 9);
        if (n < 1) {
            return;
        }
        int[] prompt = new int[n];
        for (int i = 0; i < n; i++) {
            prompt[i] = i % model.config().vocabSize();
        }
        modelLock.lock();
        try {
            KvCache cache = model.newKvCache(n + 8);
            prefill(prompt, cache);
            int vocab = model.config().vocabSize();
            for (int pos = n; pos < n + 4; pos++) {
                model.transformer().forward(new int[] {pos % vocab}, new int[] {pos},
                        new KvCache[] {cache}, new int[] {0});
            }
            // Four generated-token rows in one pass: the batched decode kernels a busy server runs.
            int[] positions = {n + 4, n + 5, n + 6, n + 7};
            int[] tokens = new int[4];
            for (int i = 0; i < 4; i++) {
                tokens[i] = positions[i] % vocab;
            }
            model.transformer().forward(tokens, positions, new KvCache[] {cache, cache, cache, cache},
                    new int[] {0, 1, 2, 3});
        } finally {
            modelLock.unlock();
        }
    }

    /**
     * An embedding of {@code tokens}: the final hidden states (after the output norm) averaged over all
     * positions (mean pooling), then scaled to unit L2 norm. Decoder models have no pooling head of their
     * own; this is the common choice for them (as llama.cpp's {@code --pooling mean}).
     */
    public float[] embed(int[] tokens) {
        int ctx = model.config().contextLength();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("cannot embed an empty input");
        }
        if (tokens.length > ctx) {
            throw new ContextOverflowException(tokens.length, ctx);
        }
        int dim = model.config().dim();
        double[] sum = new double[dim];
        modelLock.lock();
        try {
            KvCache cache = model.newKvCache(tokens.length);
            for (int from = 0; from < tokens.length; from += PREFILL_BATCH) {
                int to = Math.min(tokens.length, from + PREFILL_BATCH);
                int n = to - from;
                int[] positions = new int[n];
                int[] rows = new int[n];
                KvCache[] caches = new KvCache[n];
                for (int i = 0; i < n; i++) {
                    positions[i] = from + i;
                    rows[i] = i;
                }
                Arrays.fill(caches, cache);
                float[] h = model.transformer().hidden(Arrays.copyOfRange(tokens, from, to), positions, caches, rows);
                for (int i = 0; i < n; i++) {
                    for (int d = 0; d < dim; d++) {
                        sum[d] += h[i * dim + d];
                    }
                }
            }
        } finally {
            modelLock.unlock();
        }
        double norm = 0;
        for (double v : sum) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) {
            out[d] = norm > 0 ? (float) (sum[d] / norm) : 0f;
        }
        return out;
    }

    /** Runs the prompt through the model in batches; returns the logits of its last position. */
    private float[] prefill(int[] prompt, KvCache cache) {
        float[] logits = null;
        for (int from = 0; from < prompt.length; from += PREFILL_BATCH) {
            int to = Math.min(prompt.length, from + PREFILL_BATCH);
            int n = to - from;
            int[] positions = new int[n];
            KvCache[] caches = new KvCache[n];
            for (int i = 0; i < n; i++) {
                positions[i] = from + i;
            }
            Arrays.fill(caches, cache);
            int[] rows = to == prompt.length ? new int[] {n - 1} : new int[0];
            boolean[] promptRows = new boolean[n];
            Arrays.fill(promptRows, true); // the prompt form of the kernels, as the batching engine uses for prompts
            logits = model.transformer().forward(Arrays.copyOfRange(prompt, from, to), positions, caches, rows,
                    promptRows);
        }
        return logits;
    }
}
