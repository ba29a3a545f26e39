package io.stellarchat.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Greedy choice and top-N ordering checked against llama.cpp on real logits rows: the reference pack in
 * {@code testdata/engine} gives, per case, llama.cpp's full last logits row, its greedy step 0 (id, runner-up,
 * margin) and its top-20 list (ties to the lower id).
 */
class LlamaCppReferenceSamplingTest {

    record Row(String name, float[] logits, int greedyId, int secondId, double margin, int[] top20) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static List<Row> loaded;

    /** The rows of every JSON in the pack, read once for both tests. */
    static synchronized List<Row> rows() throws IOException {
        if (loaded == null) {
            loaded = load();
        }
        return loaded;
    }

    private static List<Row> load() throws IOException {
        Path dir = Path.of(System.getProperty("stellar.shared", "../shared"), "testdata", "engine");
        ObjectMapper json = new ObjectMapper();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no reference JSON under " + dir.toAbsolutePath());
        return files.stream().flatMap(f -> {
            try {
                JsonNode root = json.readTree(f.toFile());
                return Stream.of(root.get("cases")).flatMap(cases -> {
                    Stream.Builder<Row> b = Stream.builder();
                    for (JsonNode c : cases) {
                        JsonNode l = c.get("llamacpp");
                        JsonNode last = l.get("last_logits");
                        float[] logits = new float[last.size()];
                        for (int i = 0; i < logits.length; i++) {
                            logits[i] = (float) last.get(i).asDouble(); // float32 written as shortest decimal
                        }
                        JsonNode top = l.get("top20").get(l.get("top20").size() - 1);
                        int[] top20 = new int[top.size()];
                        for (int i = 0; i < top20.length; i++) {
                            top20[i] = top.get(i).get(0).asInt();
                        }
                        JsonNode g = l.get("greedy").get(0);
                        b.add(new Row(f.getFileName() + " " + c.get("name").asText(), logits, g.get("id").asInt(),
                                g.get("second").asInt(), g.get("margin").asDouble(), top20));
                    }
                    return b.build();
                });
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + f, e);
            }
        }).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void greedyChoosesLlamaCppsFirstToken(Row row) {
        Sampler s = new Sampler(SamplingParams.greedy(), row.logits().length);
        assertEquals(row.greedyId(), s.sample(row.logits().clone()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void topLogprobsListLlamaCppsTop20InOrderWithItsMargin(Row row) {
        Sampler s = new Sampler(SamplingParams.greedy().withTopLogprobs(20), row.logits().length);
        SampledToken t = s.sampleWithLogprobs(row.logits().clone());
        assertArrayEquals(row.top20(), t.top().stream().mapToInt(TokenLogprob::token).toArray());
        assertEquals(row.greedyId(), t.top().get(0).token());
        assertEquals(row.secondId(), t.top().get(1).token());
        // log-softmax preserves differences: logprob(best) - logprob(second) is llama.cpp's logit margin
        assertEquals(row.margin(), t.top().get(0).logprob() - t.top().get(1).logprob(), 2e-5);
    }
}
