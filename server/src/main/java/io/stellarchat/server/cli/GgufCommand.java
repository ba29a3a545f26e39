package io.stellarchat.server.cli;

import io.stellarchat.engine.model.synth.SyntheticModelWriter;
import io.stellarchat.engine.model.synth.SyntheticShape;
import io.stellarchat.engine.model.synth.SyntheticType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stellar gguf ...}: tools that write GGUF files. */
@Command(name = "gguf", mixinStandardHelpOptions = true, description = "GGUF file tools.")
final class GgufCommand implements Callable<Integer> {
    private final CliEnvironment env;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    GgufCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand (synth)");
    }

    /** {@code stellar gguf synth}: a random-weight model of a real shape. */
    @Command(name = "synth", mixinStandardHelpOptions = true,
            description = "Write a random-weight model of a real shape (for benchmarks and tests).")
    static final class Synth implements Callable<Integer> {
        private final CliEnvironment env;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--arch", defaultValue = "llama", description = "llama, qwen2, qwen3, or the encoders bert and nomic-bert (default: ${DEFAULT-VALUE}).")
        String arch;

        @Option(names = "--shape", defaultValue = "tiny", description = "tiny, 1b (llama), 0.5b (qwen2), 0.6b (qwen3); bert: tiny, tiny-cls, tiny-last, "
                + "tiny-rerank, minilm, bge-small; nomic-bert: tiny, nomic-embed.")
        String shape;

        @Option(names = "--type", defaultValue = "q8_0",
                description = "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k_m, q4_k_m, q5_k_m, q6_k.")
        String type;

        @Option(names = "--vocab-from", required = true, paramLabel = "FILE",
                description = "GGUF file whose tokenizer.* keys (and so vocabulary size) are copied.")
        Path vocabFrom;

        @Option(names = "--seed", defaultValue = "42", description = "Weight seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Output GGUF file.")
        Path output;

        Synth(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public Integer call() throws Exception {
            SyntheticShape s;
            SyntheticType t;
            try {
                s = SyntheticShape.of(arch, shape);
                t = SyntheticType.parse(type);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            long start = System.nanoTime();
            new SyntheticModelWriter(arch, s, t, seed).write(vocabFrom, output);
            env.out().printf(Locale.ROOT, "wrote %s (%s %s %s, %,d bytes) in %.1f s%n", output, arch, s.name(),
                    t.name().toLowerCase(Locale.ROOT), Files.size(output), (System.nanoTime() - start) / 1e9);
            env.out().flush();
            return 0;
        }
    }
}
