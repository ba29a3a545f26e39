package io.stellarchat.engine.gguf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the seed corpus of {@link GgufReaderFuzzTest}: a few small, valid GGUF files that between them use every
 * value type, nested arrays, every common tensor type, a custom alignment and the three vocabulary kinds, so
 * the fuzzer starts from files that reach deep into the reader. The committed seeds were produced by
 * {@code main}; run it again (test class path, argument: the inputs directory) only to change them.
 */
final class GgufFuzzSeeds {

    private GgufFuzzSeeds() {}

    static Map<String, byte[]> seeds() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        GgufArray inner = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
            new GgufArray(GgufValueType.INT16, new short[] {1, -2}), new GgufArray(GgufValueType.BOOL, new boolean[] {true})});
        out.put("every-value-type.seed", new GgufWriter().alignment(64)
                .putUInt8("u8", 1).putInt8("i8", -1).putUInt16("u16", 2).putInt16("i16", -2).putUInt32("u32", 3)
                .putInt32("i32", -3).putUInt64("u64", 4).putInt64("i64", -4).putFloat32("f32", 0.5f)
                .putFloat64("f64", 0.25).putBool("b", true).putString("s", "text")
                .putArray("nested", GgufValueType.ARRAY, new GgufArray[] {inner})
                .putStringArray("strs", "a", "bc", "def")
                .putArray("f64s", GgufValueType.FLOAT64, new double[] {1, 2})
                .addTensor("f32", GgmlType.F32, new long[] {4, 2}, new byte[32])
                .addTensor("q8", GgmlType.Q8_0, new long[] {32, 2}, new byte[68])
                .addTensor("q6k", GgmlType.Q6_K, new long[] {256}, new byte[210])
                .toByteArray());
        out.put("tensors-only.seed", new GgufWriter()
                .addTensor("f16", GgmlType.F16, new long[] {8}, new byte[16])
                .addTensor("bf16", GgmlType.BF16, new long[] {2, 2, 2}, new byte[16])
                .addTensor("q4k", GgmlType.Q4_K, new long[] {256}, new byte[144])
                .addTensor("q4_0", GgmlType.Q4_0, new long[] {32}, new byte[18])
                .toByteArray());
        out.put("empty.seed", new GgufWriter().toByteArray());

        // A SentencePiece-style vocabulary: control, byte-fallback and normal tokens with scores.
        String[] spm = new String[3 + 256 + 6];
        float[] spmScores = new float[spm.length];
        int[] spmTypes = new int[spm.length];
        spm[0] = "<unk>";
        spm[1] = "<s>";
        spm[2] = "</s>";
        spmTypes[0] = 2;
        spmTypes[1] = 3;
        spmTypes[2] = 3;
        for (int b = 0; b < 256; b++) {
            spm[3 + b] = String.format("<0x%02X>", b);
            spmTypes[3 + b] = 6;
        }
        String[] words = {"▁", "▁H", "i", "▁t", "here", "▁there"};
        for (int i = 0; i < words.length; i++) {
            spm[259 + i] = words[i];
            spmTypes[259 + i] = 1;
            spmScores[259 + i] = -i;
        }
        out.put("vocab-llama.seed", new GgufWriter().putString("general.architecture", "llama")
                .putString("tokenizer.ggml.model", "llama").putStringArray("tokenizer.ggml.tokens", spm)
                .putFloatArray("tokenizer.ggml.scores", spmScores)
                .putIntArray("tokenizer.ggml.token_type", GgufValueType.INT32, spmTypes)
                .putUInt32("tokenizer.ggml.bos_token_id", 1).putUInt32("tokenizer.ggml.eos_token_id", 2)
                .putUInt32("tokenizer.ggml.unknown_token_id", 0).putBool("tokenizer.ggml.add_bos_token", true)
                .putString("tokenizer.chat_template", "{% for m in messages %}{{ m['content'] }}{% endfor %}")
                .toByteArray());

        // A byte-level BPE vocabulary with merges (the GPT-2 alphabet: printable bytes map to themselves).
        String[] bpe = {"H", "i", "Ġ", "t", "h", "e", "r", "Ġt", "he", "Ġthe", "re", "<|endoftext|>"};
        int[] bpeTypes = new int[bpe.length];
        Arrays.fill(bpeTypes, 1);
        bpeTypes[bpe.length - 1] = 3;
        out.put("vocab-gpt2.seed", new GgufWriter().putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "gpt-2").putStringArray("tokenizer.ggml.tokens", bpe)
                .putIntArray("tokenizer.ggml.token_type", GgufValueType.INT32, bpeTypes)
                .putStringArray("tokenizer.ggml.merges", "Ġ t", "h e", "Ġt he", "r e")
                .putUInt32("tokenizer.ggml.bos_token_id", bpe.length - 1)
                .putUInt32("tokenizer.ggml.eos_token_id", bpe.length - 1).toByteArray());

        // A WordPiece vocabulary.
        String[] wp = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hi", "there", "##re", "the"};
        int[] wpTypes = {3, 2, 3, 3, 1, 1, 1, 1};
        out.put("vocab-bert.seed", new GgufWriter().putString("tokenizer.ggml.model", "bert")
                .putStringArray("tokenizer.ggml.tokens", wp)
                .putIntArray("tokenizer.ggml.token_type", GgufValueType.INT32, wpTypes)
                .putUInt32("tokenizer.ggml.unknown_token_id", 1).putUInt32("tokenizer.ggml.cls_token_id", 2)
                .putUInt32("tokenizer.ggml.seperator_token_id", 3).putUInt32("tokenizer.ggml.padding_token_id", 0)
                .toByteArray());
        return out;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : seeds().entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
    }
}
