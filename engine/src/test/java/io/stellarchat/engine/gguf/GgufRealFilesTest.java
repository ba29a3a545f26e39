package io.stellarchat.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads every real GGUF file in the shared folders and checks the facts their READMEs state (which were
 * established with gguf-py and llama.cpp, not with this reader), and the synthetic models against the
 * tensor types and hyper-parameters recorded in their reference JSON.
 */
class GgufRealFilesTest {

    static final Path SHARED = Path.of(System.getProperty("stellar.shared", "../shared"));
    static final Path MODELS = SHARED.resolve("models");
    static final Path STORIES = MODELS.resolve("stories260K.gguf");

    // llama.cpp's enum llama_token_type
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, BYTE = 6;

    @Test
    void stories260KHeaderMatchesItsReadme() throws IOException {
        try (GgufFile f = GgufFile.open(STORIES)) {
            assertEquals(3, f.version());
            assertEquals(48, f.tensors().size());
            assertEquals(19, f.metadata().size());
            assertFalse(f.metadata().has("general.alignment"));
            assertEquals(32, f.alignment());
            assertEquals(14_176, f.dataOffset());
            assertEquals(1_185_376, f.fileSize());
            assertTrue(f.tensors().stream().allMatch(t -> t.type() == GgmlType.F32));
            assertEquals(292_800, f.tensors().stream().mapToLong(GgufTensorInfo::elements).sum());
            assertDataEndsAtEndOfFile(f);
        }
    }

    @Test
    void stories260KHyperParametersMatchItsReadme() throws IOException {
        try (GgufFile f = GgufFile.open(STORIES)) {
            GgufMetadata m = f.metadata();
            assertEquals("llama", m.getString("general.architecture"));
            assertEquals(64, m.getInt("llama.embedding_length"));
            assertEquals(5, m.getInt("llama.block_count"));
            assertEquals(8, m.getInt("llama.attention.head_count"));
            assertEquals(4, m.getInt("llama.attention.head_count_kv"));
            assertEquals(172, m.getInt("llama.feed_forward_length"));
            assertEquals(8, m.getInt("llama.rope.dimension_count"));
            assertEquals(2048, m.getInt("llama.context_length"));
            assertEquals(1e-5f, m.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(GgufValueType.FLOAT32, m.type("llama.attention.layer_norm_rms_epsilon"));
            assertFalse(m.has("llama.rope.freq_base"));
            assertEquals(10000f, m.getFloat("llama.rope.freq_base", 10000f));
            assertFalse(m.has("tokenizer.ggml.add_bos_token"));
            assertTrue(m.getBoolean("tokenizer.ggml.add_bos_token", true));
        }
    }

    @Test
    void stories260KVocabularyMatchesItsReadme() throws IOException {
        try (GgufFile f = GgufFile.open(STORIES)) {
            GgufMetadata m = f.metadata();
            assertEquals("llama", m.getString("tokenizer.ggml.model"));
            String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
            float[] scores = m.getFloatArray("tokenizer.ggml.scores");
            int[] types = m.getIntArray("tokenizer.ggml.token_type");
            assertEquals(512, tokens.length);
            assertEquals(512, scores.length);
            assertEquals("<unk>", tokens[0]);
            assertEquals("<s>", tokens[1]);
            assertEquals("</s>", tokens[2]);
            assertEquals("<0x00>", tokens[3]);
            assertEquals("<0xFF>", tokens[258]);
            assertEquals(0f, max(scores));
            assertEquals(-252f, min(scores));
            Map<Integer, Integer> counts = countTypes(types);
            assertEquals(Map.of(UNKNOWN, 1, CONTROL, 2, BYTE, 256, NORMAL, 253), counts);
            assertFalse(m.has("tokenizer.ggml.merges"));
            assertEquals(0, m.getInt("tokenizer.ggml.unknown_token_id"));
            assertEquals(1, m.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(2, m.getInt("tokenizer.ggml.eos_token_id"));
        }
    }

    @Test
    void uint32NoneTokenIdReadsAsLongButNotAsInt() throws IOException {
        try (GgufFile f = GgufFile.open(STORIES)) {
            GgufMetadata m = f.metadata();
            assertEquals(4_294_967_295L, m.getLong("tokenizer.ggml.seperator_token_id"));
            assertEquals(4_294_967_295L, m.getLong("tokenizer.ggml.padding_token_id"));
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> m.getInt("tokenizer.ggml.seperator_token_id"));
            assertTrue(e.getMessage().contains("tokenizer.ggml.seperator_token_id"), e.getMessage());
        }
    }

    @Test
    void stories260KOutputWeightIsByteIdenticalToTokenEmbedding() throws IOException {
        try (GgufFile f = GgufFile.open(STORIES)) {
            Tensor embd = f.tensor("token_embd.weight");
            Tensor out = f.tensor("output.weight");
            assertEquals(32_768, embd.elements());
            assertArrayEquals(new long[] {64, 512}, embd.dims());
            assertEquals(512, embd.rows());
            assertEquals(64 * 4, embd.rowBytes());
            assertEquals(32_768L * 4, embd.data().byteSize());
            assertEquals(-1, embd.data().mismatch(out.data()));
        }
    }

    @Test
    void tensorDataIsMappedNotCopiedToTheHeap() throws IOException {
        try (GgufFile f = GgufFile.open(STORIES)) {
            Tensor t = f.tensor("token_embd.weight");
            assertTrue(t.data().isNative(), "tensor data must live off-heap (mapped)");
            assertTrue(f.data().isNative());
            assertFalse(t.data().heapBase().isPresent());
            GgufTensorInfo info = f.findTensor("token_embd.weight").orElseThrow();
            // the slice is the data region at the tensor's offset: same address, no copy
            assertEquals(f.data().address() + info.offset(), t.data().address());
            assertEquals(f.fileSize() - f.dataOffset(), f.data().byteSize());
        }
    }

    @Test
    void missingTensorIsNamedInTheError() throws IOException {
        try (GgufFile f = GgufFile.open(STORIES)) {
            assertTrue(f.findTensor("blk.9.attn_q.weight").isEmpty());
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> f.tensor("blk.9.attn_q.weight"));
            assertTrue(e.getMessage().contains("'blk.9.attn_q.weight'"), e.getMessage());
        }
    }

    @Test
    void closeIsIdempotentAndTensorsBecomeUnreadable() throws IOException {
        GgufFile f = GgufFile.open(STORIES);
        Tensor t = f.tensor("output_norm.weight");
        float before = t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0);
        assertTrue(Float.isFinite(before));
        f.close();
        f.close();
        assertTrue(f.isClosed());
        assertThrows(IllegalStateException.class, () -> t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        assertThrows(IllegalStateException.class, () -> f.tensor("output_norm.weight"));
        assertThrows(IllegalStateException.class, f::data);
    }

    @Test
    void llama2TinyRandomHeaderMatchesItsReadme() throws IOException {
        try (GgufFile f = GgufFile.open(MODELS.resolve("llama-2-tiny-random.gguf"))) {
            GgufMetadata m = f.metadata();
            assertEquals(3, f.version());
            assertEquals(12, f.tensors().size());
            assertEquals(18, m.size());
            assertEquals(724_416, f.dataOffset());
            assertEquals(1, m.getInt("general.file_type"));
            assertEquals("LLaMA v2", m.getString("general.name"));
            List<String> f32 = f.tensors().stream().filter(t -> t.type() == GgmlType.F32).map(GgufTensorInfo::name).sorted().toList();
            assertEquals(List.of("blk.0.attn_norm.weight", "blk.0.ffn_norm.weight", "output_norm.weight"), f32);
            assertEquals(9, f.tensors().stream().filter(t -> t.type() == GgmlType.F16).count());
            assertEquals(GgmlType.F16, f.findTensor("token_embd.weight").orElseThrow().type());
            assertEquals(GgmlType.F16, f.findTensor("output.weight").orElseThrow().type());
            assertEquals(513_048, f.tensors().stream().mapToLong(GgufTensorInfo::elements).sum());
            assertEquals(8, m.getInt("llama.embedding_length"));
            assertEquals(1, m.getInt("llama.block_count"));
            assertEquals(2, m.getInt("llama.attention.head_count"));
            assertEquals(2, m.getInt("llama.attention.head_count_kv"));
            assertEquals(32, m.getInt("llama.feed_forward_length"));
            assertEquals(4, m.getInt("llama.rope.dimension_count"));
            assertEquals(4096, m.getInt("llama.context_length"));
            assertDataEndsAtEndOfFile(f);

            String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
            assertEquals(32_000, tokens.length);
            // stored as the UTF-8 bytes of U+FFFD (twice for 26308), as in Meta's Llama-2 vocabulary
            assertEquals("\uFFFD\uFFFD", tokens[26_308]);
            assertEquals("\uFFFD", tokens[30_140]);
            assertEquals(Map.of(UNKNOWN, 1, CONTROL, 2, BYTE, 256, NORMAL, 31_741),
                    countTypes(m.getIntArray("tokenizer.ggml.token_type")));
            assertEquals(1, m.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(2, m.getInt("tokenizer.ggml.eos_token_id"));
            assertEquals(0, m.getInt("tokenizer.ggml.unknown_token_id"));
        }
    }

    @Test
    void ggufVersion1IsRefusedAsTooOld() {
        Path legacy = MODELS.resolve("legacy/tinyllamas-stories-260k-f32.gguf");
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(legacy));
        String msg = e.getMessage();
        assertTrue(msg.contains("version 1"), msg);
        assertTrue(msg.contains("too old"), msg);
        assertTrue(msg.contains("re-convert"), msg);
        assertTrue(msg.contains("tinyllamas-stories-260k-f32.gguf"), msg);
    }

    /** The vocab-only files of models/vocab: facts from models/README.md. */
    @Test
    void vocabOnlyFilesMatchTheModelsReadme() throws IOException {
        try (GgufFile f = GgufFile.open(MODELS.resolve("vocab/ggml-vocab-bert-bge.gguf"))) {
            GgufMetadata m = f.metadata();
            assertEquals(0, f.tensors().size());
            assertEquals(0, f.data().byteSize());
            assertEquals("bert", m.getString("tokenizer.ggml.model"));
            assertEquals("bert-bge", m.getString("tokenizer.ggml.pre"));
            String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
            assertEquals(30_522, tokens.length);
            assertEquals("[PAD]", tokens[0]);
            assertEquals("[UNK]", tokens[100]);
            assertEquals("[CLS]", tokens[101]);
            assertEquals("[SEP]", tokens[102]);
            assertEquals("[MASK]", tokens[103]);
        }
        try (GgufFile f = GgufFile.open(MODELS.resolve("vocab/ggml-vocab-llama-spm.gguf"))) {
            GgufMetadata m = f.metadata();
            assertEquals(32_000, m.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(32_000, m.getFloatArray("tokenizer.ggml.scores").length);
            assertTrue(m.getBoolean("tokenizer.ggml.add_bos_token"));
        }
        try (GgufFile f = GgufFile.open(MODELS.resolve("vocab/ggml-vocab-gpt-2.gguf"))) {
            GgufMetadata m = f.metadata();
            assertEquals(50_257, m.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(50_000, m.getStringArray("tokenizer.ggml.merges").length);
            assertEquals("gpt-2", m.getString("tokenizer.ggml.pre"));
            assertEquals(50_256, m.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(50_256, m.getInt("tokenizer.ggml.eos_token_id"));
        }
    }

    /** Every row of the table in testdata/llama-vocab/README.md; merges: whether tokenizer.ggml.merges exists. */
    @ParameterizedTest
    @CsvSource({
        "ggml-vocab-baichuan.gguf,       baichuan,   llama, -,              64000,  false",
        "ggml-vocab-bert-bge.gguf,       bert,       bert,  bert-bge,       30522,  false",
        "ggml-vocab-deepseek-coder.gguf, llama,      gpt2,  deepseek-coder, 32256,  true",
        "ggml-vocab-deepseek-llm.gguf,   llama,      gpt2,  deepseek-llm,   102400, true",
        "ggml-vocab-falcon.gguf,         falcon,     gpt2,  falcon,         65024,  true",
        "ggml-vocab-gpt-2.gguf,          gpt2,       gpt2,  gpt-2,          50257,  true",
        "ggml-vocab-gpt-neox.gguf,       gptneox,    gpt2,  -,              50432,  true",
        "ggml-vocab-llama-spm.gguf,      llama,      llama, default,        32000,  false",
        "ggml-vocab-mpt.gguf,            mpt,        gpt2,  mpt,            50432,  true",
        "ggml-vocab-phi-3.gguf,          phi3,       llama, default,        32064,  false",
        "ggml-vocab-refact.gguf,         refact,     gpt2,  refact,         49216,  true",
        "ggml-vocab-starcoder.gguf,      starcoder2, gpt2,  starcoder,      49152,  true",
        "llama3-bpe-vocab.rebuilt.gguf,  llama,      gpt2,  llama-bpe,      128256, true",
        "qwen2-bpe-vocab.rebuilt.gguf,   qwen2,      gpt2,  qwen2,          152064, true",
    })
    void llamaVocabFileMatchesItsReadmeRow(String file, String arch, String model, String pre, int nVocab, boolean merges)
            throws IOException {
        Path p = SHARED.resolve("testdata/llama-vocab").resolve(file);
        try (GgufFile f = GgufFile.open(p)) {
            GgufMetadata m = f.metadata();
            assertEquals(0, f.tensors().size());
            assertEquals(Files.size(p), f.fileSize());
            assertEquals(arch, m.getString("general.architecture"));
            assertEquals(model, m.getString("tokenizer.ggml.model"));
            assertEquals(pre, m.getString("tokenizer.ggml.pre", "-"));
            assertEquals(nVocab, m.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(nVocab, m.getIntArray("tokenizer.ggml.token_type").length);
            assertEquals(merges, m.has("tokenizer.ggml.merges"));
            if (merges) {
                assertTrue(m.getStringArray("tokenizer.ggml.merges").length > 0);
            }
            Path out = p.resolveSibling(file + ".out");
            if (Files.exists(out)) { // every expected id is a valid index into this vocabulary
                for (String line : Files.readAllLines(out)) {
                    for (String id : line.strip().split(" +")) {
                        if (!id.isEmpty()) {
                            int v = Integer.parseInt(id);
                            assertTrue(v >= 0 && v < nVocab, file + ": id " + v);
                        }
                    }
                }
            }
        }
    }

    static Stream<Path> referenceJsons() throws IOException {
        try (Stream<Path> s = Files.list(SHARED.resolve("testdata/engine"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    /** Each model of the engine reference pack against its JSON (tensor types, hyper-parameters, size). */
    @ParameterizedTest
    @MethodSource("referenceJsons")
    void referencePackModelMatchesItsJson(Path json) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(json.toFile());
        Path model = json.getParent().resolve(ref.get("model_file").asText()).normalize();
        try (GgufFile f = GgufFile.open(model)) {
            GgufMetadata m = f.metadata();
            JsonNode hp = ref.get("hparams");
            String arch = ref.get("arch").asText();
            assertEquals(ref.get("size_bytes").asLong(), f.fileSize());
            assertEquals(arch, m.getString("general.architecture"));
            assertEquals(hp.get("n_embd").asInt(), m.getInt(arch + ".embedding_length"));
            assertEquals(hp.get("n_layer").asInt(), m.getInt(arch + ".block_count"));
            assertEquals(hp.get("n_head").asInt(), m.getInt(arch + ".attention.head_count"));
            assertEquals(hp.get("n_head_kv").asInt(), m.getInt(arch + ".attention.head_count_kv"));
            assertEquals((float) hp.get("rms_eps").asDouble(), m.getFloat(arch + ".attention.layer_norm_rms_epsilon"));
            assertEquals((float) hp.get("rope_theta").asDouble(), m.getFloat(arch + ".rope.freq_base", 10000f));
            assertEquals(hp.get("n_vocab").asInt(), m.getStringArray("tokenizer.ggml.tokens").length);

            Map<String, String> expected = new HashMap<>();
            ref.get("tensor_types").properties().forEach(e -> expected.put(e.getKey(), e.getValue().asText()));
            Map<String, String> actual = new HashMap<>();
            f.tensors().forEach(t -> actual.put(t.name(), t.type().name()));
            assertEquals(expected, actual);

            assertEquals(hp.get("tied_embeddings").asBoolean(), f.findTensor("output.weight").isEmpty());
            assertEquals(hp.get("qkv_bias").asBoolean(), f.findTensor("blk.0.attn_q.bias").isPresent());
            assertEquals(hp.get("qk_norm").asBoolean(), f.findTensor("blk.0.attn_q_norm.weight").isPresent());
            assertDataEndsAtEndOfFile(f);
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(0, t.offset() % f.alignment(), t.name());
                assertEquals(t.byteSize(), f.tensor(t).data().byteSize());
            }
        }
    }

    /** The README of the pack: every synthetic model copies its tokenizer keys verbatim from stories260K. */
    @Test
    void syntheticModelsCarryTheStories260KTokenizer() throws IOException {
        try (GgufFile stories = GgufFile.open(STORIES);
             GgufFile synth = GgufFile.open(SHARED.resolve("testdata/engine/models/synth-qwen3-q4_k_m.gguf"))) {
            for (String key : stories.metadata().keys()) {
                if (key.startsWith("tokenizer.")) {
                    assertEquals(stories.metadata().type(key), synth.metadata().type(key), key);
                    assertTrue(java.util.Objects.deepEquals(stories.metadata().raw(key), synth.metadata().raw(key)), key);
                }
            }
        }
    }

    static void assertDataEndsAtEndOfFile(GgufFile f) {
        long end = f.tensors().stream().mapToLong(t -> t.offset() + t.byteSize()).max().orElse(0);
        assertEquals(f.fileSize(), f.dataOffset() + end, "tensor data must end exactly at end of file");
    }

    static Map<Integer, Integer> countTypes(int[] types) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int t : types) {
            counts.merge(t, 1, Integer::sum);
        }
        return counts;
    }

    static float max(float[] a) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    static float min(float[] a) {
        float m = Float.POSITIVE_INFINITY;
        for (float v : a) {
            m = Math.min(m, v);
        }
        return m;
    }

    @SuppressWarnings("unused")
    private static String show(MemorySegment s) {
        return Arrays.toString(s.toArray(ValueLayout.JAVA_BYTE));
    }
}
