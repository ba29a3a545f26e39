package io.stellarchat.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import io.stellarchat.engine.tensor.ActivationPrecision;
import io.stellarchat.engine.tensor.Kernels;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the forward pass against the engine reference pack in {@code shared/testdata/engine}: llama.cpp's
 * logits and greedy continuations and an exact float64 forward pass, for every architecture and weight type
 * there (README.md there derives the tolerances used here).
 *
 * <ul>
 *   <li>(ii) every logit of the reference's top 20 at every position, and the full last row, within
 *       {@code max_abs_logit_exact} (1e-3) of the float64 reference with float32 activations
 *       ({@link ActivationPrecision#F32}: the engine dequantizes exactly); with int8 activations
 *       ({@link ActivationPrecision#Q8}, as llama.cpp) quantized types are held to the per-type bound
 *       {@code max_abs_logit} (and a top-1 margin of twice it), F32/F16/BF16 stay at the strict bound. Every
 *       pack runs with both precisions;</li>
 *   <li>(i) our top-1 equals the reference's wherever the reference margin exceeds {@code top1_margin};</li>
 *   <li>(iii) teacher-forced greedy: fed llama.cpp's ids, our argmax equals llama.cpp's at every step whose
 *       margin exceeds {@code greedy_margin}; free-running greedy equals llama.cpp's up to its first small
 *       margin.</li>
 * </ul>
 */
class ReferenceLogitsTest {
    private static final Path PACK = Path.of(System.getProperty("stellar.shared", "../shared"), "testdata", "engine");
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> packFiles() throws IOException {
        try (Stream<Path> s = Files.list(PACK)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
            assertTrue(names.size() >= 20, "reference pack not found under " + PACK.toAbsolutePath());
            return names.stream().flatMap(n -> Stream.of(
                    Arguments.of(n, ActivationPrecision.F32), Arguments.of(n, ActivationPrecision.Q8)));
        }
    }

    /** Types whose weights llama.cpp multiplies with float (F32) or half (F16, BF16) activations. */
    private static final Set<String> FLOAT_TYPES = Set.of("F32", "F16", "BF16");

    private static io.stellarchat.engine.tensor.ComputePool pool;

    @BeforeAll
    static void startPool() {
        pool = new io.stellarchat.engine.tensor.ComputePool(2);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("packFiles")
    void logitsAndGreedyMatchReference(String jsonName, ActivationPrecision activations) throws IOException {
        JsonNode pack = JSON.readTree(PACK.resolve(jsonName).toFile());
        Path modelPath = PACK.resolve(pack.get("model_file").asText());
        JsonNode tol = pack.get("recommended_tolerance");
        double maxAbs = tol.get("max_abs_logit_exact").asDouble();
        double top1Margin = tol.get("top1_margin").asDouble();
        double greedyMargin = tol.get("greedy_margin").asDouble();
        if (activations == ActivationPrecision.Q8 && !FLOAT_TYPES.contains(pack.get("ftype").asText())) {
            // int8 activations, as llama.cpp: the per-type bound and twice it as top-1 margin (README)
            maxAbs = tol.get("max_abs_logit").asDouble();
            top1Margin = 2 * maxAbs;
        }
        Kernels kernels = Kernels.select().withActivations(activations);
        try (Model model = Model.load(modelPath, new ModelOptions(0, kernels, pool))) {
            JsonNode hp = pack.get("hparams");
            ModelConfig c = model.config();
            assertEquals(hp.get("n_layer").asInt(), c.layers());
            assertEquals(hp.get("head_dim").asInt(), c.headDim());
            assertEquals(hp.get("rope_type").asText(), c.ropeType().name());
            assertEquals(hp.get("n_head_kv").asInt(), c.kvHeads());
            assertEquals(hp.get("rope_theta").asDouble(), c.ropeTheta(), 1e-3);
            for (JsonNode cs : pack.get("cases")) {
                // f32: the prompt through the prompt form of the kernels (float tiles), as the engines run prompts;
                // q8: through the decode form over many rows (int8 mat-mat), as a batch of generated tokens
                checkCase(model, jsonName, cs, maxAbs, top1Margin, greedyMargin,
                        activations == ActivationPrecision.F32);
            }
        }
    }

    private static void checkCase(Model model, String file, JsonNode cs, double maxAbs, double top1Margin,
                                  double greedyMargin, boolean promptForm) {
        String where = file + " " + cs.get("name").asText();
        int[] tokens = ints(cs.get("tokens"));
        int vocab = model.config().vocabSize();
        int n = tokens.length;
        KvCache cache = model.newKvCache(512);
        int[] positions = new int[n];
        int[] rows = new int[n];
        KvCache[] caches = new KvCache[n];
        for (int i = 0; i < n; i++) {
            positions[i] = i;
            rows[i] = i;
            caches[i] = cache;
        }
        boolean[] prompt = new boolean[n];
        java.util.Arrays.fill(prompt, promptForm);
        float[] logits = model.transformer().forward(tokens, positions, caches, rows, prompt);

        // (ii) and (i) over the prompt positions.
        JsonNode refTop = cs.get("reference_f64").get("top20");
        double worst = 0;
        for (int i = 0; i < n; i++) {
            JsonNode top = refTop.get(i);
            for (JsonNode pair : top) {
                int id = pair.get(0).asInt();
                double err = Math.abs(logits[i * vocab + id] - pair.get(1).asDouble());
                worst = Math.max(worst, err);
            }
            double margin = top.get(0).get(1).asDouble() - top.get(1).get(1).asDouble();
            if (margin > top1Margin) {
                assertEquals(top.get(0).get(0).asInt(), argmax(logits, i * vocab, vocab),
                        where + ": top-1 differs from the reference at position " + i + " (margin " + margin + ")");
            }
        }
        JsonNode last = cs.get("reference_f64").get("last_logits");
        for (int id = 0; id < vocab; id++) {
            worst = Math.max(worst, Math.abs(logits[(n - 1) * vocab + id] - last.get(id).asDouble()));
        }
        assertTrue(worst <= maxAbs, where + ": max |logit - reference| = " + worst + " > " + maxAbs);

        // (iii) teacher-forced greedy against llama.cpp. Matching at every step whose margin is large also
        // proves the free-running form: up to the first small margin both runs see the same inputs.
        JsonNode greedy = cs.get("llamacpp").get("greedy");
        int next = argmax(logits, (n - 1) * vocab, vocab);
        for (int s = 0; s < greedy.size(); s++) {
            JsonNode g = greedy.get(s);
            int expected = g.get("id").asInt();
            double margin = g.get("margin").asDouble();
            if (margin > greedyMargin) {
                assertEquals(expected, next, where + ": greedy step " + s + " (llama.cpp margin " + margin + ")");
            }
            if (s + 1 < greedy.size()) {
                float[] l = model.transformer().forward(new int[] {expected}, new int[] {n + s},
                        new KvCache[] {cache}, new int[] {0});
                next = argmax(l, 0, vocab);
            }
        }
    }

    static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[off + i] > a[off + best]) {
                best = i;
            }
        }
        return best;
    }

    static int[] ints(JsonNode arr) {
        int[] r = new int[arr.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = arr.get(i).asInt();
        }
        return r;
    }
}
