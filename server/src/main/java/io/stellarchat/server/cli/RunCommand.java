package io.stellarchat.server.cli;

import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.runtime.CancellationToken;
import io.stellarchat.engine.runtime.GenerationEvent;
import io.stellarchat.engine.runtime.GenerationRequest;
import io.stellarchat.engine.runtime.GenerationResult;
import io.stellarchat.engine.runtime.Generator;
import io.stellarchat.engine.runtime.Usage;
import io.stellarchat.engine.sampling.SamplingParams;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stellar run}: loads a model, continues a prompt, streams the text to stdout and prints prompt and
 * generation speed to stderr.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt with a local GGUF model (streams to stdout).")
final class RunCommand implements Callable<Integer> {
    private final CliEnvironment env;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file.")
    Path model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "The prompt text.")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temp", defaultValue = "0.8", description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Top-k; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Top-p (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Min-p (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "Repetition penalty (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--seed", description = "Random seed (default: random).")
    Long seed;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "Compute threads; 0 = one per core.")
    int threads;

    @Option(names = {"-c", "--ctx-size"}, defaultValue = "0",
            description = "Context length; 0 = the model's, capped at 4096.")
    int contextLength;

    @Option(names = "--stop", description = "Stop sequence (repeatable).")
    List<String> stop = List.of();

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-generation tokens.")
    boolean ignoreEos;

    RunCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        try (Model m = Model.load(model, ModelOptions.defaults().withThreads(threads))) {
            int[] tokens = m.tokenizer().encode(prompt, true, false);
            int ctx = contextLength > 0 ? contextLength : Math.min(m.config().contextLength(), 4096);
            SamplingParams sampling = SamplingParams.defaults()
                    .withTemperature(temperature).withTopK(topK).withTopP(topP).withMinP(minP)
                    .withRepeatPenalty(repeatPenalty)
                    .withSeed(seed != null ? seed : System.nanoTime());
            int budget = Math.min(maxTokens, ctx - tokens.length);
            GenerationRequest request = new GenerationRequest(tokens, sampling, Math.max(0, budget), stop, ignoreEos, ctx);
            env.out().print(prompt);
            env.out().flush();
            GenerationResult result = new Generator(m).generate(request, new CancellationToken(), event -> {
                String text = switch (event) {
                    case GenerationEvent.Token t -> t.text();
                    case GenerationEvent.Tail t -> t.text();
                };
                env.out().print(text);
                env.out().flush();
            });
            env.out().println();
            env.out().flush();
            Usage u = result.usage();
            env.err().printf(Locale.ROOT, "%nprompt: %d tokens, %.1f tok/s | generation: %d tokens, %.1f tok/s | "
                            + "finish: %s | %s, %d threads%n",
                    u.promptTokens(), u.promptTokensPerSecond(), u.completionTokens(), u.generationTokensPerSecond(),
                    result.finishReason().name().toLowerCase(Locale.ROOT), m.kernels().description(),
                    threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
            env.err().flush();
            return 0;
        }
    }
}
