package io.stellarchat.server.cli;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufMetadata;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code stellar models} lists the GGUF files of the models directory (id, file, size, architecture, quant,
 * context); {@code stellar models rm <id>} deletes one (with its split parts); {@code stellar models show <id>}
 * prints its metadata, chat template and parameters.
 */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List, show or remove the models in the models directory.")
final class ModelsCommand implements Callable<Integer> {
    final CliEnvironment env;

    @Mixin
    ConfigOptions config;

    ModelsCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws IOException {
        Path dir = config.load(env).config().models().dir();
        PrintWriter out = env.out();
        List<Path> files = files(dir);
        if (files.isEmpty()) {
            out.printf(Locale.ROOT, "no models in %s; get one with: ./stellar pull <owner>/<repo>[:<quant>]%n", dir);
        } else {
            out.printf(Locale.ROOT, "%-36s %-44s %10s %-10s %-8s %8s%n", "ID", "FILE", "SIZE", "ARCH", "QUANT", "CONTEXT");
            for (Path f : files) {
                String arch = "?";
                String quant = "?";
                String ctx = "?";
                try (GgufFile g = GgufFile.open(f)) {
                    GgufMetadata md = g.metadata();
                    arch = md.getString("general.architecture", "?");
                    quant = quant(f.getFileName().toString());
                    String key = arch + ".context_length";
                    ctx = md.has(key) ? String.valueOf(md.raw(key)) : "?";
                } catch (IOException | RuntimeException e) {
                    arch = "unreadable";
                }
                out.printf(Locale.ROOT, "%-36s %-44s %10s %-10s %-8s %8s%n", id(f), f.getFileName(), size(Files.size(f)), arch,
                        quant, ctx);
            }
        }
        out.flush();
        return 0;
    }

    /** The GGUF files of {@code dir} (first parts only of split files), by name. */
    static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> !p.getFileName().toString().matches("(?i).*-\\d{5}-of-\\d{5}\\.gguf")
                            || p.getFileName().toString().matches("(?i).*-00001-of-\\d{5}\\.gguf"))
                    .sorted().toList();
        }
    }

    /** The model id of a file (its name without {@code .gguf} and a split suffix), as the server names it. */
    static String id(Path f) {
        return f.getFileName().toString().replaceFirst("(?i)(-00001-of-\\d{5})?\\.gguf$", "");
    }

    static String quant(String name) {
        var m = java.util.regex.Pattern.compile("(?i)(IQ\\d_\\w+?|Q\\d(_K)?(_[SML]|_\\d)?|F16|BF16|F32)(?=[.-])").matcher(name);
        String last = "?";
        while (m.find()) last = m.group(1).toUpperCase(Locale.ROOT);
        return last;
    }

    static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    static Path find(Path dir, String id) throws IOException {
        for (Path f : files(dir)) if (id(f).equals(id) || f.getFileName().toString().equals(id)) return f;
        return null;
    }

    /** {@code stellar rm <id>} (also {@code stellar models rm <id>}). */
    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete a model file (all parts of a split model).")
    static final class Rm implements Callable<Integer> {
        private final CliEnvironment env;

        @Mixin
        ConfigOptions config;

        Rm(CliEnvironment env) {
            this.env = env;
        }

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws IOException {
            Path dir = config.load(env).config().models().dir();
            Path f = find(dir, id);
            if (f == null) {
                env.err().printf(Locale.ROOT, "stellar models rm: no model '%s' in %s%n", id, dir);
                env.err().flush();
                return 1;
            }
            List<Path> gone = new ArrayList<>();
            String name = f.getFileName().toString();
            var m = java.util.regex.Pattern.compile("(?i)(.*)-00001-of-(\\d{5})\\.gguf").matcher(name);
            if (m.matches()) {
                int parts = Integer.parseInt(m.group(2));
                for (int i = 1; i <= parts; i++) {
                    Path p = dir.resolve(String.format(Locale.ROOT, "%s-%05d-of-%05d.gguf", m.group(1), i, parts));
                    if (Files.deleteIfExists(p)) gone.add(p);
                }
            } else if (Files.deleteIfExists(f)) {
                gone.add(f);
            }
            for (Path p : gone) env.out().printf(Locale.ROOT, "deleted %s%n", p);
            env.out().flush();
            return 0;
        }
    }

    /** {@code stellar show <id>} (also {@code stellar models show <id>}). */
    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print a model's metadata, chat template and parameters.")
    static final class Show implements Callable<Integer> {
        private final CliEnvironment env;

        @Mixin
        ConfigOptions config;

        Show(CliEnvironment env) {
            this.env = env;
        }

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws IOException {
            Path dir = config.load(env).config().models().dir();
            Path f = find(dir, id);
            PrintWriter out = env.out();
            if (f == null) {
                env.err().printf(Locale.ROOT, "stellar models show: no model '%s' in %s%n", id, dir);
                env.err().flush();
                return 1;
            }
            try (GgufFile g = GgufFile.open(f)) {
                GgufMetadata md = g.metadata();
                String arch = md.getString("general.architecture", "?");
                long params = 0;
                for (var t : g.tensors()) {
                    long n = 1;
                    for (long d : t.dims()) n *= d;
                    params += n;
                }
                out.printf(Locale.ROOT, "id            %s%nfile          %s%nsize          %s%narchitecture  %s%nparameters    %,d%n"
                                + "quantization  %s%n", id(f), f, size(Files.size(f)), arch, params, quant(f.getFileName().toString()));
                out.printf(Locale.ROOT, "%nmetadata:%n");
                for (String key : md.keys()) {
                    if (key.startsWith("tokenizer.ggml.") || key.equals("tokenizer.chat_template")) continue;
                    Object v = md.raw(key);
                    out.printf(Locale.ROOT, "  %-44s %s%n", key, v != null && v.getClass().isArray() ? "[array]" : v);
                }
                out.printf(Locale.ROOT, "%nchat template:%n%s%n", md.has("tokenizer.chat_template")
                        ? md.getString("tokenizer.chat_template") : "(none: the ChatML fallback is used)");
            }
            out.flush();
            return 0;
        }
    }
}
