package io.stellarchat.bench.e2e;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufTensorInfo;
import io.stellarchat.engine.model.KvCache;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.model.Transformer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * End-to-end throughput of whole models, after llama.cpp's {@code llama-bench}: for each model,
 * {@code ppN} times one forward pass of N prompt tokens in a single batch (positions 0..N-1, logits of the
 * last row only) and {@code tgN} times N single-token decode steps from an empty context (positions
 * 0..N-1, logits every step); both report tokens/s. With {@code --batch B}, {@code batchB-tgN} runs the N steps
 * for B sequences at once (B decode rows a step, logits of every row, as a serving engine's running streams)
 * and logs what a B-row step costs in one-row steps. Tokens are random ids (fixed seed), as in llama-bench.
 * Each test runs once untimed to warm up (JIT, page cache), then {@code --reps} times; the table gives the
 * median ± sample standard deviation, the JSON every sample, the median, min, max and stddev.
 *
 * <p>Next to generation speed it prints the effective bandwidth, {@code weight bytes × tg tokens/s}, where the
 * weight bytes are the model file's tensor bytes, every weight being read once per generated token (less the
 * token embedding when the model has a separate output matrix: then only one embedding row is read), and the machine's copy bandwidth measured in the same run
 * ({@link CopyBandwidth}, read + written bytes, one thread and {@code --threads} threads).
 *
 * <p>Models are synthetic ({@link ModelSpec}: random weights in real shapes and real quantization types),
 * generated once into {@code --dir} (default {@code ./bench-models}, ignored by git) with the engine's
 * synthetic writer: single-threaded, a few minutes per 1B model. Run (defaults: the five models of the
 * issue, all cores, 3 repetitions, pp512, tg128):
 * <pre>
 * ./stellar bench e2e
 * ./stellar bench e2e --models llama-1b-q4_0,llama-1b-q8_0 --threads 2 --reps 3 --pp 512 --tg 128 --json e2e.json
 * ./stellar bench e2e --models llama-tiny-q8_0 --pp 32 --tg 8 --reps 1     # a smoke run in seconds
 * ./stellar bench e2e --models llama-1b-q4_0 --pp 0 --tg 32 --batch 8      # batched decode: 8 rows vs 1
 * </pre>
 * The same GGUF files can be handed to llama.cpp's {@code llama-bench -m bench-models/llama-1b-q4_0.gguf -t 2}
 * for a side-by-side comparison.
 */
public final class EndToEndBench {
    private static final long TOKEN_SEED = 1234;

    private final BenchArgs args;
    private final PrintStream out;
    private final PrintStream log;

    /**
     * One measured test of one model.
     *
     * @param model       model name
     * @param file        its GGUF file
     * @param fileBytes   size of the file
     * @param weightBytes bytes of all its tensors (llama-bench's model size)
     * @param readBytes   bytes of weights read per generated token: all tensors, less the token embedding
     *                    when a separate {@code output.weight} exists (only one embedding row is read then)
     * @param params      number of weights
     * @param kernels     the kernels the engine selected
     * @param threads     compute threads
     * @param test        {@code ppN} or {@code tgN}
     * @param tokens      tokens per run
     * @param tps         tokens/s over the repetitions
     */
    public record Result(String model, Path file, long fileBytes, long weightBytes, long readBytes, long params, String kernels,
                         int threads, String test, int tokens, Stats tps) {

        /** Effective weight bandwidth of a generation test, GB/s at the median speed; NaN for prompt tests. */
        public double effectiveGbps() {
            return test.startsWith("tg") ? readBytes * tps.median() / 1e9 : Double.NaN;
        }
    }

    EndToEndBench(BenchArgs args, PrintStream out, PrintStream log) {
        this.args = args;
        this.out = out;
        this.log = log;
    }

    /** {@code ./stellar bench e2e [options]}; exits with 2 on a bad option (printing the usage). */
    public static void main(String[] argv) throws Exception {
        if (Arrays.asList(argv).contains("--help") || Arrays.asList(argv).contains("-h")) {
            System.out.print(BenchArgs.USAGE);
            return;
        }
        BenchArgs args;
        try {
            args = BenchArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("bench e2e: " + e.getMessage());
            System.err.print(BenchArgs.USAGE);
            System.exit(2);
            return;
        }
        new EndToEndBench(args, System.out, System.err).run();
    }

    void run() throws IOException, InterruptedException {
        List<ModelSpec> specs = args.models().stream().map(ModelSpec::parse).toList();
        List<Path> files = new ArrayList<>();
        for (ModelSpec spec : specs) { // generate everything first: a missing vocabulary fails before any timing
            files.add(spec.ensure(args.dir(), args.vocabDir(), log));
        }
        CopyBandwidth.Result copy = null;
        if (args.copyBytes() > 0) {
            log.printf(Locale.ROOT, "measuring copy bandwidth (%d MiB, 1 and %d threads)...%n",
                    args.copyBytes() >> 20, args.threads());
            copy = CopyBandwidth.measure(args.copyBytes(), args.threads());
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            results.addAll(measure(specs.get(i), files.get(i)));
        }
        out.print(Report.markdown(results, copy));
        out.flush();
        if (args.json() != null) {
            Path parent = args.json().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(args.json(), Report.json(results, copy, args));
            log.println("wrote " + args.json());
        }
    }

    private List<Result> measure(ModelSpec spec, Path file) throws IOException {
        long weightBytes = 0;
        long params = 0;
        long readBytes;
        try (GgufFile gguf = GgufFile.open(file)) {
            for (GgufTensorInfo t : gguf.tensors()) {
                weightBytes += t.byteSize();
                params += t.elements();
            }
            readBytes = weightBytes;
            if (gguf.findTensor("output.weight").isPresent()) { // untied: token_embd is only looked up, one row a token
                readBytes -= gguf.findTensor("token_embd.weight").map(GgufTensorInfo::byteSize).orElse(0L);
            }
        }
        List<Result> results = new ArrayList<>();
        try (Model model = Model.load(file, new ModelOptions(args.threads(), null, null))) {
            Transformer tf = model.transformer();
            int vocab = Math.min(model.config().vocabSize(), model.tokenizer().vocabSize());
            int capacity = Math.max(args.pp(), args.tg());
            if (capacity > model.config().contextLength()) {
                throw new IllegalArgumentException(spec.name() + ": " + capacity
                        + " tokens exceed the model's context length " + model.config().contextLength());
            }
            KvCache cache = model.newKvCache(capacity); // (layers, capacity, kvDim) keys and values
            int[] tokens = new SplittableRandom(TOKEN_SEED).ints(capacity, 0, vocab).toArray();
            log.printf(Locale.ROOT, "%s: %s, %d threads, kernels %s%n", spec.name(), file, args.threads(),
                    model.kernels().description());
            String kernels = model.kernels().description();
            if (args.pp() > 0) {
                Stats s = repeat(spec.name(), "pp" + args.pp(), args.pp(), () -> prompt(tf, cache, tokens, args.pp()));
                results.add(new Result(spec.name(), file, model.fileSize(), weightBytes, readBytes, params, kernels,
                        args.threads(), "pp" + args.pp(), args.pp(), s));
            }
            if (args.tg() > 0) {
                Stats s = repeat(spec.name(), "tg" + args.tg(), args.tg(), () -> generate(tf, cache, tokens, args.tg()));
                results.add(new Result(spec.name(), file, model.fileSize(), weightBytes, readBytes, params, kernels,
                        args.threads(), "tg" + args.tg(), args.tg(), s));
                if (args.batch() > 0) {
                    int b = args.batch();
                    KvCache[] caches = new KvCache[b]; // one sequence per decode row
                    for (int j = 0; j < b; j++) {
                        caches[j] = model.newKvCache(capacity);
                    }
                    String test = "batch" + b + "-tg" + args.tg();
                    Stats sb = repeat(spec.name(), test, args.tg() * b,
                            () -> generateBatch(tf, caches, tokens, args.tg()));
                    results.add(new Result(spec.name(), file, model.fileSize(), weightBytes, readBytes, params, kernels,
                            args.threads(), test, args.tg() * b, sb));
                    // A step of b rows takes b / tps_b seconds, a step of one row 1 / tps_1.
                    log.printf(Locale.ROOT, "  %s: a step of %d decode rows costs %.2f one-row steps (%.2fx the "
                            + "single-stream tokens/s)%n", spec.name(), b, b * s.median() / sb.median(),
                            sb.median() / s.median());
                }
            }
        }
        return results;
    }

    /** Runs {@code run} once to warm up, then {@code reps} times; each run returns its nanoseconds. */
    private Stats repeat(String model, String test, int n, LongSupplier run) {
        long warm = run.getAsLong();
        log.printf(Locale.ROOT, "  %s %s warm-up: %.2f t/s%n", model, test, n * 1e9 / warm);
        double[] tps = new double[args.reps()];
        for (int r = 0; r < tps.length; r++) {
            tps[r] = n * 1e9 / run.getAsLong();
            log.printf(Locale.ROOT, "  %s %s rep %d/%d: %.2f t/s%n", model, test, r + 1, tps.length, tps[r]);
        }
        return Stats.of(tps);
    }

    /** One forward pass of the first {@code n} tokens as a batch; returns its nanoseconds. */
    private static long prompt(Transformer tf, KvCache cache, int[] tokens, int n) {
        int[] batch = Arrays.copyOf(tokens, n);
        int[] positions = new int[n];
        KvCache[] caches = new KvCache[n];
        for (int i = 0; i < n; i++) {
            positions[i] = i;
            caches[i] = cache;
        }
        int[] last = {n - 1};
        boolean[] prompt = new boolean[n];
        Arrays.fill(prompt, true); // the prompt form of the kernels, as the engines run prompts
        long t0 = System.nanoTime();
        float[] logits = tf.forward(batch, positions, caches, last, prompt);
        long ns = System.nanoTime() - t0;
        checkFinite(logits);
        return ns;
    }

    /** {@code n} decode steps of one token each, from position 0; returns their total nanoseconds. */
    private static long generate(Transformer tf, KvCache cache, int[] tokens, int n) {
        KvCache[] caches = {cache};
        int[] row = {0};
        long ns = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            float[] logits = tf.forward(new int[] {tokens[i]}, new int[] {i}, caches, row);
            ns += System.nanoTime() - t0;
            if (i == n - 1) {
                checkFinite(logits);
            }
        }
        return ns;
    }

    /**
     * {@code n} decode steps of {@code caches.length} sequences together, each step one token of each sequence at
     * the same position (the decode form of the kernels, as a serving engine's batch of running streams); returns
     * the total nanoseconds.
     */
    private static long generateBatch(Transformer tf, KvCache[] caches, int[] tokens, int n) {
        int b = caches.length;
        int[] rows = new int[b];
        for (int j = 0; j < b; j++) {
            rows[j] = j;
        }
        long ns = 0;
        for (int i = 0; i < n; i++) {
            int[] step = new int[b];
            int[] positions = new int[b];
            for (int j = 0; j < b; j++) {
                step[j] = tokens[(i + 31 * j) % tokens.length]; // different tokens per sequence
                positions[j] = i;
            }
            long t0 = System.nanoTime();
            float[] logits = tf.forward(step, positions, caches, rows);
            ns += System.nanoTime() - t0;
            if (i == n - 1) {
                checkFinite(logits);
            }
        }
        return ns;
    }

    /** A NaN in the logits means the engine computed garbage fast; refuse to report its speed. */
    private static void checkFinite(float[] logits) {
        for (float v : logits) {
            if (!Float.isFinite(v)) {
                throw new IllegalStateException("the forward pass produced a non-finite logit; speed not reported");
            }
        }
    }
}
