package io.stellarchat.bench.e2e;

import io.stellarchat.engine.model.synth.SyntheticModelWriter;
import io.stellarchat.engine.model.synth.SyntheticShape;
import io.stellarchat.engine.model.synth.SyntheticType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * A synthetic benchmark model named {@code <arch>-<shape>-<type>}, e.g. {@code llama-1b-q4_0} (the
 * Llama-3.2-1B shape in Q4_0) or {@code qwen3-0.6b-q8_0}; cached as {@code <name>.gguf}.
 *
 * @param name  the name as given, lower case
 * @param arch  architecture ({@code llama}, {@code qwen2}, {@code qwen3})
 * @param shape the real model's shape
 * @param type  weight type or mix
 */
public record ModelSpec(String name, String arch, SyntheticShape shape, SyntheticType type) {

    /** Weight seed of every generated model, so two machines benchmark the same bytes. */
    static final long SEED = 42;

    /** Parses a model name; throws {@link IllegalArgumentException} naming the unknown part. */
    public static ModelSpec parse(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        String[] parts = n.split("-");
        if (parts.length != 3) {
            throw new IllegalArgumentException("model name '" + name
                    + "' is not <arch>-<shape>-<type> (e.g. llama-1b-q4_0, qwen3-0.6b-q8_0)");
        }
        try {
            return new ModelSpec(n, parts[0], SyntheticShape.of(parts[0], parts[1]), SyntheticType.parse(parts[2]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model name '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The vocabulary the model copies: Llama 3's 128k BPE for llama, Qwen2's BPE for the qwen family. */
    String vocabFile() {
        return arch.equals("llama") ? "llama3-bpe-vocab.rebuilt.gguf" : "qwen2-bpe-vocab.rebuilt.gguf";
    }

    /**
     * The model's file in {@code dir}, written first when missing (through a temporary file renamed at the end,
     * so an interrupted run leaves no truncated model behind).
     */
    Path ensure(Path dir, Path vocabDir, PrintStream log) throws IOException {
        Path file = dir.resolve(name + ".gguf");
        if (Files.isRegularFile(file)) {
            return file;
        }
        Path vocab = vocabDir.resolve(vocabFile());
        if (!Files.isRegularFile(vocab)) {
            throw new NoSuchFileException(vocab.toString(), null,
                    "vocabulary for " + name + " not found (set --vocab-dir)");
        }
        Files.createDirectories(dir);
        Path tmp = dir.resolve(name + ".gguf.partial");
        log.printf(Locale.ROOT, "generating %s (%s %s %s, seed %d) from %s; single-threaded, minutes for 1B...%n",
                file, arch, shape.name(), type.name().toLowerCase(Locale.ROOT), SEED, vocab);
        long start = System.nanoTime();
        new SyntheticModelWriter(arch, shape, type, SEED).write(vocab, tmp);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.printf(Locale.ROOT, "wrote %s (%,d bytes) in %.1f s%n", file, Files.size(file),
                (System.nanoTime() - start) / 1e9);
        return file;
    }
}
