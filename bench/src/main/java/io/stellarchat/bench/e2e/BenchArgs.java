package io.stellarchat.bench.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code ./stellar bench e2e}.
 *
 * @param models    model names, {@code <arch>-<shape>-<type>} (see {@link ModelSpec#parse})
 * @param threads   compute threads (the calling thread included)
 * @param reps      counted repetitions of each test (a warm-up run precedes them)
 * @param pp        prompt tokens of the prompt-processing test (0: skip it)
 * @param tg        decode steps of the generation test (0: skip it)
 * @param batch     decode rows per step of the batched generation test ({@code tg} steps of {@code batch} sequences,
 *                  one token each; 0: skip it)
 * @param dir       where synthetic models are cached (generated when missing)
 * @param vocabDir  directory holding the vocabulary GGUF files the synthetic models copy
 * @param json      where to write the JSON results, or {@code null}
 * @param copyBytes bytes copied per pass of the bandwidth measurement (0: skip it)
 * @param kernels   kernel sets to run, each model loaded once per set and the sets' runs interleaved:
 *                  {@code auto} (what the engine selects), {@code java} (the Java kernels only) or {@code native}
 *                  (the native library over the Java kernels; skipped with a note when it is not built)
 * @param llamaBench llama.cpp's {@code llama-bench} binary, run once per repetition between ours on the same
 *                  file, threads, pp and tg, or {@code null}
 */
public record BenchArgs(List<String> models, int threads, int reps, int pp, int tg, int batch, Path dir,
                        Path vocabDir, Path json, long copyBytes, List<String> kernels, Path llamaBench) {

    static final List<String> DEFAULT_MODELS = List.of("llama-1b-q4_0", "llama-1b-q8_0", "llama-1b-f16", "llama-1b-q4_k_m",
            "qwen3-0.6b-q8_0");

    static final String USAGE = """
            usage: ./stellar bench e2e [--models a,b,...] [--threads N] [--reps N] [--pp N] [--tg N] [--batch B]
                                       [--kernels auto|java|native,...] [--llama-bench PATH]
                                       [--dir DIR] [--vocab-dir DIR] [--json FILE] [--copy-mib N]
              --models     <arch>-<shape>-<type>, comma-separated
                           (default: llama-1b-q4_0,llama-1b-q8_0,llama-1b-f16,llama-1b-q4_k_m,qwen3-0.6b-q8_0)
              --threads    compute threads (default: all cores)
              --reps       counted repetitions after one warm-up run (default: 3)
              --pp         prompt tokens in one batch, 0 skips (default: 512)
              --tg         single-token decode steps, 0 skips (default: 128)
              --batch      also run tg steps with B decode rows each (B sequences, one token each, the
                           batched decode of a serving engine) and log a B-row step's cost in one-row
                           steps; 0 skips (default: 0)
              --kernels    kernel sets, comma-separated, run interleaved repetition by repetition:
                           auto (the engine's choice), java (Java kernels only), native (the native
                           library; skipped when not built) (default: auto)
              --llama-bench  llama.cpp's llama-bench binary: run once per repetition, interleaved with
                           ours, same file, threads, pp and tg; the table gives ratios against it
              --dir        synthetic model cache, generated when missing (default: ./bench-models)
              --vocab-dir  vocabulary GGUF files (default: <stellar.shared or ../shared>/testdata/llama-vocab)
              --json       also write the results as JSON to FILE
              --copy-mib   MiB copied per bandwidth pass, 0 skips (default: 1024)
            """;

    public BenchArgs {
        models = List.copyOf(models);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("--models must name at least one model");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        if (reps < 1) {
            throw new IllegalArgumentException("--reps must be >= 1, got " + reps);
        }
        if (pp < 0 || tg < 0 || pp + tg == 0) {
            throw new IllegalArgumentException("--pp and --tg must be >= 0 and not both 0, got " + pp + " and " + tg);
        }
        if (batch < 0 || (batch > 0 && tg == 0)) {
            throw new IllegalArgumentException("--batch must be >= 0 and needs --tg > 0, got " + batch);
        }
        if (copyBytes < 0) {
            throw new IllegalArgumentException("--copy-mib must be >= 0");
        }
        kernels = List.copyOf(kernels);
        if (kernels.isEmpty()) {
            throw new IllegalArgumentException("--kernels must name at least one kernel set");
        }
        for (String k : kernels) {
            if (!List.of("auto", "java", "native").contains(k)) {
                throw new IllegalArgumentException("--kernels takes auto, java or native, not '" + k + "'");
            }
        }
    }

    /** Parses the arguments after {@code e2e}; throws {@link IllegalArgumentException} naming the bad one. */
    public static BenchArgs parse(String[] args) {
        List<String> models = DEFAULT_MODELS;
        int threads = Runtime.getRuntime().availableProcessors();
        int reps = 3;
        int pp = 512;
        int tg = 128;
        int batch = 0;
        Path dir = Path.of("bench-models");
        Path vocabDir = Path.of(System.getProperty("stellar.shared", "../shared"), "testdata", "llama-vocab");
        Path json = null;
        long copyMib = 1024;
        List<String> kernels = List.of("auto");
        Path llamaBench = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--models" -> {
                    List<String> list = new ArrayList<>();
                    for (String s : v.split(",")) {
                        if (!s.isBlank()) {
                            list.add(s.strip());
                        }
                    }
                    models = list;
                }
                case "--threads", "-t" -> threads = intValue(a, v);
                case "--reps", "-r" -> reps = intValue(a, v);
                case "--pp", "-p" -> pp = intValue(a, v);
                case "--tg", "-n" -> tg = intValue(a, v);
                case "--batch", "-b" -> batch = intValue(a, v);
                case "--dir" -> dir = Path.of(v);
                case "--vocab-dir" -> vocabDir = Path.of(v);
                case "--json" -> json = Path.of(v);
                case "--copy-mib" -> copyMib = intValue(a, v);
                case "--kernels" -> kernels = List.of(v.split(",")).stream().map(String::strip)
                        .filter(k -> !k.isEmpty()).toList();
                case "--llama-bench" -> llamaBench = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        for (String m : models) {
            ModelSpec.parse(m); // fail before any work on a misspelt name
        }
        return new BenchArgs(models, threads, reps, pp, tg, batch, dir, vocabDir, json, copyMib << 20, kernels,
                llamaBench);
    }

    private static int intValue(String option, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs an integer, got '" + v + "'");
        }
    }
}
