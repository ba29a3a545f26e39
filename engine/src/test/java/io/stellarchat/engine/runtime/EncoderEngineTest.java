package io.stellarchat.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.model.Model;
import io.stellarchat.engine.model.ModelLoadException;
import io.stellarchat.engine.model.ModelOptions;
import io.stellarchat.engine.model.synth.SyntheticModelWriter;
import io.stellarchat.engine.model.synth.SyntheticShape;
import io.stellarchat.engine.model.synth.SyntheticType;
import io.stellarchat.engine.tensor.ComputePool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The encoder engine: padding-free batches give each input the vector it gets alone, and bad inputs fail clearly. */
class EncoderEngineTest {
    private static final Path VOCAB = Path.of(System.getProperty("stellar.shared", "../shared"),
            "models", "vocab", "ggml-vocab-bert-bge.gguf");

    @TempDir
    static Path dir;
    private static ComputePool pool;
    private static Model bert;

    @BeforeAll
    static void write() throws Exception {
        pool = new ComputePool(2);
        Path file = dir.resolve("bert.gguf");
        new SyntheticModelWriter("bert", SyntheticShape.of("bert", "tiny"), SyntheticType.F32, 7).write(VOCAB, file);
        bert = Model.load(file, new ModelOptions(0, null, pool));
    }

    @AfterAll
    static void close() {
        bert.close();
        pool.close();
    }

    private static List<int[]> texts() {
        List<int[]> in = new ArrayList<>();
        for (String s : new String[] {"a short one", "a somewhat longer sentence about retrieval and ranking",
                "x", "the [CLS] token pools for bge models"}) {
            in.add(bert.tokenizer().encode(s, true, false));
        }
        return in;
    }

    @Test
    void anInputGetsTheSameVectorAloneOrInABatchOfOthers() {
        List<int[]> in = texts();
        float[][] batched = bert.encoder().encode(in, true);
        for (int i = 0; i < in.size(); i++) {
            float[] alone = bert.encoder().encode(List.of(in.get(i)), true)[0];
            assertArrayEquals(alone, batched[i], "input " + i);
            double norm = 0;
            for (float f : alone) norm += f * f;
            assertEquals(1.0, norm, 1e-5, "L2-normalised");
        }
    }

    @Test
    void engineBatchesQueuedInputsAndAnswersEachWithItsOwnVector() throws Exception {
        List<int[]> in = texts();
        float[][] expected = bert.encoder().encode(in, true);
        try (EncoderEngine engine = new EncoderEngine(bert, "test", 64, 4096)) {
            List<CompletableFuture<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (int[] t : in) futures.add(engine.embed(t));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertArrayEquals(expected[i % in.size()], futures.get(i).get(30, TimeUnit.SECONDS), "input " + i);
            }
            EngineStats s = engine.stats();
            assertEquals(20, s.completed());
            assertTrue(s.steps() < 20, "20 inputs queued together run in fewer passes, got " + s.steps());
        }
    }

    @Test
    void aPassStaysWithinTheTokenBudgetButAnInputLongerThanTheBudgetStillRuns() throws Exception {
        int[] six = bert.tokenizer().encode("one two three four", true, false); // [CLS] 4 words [SEP]
        assertEquals(6, six.length);
        int[] longer = bert.tokenizer().encode("a b c d e f g h i j k l m n", true, false);
        try (EncoderEngine engine = new EncoderEngine(bert, "budget", 16, 10)) {
            List<CompletableFuture<float[]>> f = new ArrayList<>();
            for (int i = 0; i < 4; i++) f.add(engine.embed(six));
            f.add(engine.embed(longer));
            for (CompletableFuture<float[]> x : f) x.get(30, TimeUnit.SECONDS);
            assertEquals(5, engine.stats().steps(), "two 6-token inputs exceed 10 tokens: one per pass");
            assertArrayEquals(bert.encoder().encode(List.of(longer), true)[0], f.get(4).get());
        }
    }

    @Test
    void aClosedEngineRefusesNewInputs() {
        EncoderEngine engine = new EncoderEngine(bert, "closed", 4, 64);
        engine.close();
        engine.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> engine.embed(new int[] {101, 102}));
    }

    @Test
    void inputsLongerThanTheContextEmptyOrOutsideTheVocabularyAreRefused() {
        try (EncoderEngine engine = new EncoderEngine(bert, "test", 4, 4096)) {
            int ctx = bert.encoder().config().contextLength();
            ContextOverflowException e = assertThrows(ContextOverflowException.class, () -> engine.embed(new int[ctx + 1]));
            assertEquals(ctx, e.contextLength());
            assertThrows(IllegalArgumentException.class, () -> engine.embed(new int[0]));
            assertThrows(IllegalArgumentException.class, () -> engine.embed(new int[] {101, 999_999}));
            assertThrows(IllegalStateException.class, () -> engine.submit(null));
        }
    }

    @Test
    void aDecoderIsNotAnEncoderAndAnEncoderDoesNotGenerate() {
        assertThrows(IllegalStateException.class, bert::transformer);
        assertThrows(IllegalArgumentException.class, () -> new EncoderEngine(
                loadDecoder(), "x", 1, 1));
    }

    private static Model loadDecoder() {
        try {
            return Model.load(Path.of(System.getProperty("stellar.shared", "../shared"), "models", "stories260K.gguf"),
                    new ModelOptions(0, null, pool));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void rankPoolingWithoutAClassifierHeadIsALoadErrorNamingTheTensor() throws Exception {
        // A bert file declaring rank pooling but written without cls tensors: rewrite tiny with pooling 4 by hand.
        Path file = dir.resolve("rank-no-head.gguf");
        var src = io.stellarchat.engine.gguf.GgufFile.open(dir.resolve("bert.gguf"));
        try (src) {
            var w = new io.stellarchat.engine.gguf.GgufWriter();
            for (String k : src.metadata().keys()) {
                if (k.equals("bert.pooling_type")) {
                    w.putUInt32(k, 4);
                } else {
                    w.copy(src.metadata(), k);
                }
            }
            for (var t : src.tensors()) {
                w.addTensor(t.name(), t.type(), t.dims(), src.tensor(t).data());
            }
            w.write(file);
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Model.load(file, new ModelOptions(0, null, pool)));
        assertTrue(e.getMessage().contains("cls.weight"), e.getMessage());
    }
}
