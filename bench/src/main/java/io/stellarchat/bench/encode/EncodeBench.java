package io.stellarchat.bench.encode;

import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.model.synth.SyntheticModelWriter;
import io.stellarchat.engine.model.synth.SyntheticShape;
import io.stellarchat.engine.model.synth.SyntheticType;
import io.stellarchat.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Encoding throughput of an embedding model, side by side with llama.cpp's {@code llama-embedding} on the same
 * file and the same inputs.
 *
 * <p>The model is a random-weight {@code bert} of the MiniLM-L12 / bge-small shape (12 layers, hidden 384, 12 heads,
 * FFN 1536, the 30,522-token BERT vocabulary of {@code shared/models/vocab}), written once per weight type into
 * {@code --dir}. The inputs are {@code --batch} texts of {@code --tokens} tokens each: random whole-word vocabulary
 * entries joined by spaces, checked to tokenize to exactly that many tokens with {@code [CLS]} and {@code [SEP]}.
 * StellarChat encodes them in one padding-free pass ({@code Encoder.encode}, as the server's encoder engine does);
 * one warm-up pass, then {@code --reps} timed passes, the best reported. With {@code --llama-embedding PATH}, the
 * same texts go to {@code llama-embedding -f texts -t THREADS -c B -b B -ub B -np B/tokens} (B = {@code --llama-batch}, 512 by
 * default: llama.cpp's BERT graph attends over its whole micro-batch with a mask, so larger batches get slower),
 * {@code --reps} runs with each OpenMP wait policy ({@code OMP_WAIT_POLICY} ACTIVE, its default, and PASSIVE: its
 * threads spin at barriers, which on a machine shared with other work multiplies its time), the best of its
 * {@code prompt eval time} (model load excluded) reported; the ratio is StellarChat tokens/s over llama.cpp tokens/s.
 *
 * <p>Run: {@code ./stellar bench encode --threads 2 --llama-embedding /path/to/llama-embedding}
 * ({@code --types f16,q8_0 --batch 32 --tokens 128 --reps 3 --dir ./bench-models}).
 */
public final class EncodeBench {
    private static final long SEED = 42;
    private static final Pattern PROMPT_EVAL = Pattern.compile("prompt eval time =\\s*([0-9.]+) ms /\\s*([0-9]+) tokens");

    private EncodeBench() {}

    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        int batch = 32;
        int tokens = 128;
        int reps = 3;
        int llamaBatch = 512;
        List<String> types = List.of("f16", "q8_0");
        Path dir = Path.of("bench-models");
        Path vocab = Path.of(System.getProperty("stellar.shared", "../shared"), "models", "vocab", "ggml-vocab-bert-bge.gguf");
        Path llama = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: ./stellar bench encode [--threads N] [--batch N] [--tokens N] [--reps N] "
                        + "[--types f16,q8_0] [--dir DIR] [--vocab FILE] [--llama-embedding PATH] [--llama-batch B]");
                return;
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--threads", "-t" -> threads = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--tokens" -> tokens = Integer.parseInt(v);
                case "--reps" -> reps = Integer.parseInt(v);
                case "--types" -> types = List.of(v.split(","));
                case "--dir" -> dir = Path.of(v);
                case "--vocab" -> vocab = Path.of(v);
                case "--llama-embedding" -> llama = Path.of(v);
                case "--llama-batch" -> llamaBatch = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
            }
        }
        if (threads < 1 || batch < 1 || tokens < 3 || tokens > 512 || reps < 1 || llamaBatch < tokens) {
            throw new IllegalArgumentException("need threads, batch, reps >= 1, tokens in 3..512, llama-batch >= tokens");
        }
        System.out.printf(Locale.ROOT, "encode: bert/minilm (12 x 384, FFN 1536, vocab 30522), %d inputs x %d tokens, "
                + "%d threads, best of %d%n", batch, tokens, threads, reps);
        for (String t : types) {
            SyntheticType type = SyntheticType.parse(t);
            Path file = ensure(dir, vocab, type);
            try (Model m = Model.load(file, ModelOptions.defaults().withThreads(threads))) {
                List<String> texts = texts(m.tokenizer(), batch, tokens);
                List<int[]> inputs = new ArrayList<>();
                for (String s : texts) inputs.add(m.tokenizer().encode(s, true, false));
                m.encoder().encode(inputs, true); // warm-up (JIT)
                double best = Double.MAX_VALUE;
                for (int r = 0; r < reps; r++) {
                    long start = System.nanoTime();
                    m.encoder().encode(inputs, true);
                    best = Math.min(best, (System.nanoTime() - start) / 1e9);
                }
                double ours = batch * (double) tokens / best;
                System.out.printf(Locale.ROOT, "%-6s stellarchat %8.1f tok/s (%.3f s per batch, %s)%n", t, ours, best,
                        m.kernels().description());
                if (llama != null) {
                    Path textFile = dir.resolve("encode-bench-" + batch + "x" + tokens + ".txt");
                    Files.writeString(textFile, String.join("\n", texts) + "\n", StandardCharsets.UTF_8);
                    double bestLlama = Double.MAX_VALUE;
                    for (String wait : List.of("ACTIVE", "PASSIVE")) {
                        for (int r = 0; r < reps; r++) {
                            bestLlama = Math.min(bestLlama, llamaSeconds(llama, file, textFile, threads, llamaBatch,
                                    Math.max(1, llamaBatch / tokens), batch * tokens, wait));
                        }
                    }
                    double theirs = batch * (double) tokens / bestLlama;
                    System.out.printf(Locale.ROOT, "%-6s llama.cpp   %8.1f tok/s (%.3f s, llama-embedding -b %d)  ratio %.2fx%n",
                            t, theirs, bestLlama, llamaBatch, ours / theirs);
                }
            }
        }
    }

    /** The model file for {@code type}, written (seed 42) when missing. */
    private static Path ensure(Path dir, Path vocab, SyntheticType type) throws IOException {
        Path file = dir.resolve("bert-minilm-" + type.name().toLowerCase(Locale.ROOT) + ".gguf");
        if (Files.isRegularFile(file)) return file;
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".partial");
        new SyntheticModelWriter("bert", SyntheticShape.of("bert", "minilm"), type, SEED).write(vocab, tmp);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /**
     * {@code n} texts that each tokenize to exactly {@code tokens} ids: random lower-case alphabetic vocabulary words
     * (one WordPiece token each), {@code tokens - 2} of them for {@code [CLS]} and {@code [SEP]}.
     */
    static List<String> texts(Tokenizer tok, int n, int tokens) {
        List<String> words = new ArrayList<>();
        for (int id = 0; id < tok.vocabSize(); id++) {
            String w = tok.tokenText(id);
            if (w.length() >= 3 && w.chars().allMatch(c -> c >= 'a' && c <= 'z')
                    && tok.encode(w, false, false).length == 1) {
                words.add(w);
            }
        }
        SplittableRandom rnd = new SplittableRandom(SEED);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < tokens - 2; j++) {
                if (j > 0) sb.append(' ');
                sb.append(words.get(rnd.nextInt(words.size())));
            }
            String s = sb.toString();
            int got = tok.encode(s, true, false).length;
            if (got != tokens) throw new IllegalStateException("text " + i + " has " + got + " tokens, not " + tokens);
            out.add(s);
        }
        return out;
    }

    /** One llama-embedding run over the texts; its prompt eval time in seconds (model load excluded). */
    private static double llamaSeconds(Path exe, Path model, Path texts, int threads, int b, int seqs, int expectTokens,
                                       String ompWait) throws IOException, InterruptedException {
        Path log = Files.createTempFile("llama-embedding", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(exe.toString(), "-m", model.toString(), "-f", texts.toString(),
                    "-t", Integer.toString(threads), "-c", Integer.toString(b), "-b", Integer.toString(b),
                    "-ub", Integer.toString(b), "-np", Integer.toString(seqs), "--embd-output-format", "array")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile());
            pb.environment().put("OMP_WAIT_POLICY", ompWait);
            Process p = pb.start();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("llama-embedding did not finish in 30 minutes");
            }
            String err = Files.readString(log);
            if (p.exitValue() != 0) throw new IOException("llama-embedding failed (" + p.exitValue() + "): " + tail(err));
            Matcher m = PROMPT_EVAL.matcher(err);
            double ms = -1;
            while (m.find()) {
                if (Integer.parseInt(m.group(2)) != expectTokens) {
                    throw new IOException("llama-embedding read " + m.group(2) + " tokens, expected " + expectTokens);
                }
                ms = Double.parseDouble(m.group(1));
            }
            if (ms < 0) throw new IOException("no 'prompt eval time' in llama-embedding's log: " + tail(err));
            return ms / 1000;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String tail(String s) {
        String[] lines = s.split("\n");
        return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
    }
}
