package io.stellarchat.bench.e2e;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufTensorInfo;
import io.stellarchat.engine.model.KvCache;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.model.Transformer;
import io.stellarchat.engine.tensor.Kernels;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

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
 * ./stellar bench e2e --models llama-1b-q4_0,llama-1b-q8_0 --threads 2 --kernels java,native \
 *     --llama-bench /path/to/llama-bench --reps 5                         # side by side, interleaved
 * </pre>
 * With {@code --kernels java,native} each model is loaded once per kernel set and the sets run turn about,
 * repetition by repetition; {@code --llama-bench} runs llama.cpp's {@code llama-bench} on the same file between
 * them ({@link LlamaBench}), and the report adds each set's ratio to llama.cpp. On a shared machine, interleaving
 * spreads a neighbour's load over every contender; the medians and their ratios are what to quote.
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
     * @param kernels     the kernels the engine selected (their start-up description)
     * @param backend     the kernel set in one word ({@code java-512}, {@code native-avx512vnni}, ...) or
     *                    {@code llama.cpp}
     * @param threads     compute threads
     * @param test        {@code ppN} or {@code tgN}
     * @param tokens      tokens per run
     * @param tps         tokens/s over the repetitions
     */
    public record Result(String model, Path file, long fileBytes, long weightBytes, long readBytes, long params, String kernels,
                         String backend, int threads, String test, int tokens, Stats tps) {

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

    /** One kernel set's model, loaded once, and its caches. */
    private record Backend(String name, Model model, KvCache cache, KvCache[] batchCaches) {}

    private List<Result> measure(ModelSpec spec, Path file) throws IOException, InterruptedException {
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
        int capacity = Math.max(args.pp(), args.tg());
        List<Backend> backends = new ArrayList<>();
        try {
            for (String choice : args.kernels()) {
                Kernels k = switch (choice) {
                    case "java" -> Kernels.selectJava();
                    case "native" -> Kernels.withNative(Kernels.selectJava()).orElse(null);
                    default -> Kernels.select();
                };
                if (k == null) {
                    log.printf(Locale.ROOT, "%s: no native kernels here (engine-native not built, or %s unset or off);"
                            + " the native set is skipped%n", spec.name(), Kernels.NATIVE_PATH_PROPERTY);
                    continue;
                }
                Model model = Model.load(file, new ModelOptions(args.threads(), k, null));
                if (capacity > model.config().contextLength()) {
                    int ctx = model.config().contextLength();
                    model.close();
                    throw new IllegalArgumentException(spec.name() + ": " + capacity
                            + " tokens exceed the model's context length " + ctx);
                }
                KvCache[] batchCaches = new KvCache[args.batch()]; // one sequence per decode row
                for (int j = 0; j < batchCaches.length; j++) {
                    batchCaches[j] = model.newKvCache(capacity);
                }
                String name = k.kernelSet();
                for (Backend b : backends) {
                    if (b.name().equals(name)) {
                        name = name + "#" + (backends.size() + 1); // auto and native can name the same set
                    }
                }
                backends.add(new Backend(name, model, model.newKvCache(capacity), batchCaches));
                log.printf(Locale.ROOT, "%s: %s, %d threads, kernel set %s: %s%n", spec.name(), file, args.threads(),
                        name, k.description());
            }
            return measure(spec, file, backends, weightBytes, readBytes, params);
        } finally {
            for (Backend b : backends) {
                b.model().close();
            }
        }
    }

    /**
     * Round 0 warms every backend up (JIT, page cache); rounds 1..reps are counted. Within a round each kernel
     * set runs every test in turn, then llama-bench once: a noisy neighbour slows all of them alike instead of
     * whichever happened to run during the noise.
     */
    private List<Result> measure(ModelSpec spec, Path file, List<Backend> backends, long weightBytes, long readBytes,
                                 long params) throws IOException, InterruptedException {
        int vocab = Integer.MAX_VALUE;
        for (Backend b : backends) {
            vocab = Math.min(vocab, Math.min(b.model().config().vocabSize(), b.model().tokenizer().vocabSize()));
        }
        int capacity = Math.max(args.pp(), args.tg());
        int[] tokens = new SplittableRandom(TOKEN_SEED).ints(capacity, 0, vocab == Integer.MAX_VALUE ? 1 : vocab)
                .toArray();
        List<String> tests = new ArrayList<>();
        if (args.pp() > 0) {
            tests.add("pp" + args.pp());
        }
        if (args.tg() > 0) {
            tests.add("tg" + args.tg());
        }
        if (args.batch() > 0) {
            tests.add("batch" + args.batch() + "-tg" + args.tg());
        }
        int reps = args.reps();
        Map<String, double[]> samples = new LinkedHashMap<>(); // key: backend + " " + test
        boolean llama = args.llamaBench() != null; // turned off for this model if llama-bench cannot run the file
        for (int round = 0; round <= reps; round++) {
            String what = round == 0 ? "warm-up" : "rep " + round + "/" + reps;
            for (Backend b : backends) {
                Transformer tf = b.model().transformer();
                for (String test : tests) {
                    long ns = test.startsWith("pp") ? prompt(tf, b.cache(), tokens, args.pp())
                            : test.startsWith("tg") ? generate(tf, b.cache(), tokens, args.tg())
                            : generateBatch(tf, b.batchCaches(), tokens, args.tg());
                    double tps = tokenCount(test) * 1e9 / ns;
                    log.printf(Locale.ROOT, "  %s %s %s %s: %.2f t/s%n", spec.name(), b.name(), test, what, tps);
                    if (round > 0) {
                        samples.computeIfAbsent(b.name() + " " + test, key -> new double[reps])[round - 1] = tps;
                    }
                }
            }
            if (llama && round > 0) { // llama-bench runs its own warm-up
                double[] pptg;
                try {
                    pptg = LlamaBench.run(args.llamaBench(), file, args.threads(), args.pp(), args.tg());
                } catch (IOException e) {
                    log.printf(Locale.ROOT, "  %s: llama.cpp could not run this file (%s); no llama.cpp figures for it%n",
                            spec.name(), e.getMessage());
                    llama = false;
                    continue;
                }
                for (int t = 0; t < 2; t++) {
                    String test = t == 0 ? "pp" + args.pp() : "tg" + args.tg();
                    if (!Double.isNaN(pptg[t])) {
                        log.printf(Locale.ROOT, "  %s %s %s %s: %.2f t/s%n", spec.name(), LlamaBench.NAME, test, what,
                                pptg[t]);
                        samples.computeIfAbsent(LlamaBench.NAME + " " + test, key -> new double[reps])[round - 1] = pptg[t];
                    }
                }
            }
        }
        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, double[]> e : samples.entrySet()) {
            int space = e.getKey().lastIndexOf(' ');
            String backend = e.getKey().substring(0, space);
            String test = e.getKey().substring(space + 1);
            String kernels = backends.stream().filter(b -> b.name().equals(backend)).findFirst()
                    .map(b -> b.model().kernels().description()).orElse("llama.cpp CPU backend (llama-bench)");
            results.add(new Result(spec.name(), file, Files.size(file), weightBytes, readBytes, params, kernels, backend,
                    args.threads(), test, tokenCount(test), Stats.of(e.getValue())));
        }
        if (args.batch() > 0) {
            for (Backend b : backends) {
                double[] one = samples.get(b.name() + " tg" + args.tg());
                double[] many = samples.get(b.name() + " " + tests.getLast());
                double tps1 = Stats.of(one).median();
                double tpsB = Stats.of(many).median();
                // A step of B rows takes B / tps_B seconds, a step of one row 1 / tps_1.
                log.printf(Locale.ROOT, "  %s %s: a step of %d decode rows costs %.2f one-row steps (%.2fx the "
                        + "single-stream tokens/s)%n", spec.name(), b.name(), args.batch(), args.batch() * tps1 / tpsB,
                        tpsB / tps1);
            }
        }
        return results;
    }

    private int tokenCount(String test) {
        return test.startsWith("pp") ? args.pp() : test.startsWith("tg") ? args.tg() : args.tg() * args.batch();
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
