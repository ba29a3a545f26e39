package io.stellarchat.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.engine.model.KvCache;
import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stellar logits --model F.gguf --tokens 1,2,3 [--top 40]}: runs the tokens as one batch and prints,
 * as JSON, the highest logits at every position — for checking the engine against other implementations.
 */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Print the top logits at every position of a token sequence, as JSON.")
final class LogitsCommand implements Callable<Integer> {
    private final CliEnvironment env;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file.")
    Path model;

    @Option(names = "--tokens", required = true, split = ",", paramLabel = "ID", description = "Comma-separated token ids.")
    List<Integer> tokens;

    @Option(names = "--top", defaultValue = "40", description = "Logits per position (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "Compute threads; 0 = one per core.")
    int threads;

    LogitsCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--top must be >= 1, got " + top);
        }
        try (Model m = Model.load(model, ModelOptions.defaults().withThreads(threads))) {
            int n = tokens.size();
            int vocab = m.config().vocabSize();
            int[] ids = tokens.stream().mapToInt(Integer::intValue).toArray();
            int[] positions = new int[n];
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) {
                positions[i] = i;
                rows[i] = i;
            }
            KvCache[] caches = new KvCache[n];
            Arrays.fill(caches, m.newKvCache(n));
            float[] logits = m.transformer().forward(ids, positions, caches, rows);

            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            root.put("model", m.path().toString());
            root.put("architecture", m.config().architecture());
            root.set("tokens", json.valueToTree(ids));
            ArrayNode out = root.putArray("positions");
            int k = Math.min(top, vocab);
            for (int i = 0; i < n; i++) {
                ObjectNode pos = out.addObject();
                pos.put("pos", i);
                pos.put("token", ids[i]);
                ArrayNode best = pos.putArray("top");
                for (int id : topIds(logits, i * vocab, vocab, k)) {
                    ArrayNode pair = best.addArray();
                    pair.add(id);
                    pair.add(logits[i * vocab + id]);
                }
            }
            env.out().println(json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            env.out().flush();
            return 0;
        }
    }

    /** The {@code k} ids with the highest logits, highest first, ties to the lower id. */
    static int[] topIds(float[] logits, int off, int n, int k) {
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Float.compare(logits[off + b], logits[off + a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] r = new int[k];
        for (int i = 0; i < k; i++) {
            r[i] = idx[i];
        }
        return r;
    }
}
