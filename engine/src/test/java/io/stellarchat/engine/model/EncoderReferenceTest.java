package io.stellarchat.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.engine.model.synth.SyntheticModelWriter;
import io.stellarchat.engine.model.synth.SyntheticShape;
import io.stellarchat.engine.model.synth.SyntheticType;
import io.stellarchat.engine.model.synth.SyntheticUnigramVocabulary;
import io.stellarchat.engine.tokenizer.Tokenizer;
import io.stellarchat.engine.tensor.ComputePool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The encoder architectures against llama.cpp: random-weight {@code bert} and {@code nomic-bert} models are
 * written from a seed by {@link SyntheticModelWriter} (with the BERT vocabulary of {@code ../shared/models}),
 * and their pooled outputs for five texts are compared with the vectors llama.cpp's {@code llama-embedding}
 * computed for the same files, committed in {@code llamacpp-embeddings.json} (the file says how they were made).
 * Mean, CLS and last pooling are held to 1e-4 cosine distance after L2 normalisation; rank pooling (the
 * cross-encoder's score, not normalised) to 1e-3 absolute. Each case also checks that its texts give vectors
 * further apart than the tolerance, so a model that ignored its input could not pass. Entries with
 * {@code "vocab": "unigram-xlmr"} carry the synthetic SentencePiece Unigram vocabulary instead (XLM-RoBERTa style,
 * as bge-m3 and bge-reranker-v2-m3) and their own multilingual prompts; the reranker's are query–document pairs.
 */
class EncoderReferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Path BERT_VOCAB = Path.of(System.getProperty("stellar.shared", "../shared"),
            "models", "vocab", "ggml-vocab-bert-bge.gguf");
    private static final double COSINE_TOLERANCE = 1e-4;
    private static final double SCORE_TOLERANCE = 1e-3;
    private static JsonNode reference;
    private static ComputePool pool;

    @TempDir
    static Path dir;

    @BeforeAll
    static void load() throws IOException {
        readReference();
        pool = new ComputePool(2);
    }

    private static void readReference() throws IOException {
        try (InputStream in = EncoderReferenceTest.class.getResourceAsStream("llamacpp-embeddings.json")) {
            reference = JSON.readTree(in);
        }
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    static Stream<Arguments> models() throws IOException {
        readReference();
        List<Arguments> out = new ArrayList<>();
        for (JsonNode m : reference.get("models")) {
            String vocab = m.has("vocab") ? "/" + m.get("vocab").asText() : "";
            out.add(Arguments.of(m.get("arch").asText() + "/" + m.get("shape").asText() + "/" + m.get("type").asText()
                    + vocab, m));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void pooledOutputsMatchLlamaCpp(String name, JsonNode m) throws IOException {
        String arch = m.get("arch").asText();
        Path file = dir.resolve(name.replace('/', '-') + ".gguf");
        SyntheticModelWriter writer = new SyntheticModelWriter(arch, SyntheticShape.of(arch, m.get("shape").asText()),
                SyntheticType.parse(m.get("type").asText()), m.get("seed").asLong());
        boolean unigram = m.has("vocab") && m.get("vocab").asText().equals("unigram-xlmr");
        if (unigram) {
            writer.writeWithUnigramVocabulary(SyntheticUnigramVocabulary.Style.XLMR, file);
        } else {
            writer.write(BERT_VOCAB, file);
        }
        try (Model model = Model.load(file, new ModelOptions(0, null, pool))) {
            assertTrue(model.isEncoder());
            List<int[]> inputs = new ArrayList<>();
            for (JsonNode p : m.has("prompts") ? m.get("prompts") : reference.get("prompts")) {
                int[] ids = model.tokenizer().encode(p.asText(), true, true);
                inputs.add(ids);
                if (unigram && p.asText().contains("</s></s>")) {
                    assertRerankPair(model.tokenizer(), p.asText(), ids);
                }
            }
            boolean normalized = m.get("normalized").asBoolean();
            float[][] got = model.encoder().encode(inputs, normalized);
            JsonNode expected = m.get("expected");
            assertEquals(inputs.size(), expected.size());
            for (int i = 0; i < got.length; i++) {
                double[] want = new double[expected.get(i).size()];
                for (int j = 0; j < want.length; j++) {
                    want[j] = expected.get(i).get(j).asDouble();
                }
                assertEquals(want.length, got[i].length, "output size of input " + i);
                if (normalized) {
                    double dist = cosineDistance(got[i], want);
                    assertTrue(dist <= COSINE_TOLERANCE, name + " input " + i + ": cosine distance " + dist);
                } else {
                    for (int j = 0; j < want.length; j++) {
                        assertEquals(want[j], got[i][j], SCORE_TOLERANCE, name + " input " + i + " score " + j);
                    }
                }
            }
            // The texts must be told apart by more than the tolerance.
            for (int i = 1; i < got.length; i++) {
                if (normalized) {
                    assertTrue(cosineDistance(got[0], toDouble(got[i])) > 100 * COSINE_TOLERANCE, name + ": input " + i);
                } else {
                    assertTrue(Math.abs(got[0][0] - got[i][0]) > 10 * SCORE_TOLERANCE, name + ": input " + i);
                }
            }
        }
    }

    /**
     * A pair written {@code q</s></s>d} tokenizes (special tokens parsed) to llama-server's rerank input
     * {@code BOS q EOS SEP d EOS} built from the separately tokenized query and document, so the scores above
     * hold for pairs as the server builds them.
     */
    private static void assertRerankPair(Tokenizer tok, String text, int[] ids) {
        String[] qd = text.split("</s></s>", 2);
        int[] q = tok.encode(qd[0], false, false);
        int[] d = tok.encode(qd[1], false, false);
        List<Integer> want = new ArrayList<>();
        want.add(tok.bos().orElseThrow());
        for (int t : q) {
            want.add(t);
        }
        want.add(tok.eos().orElseThrow());
        want.add(tok.eos().orElseThrow()); // the separator of an XLM-R vocabulary is its EOS
        for (int t : d) {
            want.add(t);
        }
        want.add(tok.eos().orElseThrow());
        assertEquals(want, java.util.Arrays.stream(ids).boxed().toList(), text);
    }

    static double cosineDistance(float[] a, double[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += b[i] * b[i];
        }
        return 1 - dot / Math.sqrt(na * nb);
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
