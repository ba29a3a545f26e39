package io.stellarchat.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of llama.cpp's {@code llama-bench} on a GGUF file, for the side-by-side table of
 * {@code ./stellar bench e2e --llama-bench PATH}: {@code -m FILE -t THREADS -p PP -n TG -r 1 -o csv}, one
 * repetition per call so that the caller can interleave it with ours. The libraries are looked up next to the
 * binary ({@code LD_LIBRARY_PATH}), as a llama.cpp build directory has them. Nothing of llama.cpp is shipped or
 * built here.
 */
final class LlamaBench {
    private LlamaBench() {}

    /** The backend name in results. */
    static final String NAME = "llama.cpp";

    /** A run that takes longer is killed (a 1B model's pp512 + tg128 takes well under a minute). */
    private static final long TIMEOUT_SECONDS = 600;

    /**
     * Runs llama-bench once and returns {pp tokens/s, tg tokens/s} (NaN for a test not run, {@code pp} or
     * {@code tg} being 0).
     *
     * @throws IOException when it cannot start, fails, times out, or prints no result
     */
    static double[] run(Path binary, Path model, int threads, int pp, int tg) throws IOException, InterruptedException {
        List<String> cmd = List.of(binary.toString(), "-m", model.toString(), "-t", Integer.toString(threads),
                "-p", Integer.toString(pp), "-n", Integer.toString(tg), "-r", "1", "-o", "csv");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        Path dir = binary.toAbsolutePath().getParent();
        if (dir != null) {
            String old = System.getenv("LD_LIBRARY_PATH");
            pb.environment().put("LD_LIBRARY_PATH", dir + (old == null || old.isEmpty() ? "" : ":" + old));
        }
        Process p = pb.start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("llama-bench did not finish in " + TIMEOUT_SECONDS + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("llama-bench exited with " + p.exitValue() + ": " + String.join(" ", cmd));
        }
        return parse(out);
    }

    /** {pp t/s, tg t/s} from llama-bench's CSV: the rows' n_prompt, n_gen and avg_ts columns. */
    static double[] parse(String csv) throws IOException {
        String[] lines = csv.strip().split("\n");
        List<String> header = Arrays.asList(fields(lines[0]));
        int prompt = header.indexOf("n_prompt");
        int gen = header.indexOf("n_gen");
        int ts = header.indexOf("avg_ts");
        if (prompt < 0 || gen < 0 || ts < 0) {
            throw new IOException("llama-bench printed no CSV header with n_prompt, n_gen and avg_ts: " + lines[0]);
        }
        double[] r = {Double.NaN, Double.NaN};
        for (int i = 1; i < lines.length; i++) {
            String[] f = fields(lines[i]);
            if (f.length <= Math.max(ts, Math.max(prompt, gen))) {
                continue;
            }
            double v = Double.parseDouble(f[ts]);
            if (Integer.parseInt(f[gen]) > 0) {
                r[1] = v;
            } else if (Integer.parseInt(f[prompt]) > 0) {
                r[0] = v;
            }
        }
        return r;
    }

    /** The comma-separated fields of a line, quotes removed (llama-bench quotes every field, none holds a comma). */
    private static String[] fields(String line) {
        String[] f = line.strip().split(",");
        for (int i = 0; i < f.length; i++) {
            f[i] = f[i].replace("\"", "");
        }
        return f;
    }
}
