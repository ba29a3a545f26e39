package io.stellarchat.server.cli;

import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.models.HubClient;
import io.stellarchat.server.models.HubFile;
import io.stellarchat.server.models.ModelPuller;
import io.stellarchat.server.models.PullException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stellar pull <repo>[:<quant or file>]}: downloads a GGUF model from the Hugging Face Hub into the models
 * directory (resuming a partial download, checking the Hub's SHA-256), with a progress bar on a terminal and a
 * line every few seconds otherwise.
 */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Download a GGUF model from the Hugging Face Hub into the models directory.")
final class PullCommand implements Callable<Integer> {
    private final CliEnvironment env;

    @Mixin
    ConfigOptions config;

    @Parameters(index = "0", paramLabel = "REPO[:QUANT|FILE]",
            description = "e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M (default quant: " + ModelPuller.DEFAULT_QUANT + ").")
    String spec;

    @Option(names = "--token", description = "Hub access token for gated or private repositories (default: $HF_TOKEN).")
    String token;

    @Option(names = "--endpoint", description = "Hub address or mirror (default: $HF_ENDPOINT, else https://huggingface.co).")
    String endpoint;

    PullCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        StellarConfig cfg = config.load(env).config();
        Path dir = cfg.models().dir();
        String ep = endpoint != null ? endpoint : env.env().getOrDefault("HF_ENDPOINT", "https://huggingface.co");
        String tok = token != null ? token : env.env().get("HF_TOKEN");
        PrintWriter out = env.out();
        try {
            ModelPuller.Spec s = ModelPuller.Spec.parse(spec);
            boolean tty = System.console() != null && System.console().isTerminal();
            List<Path> files = new ModelPuller(new HubClient(URI.create(ep), tok), dir).pull(s, new Bar(out, tty));
            out.printf(Locale.ROOT, "pulled %s into %s%n", s.repo(), dir);
            for (Path f : files) out.printf(Locale.ROOT, "  %s%n", f.getFileName());
            String id = files.getFirst().getFileName().toString().replaceFirst("(?i)(-00001-of-\\d{5})?\\.gguf$", "");
            out.printf(Locale.ROOT, "serve it: ./stellar serve (models in %s are loaded at start), model id \"%s\"%n", dir, id);
            out.flush();
            return 0;
        } catch (PullException e) {
            env.err().println("stellar pull: " + e.getMessage());
            env.err().flush();
            return 1;
        }
    }

    /** A progress bar (bytes, rate, ETA) redrawn in place on a terminal; a plain line every 5 s otherwise. */
    private static final class Bar implements ModelPuller.Progress {
        private final PrintWriter out;
        private final boolean tty;
        private long started;
        private long startBytes;
        private long lastPrint;

        Bar(PrintWriter out, boolean tty) {
            this.out = out;
            this.tty = tty;
        }

        @Override
        public void start(HubFile file, long already) {
            started = System.nanoTime();
            startBytes = already;
            lastPrint = 0;
            out.printf(Locale.ROOT, "%s (%s)%s%n", file.path(), human(file.size()),
                    already > 0 && already < file.size() ? ", resuming at " + human(already) : "");
            out.flush();
        }

        @Override
        public void bytes(HubFile file, long done) {
            long now = System.nanoTime();
            if (now - lastPrint < (tty ? 200_000_000L : 5_000_000_000L) && done < file.size()) return;
            lastPrint = now;
            double secs = Math.max(1e-3, (now - started) / 1e9);
            double rate = (done - startBytes) / secs;
            long eta = rate > 0 ? (long) ((file.size() - done) / rate) : -1;
            double frac = file.size() == 0 ? 1 : (double) done / file.size();
            String line = String.format(Locale.ROOT, "%5.1f%%  %s / %s  %s/s  ETA %s", frac * 100, human(done),
                    human(file.size()), human((long) rate), eta < 0 ? "?" : eta / 60 + "m" + eta % 60 + "s");
            if (tty) {
                int width = 30;
                int filled = (int) Math.round(frac * width);
                out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + line);
            } else {
                out.println(line);
            }
            out.flush();
        }

        @Override
        public void finished(HubFile file, Path where) {
            out.printf(Locale.ROOT, "%sverified %s%s%n", tty ? "\n" : "", where.getFileName(),
                    file.sha256() == null ? " (the Hub lists no checksum for it)" : " (SHA-256 matches)");
            out.flush();
        }

        private static String human(long bytes) {
            if (bytes >= 1L << 30) return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
            if (bytes >= 1L << 20) return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
            if (bytes >= 1L << 10) return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
            return bytes + " B";
        }
    }
}
