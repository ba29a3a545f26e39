package io.stellarchat.engine.model.synth;

import io.stellarchat.engine.gguf.GgmlType;
import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufMetadata;
import io.stellarchat.engine.gguf.GgufWriter;
import io.stellarchat.engine.tensor.Quantizer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Writes a random-weight model of a real shape as GGUF, for benchmarks and tests. The tokenizer
 * ({@code tokenizer.*} keys) is copied from another GGUF file, which also fixes the vocabulary size.
 *
 * <p>Weights are reproducible: each tensor draws from its own generator seeded by the model seed and the
 * CRC-32 of its name. Matrices are N(0, 0.02), except {@code attn_q}/{@code attn_k} at N(0, 0.08) so that
 * attention is not uniform; norm weights are 1 + N(0, 0.1); biases N(0, 0.1).
 *
 * <p>Memory: each tensor is generated and quantized into an off-heap segment of its own (never the heap);
 * the writer streams them to disk.
 */
public final class SyntheticModelWriter {
    private final String arch;
    private final SyntheticShape shape;
    private final SyntheticType type;
    private final long seed;

    public SyntheticModelWriter(String arch, SyntheticShape shape, SyntheticType type, long seed) {
        if (!arch.equals("llama") && !arch.equals("qwen2") && !arch.equals("qwen3") && !isEncoder(arch)) {
            throw new IllegalArgumentException("unknown architecture '" + arch
                    + "' (known: llama, qwen2, qwen3, bert, nomic-bert)");
        }
        this.arch = arch;
        this.shape = shape;
        this.type = type;
        this.seed = seed;
    }

    private static boolean isEncoder(String arch) {
        return arch.equals("bert") || arch.equals("nomic-bert");
    }

    /** Writes the model to {@code out}, taking the vocabulary from {@code vocabFrom}. */
    public void write(Path vocabFrom, Path out) throws IOException {
        if (isEncoder(arch)) {
            writeEncoder(vocabFrom, out);
            return;
        }
        try (GgufFile vocab = GgufFile.open(vocabFrom); Arena arena = Arena.ofShared()) {
            GgufMetadata vm = vocab.metadata();
            int nVocab = vm.getStringArray("tokenizer.ggml.tokens").length;
            GgufWriter w = new GgufWriter();
            String p = arch + ".";
            putShape(w, p);
            w.putUInt32(p + "attention.head_count_kv", shape.kvHeads());
            w.putUInt32(p + "attention.key_length", shape.headDim());
            w.putUInt32(p + "attention.value_length", shape.headDim());
            w.putFloat32(p + "attention.layer_norm_rms_epsilon", arch.equals("llama") ? 1e-5f : 1e-6f);
            w.putFloat32(p + "rope.freq_base", shape.ropeTheta());
            w.putUInt32(p + "rope.dimension_count", shape.headDim());
            for (String key : vm.keys()) {
                if (key.startsWith("tokenizer.")) {
                    w.copy(vm, key);
                }
            }

            int d = shape.dim();
            int q = shape.heads() * shape.headDim();
            int kv = shape.kvHeads() * shape.headDim();
            int f = shape.ffnDim();
            boolean tied = shape.tied();
            // llama.cpp's quantizer keeps the output matrix (or the tied embedding) at higher precision.
            add(w, arena, "token_embd.weight", tied ? type.outputType() : type.embeddingType(), d, nVocab, 0.02f, 0f);
            for (int l = 0; l < shape.layers(); l++) {
                String b = "blk." + l + ".";
                add(w, arena, b + "attn_norm.weight", GgmlType.F32, d, 1, 0.1f, 1f);
                add(w, arena, b + "attn_q.weight", type.matrixType(), d, q, 0.08f, 0f);
                add(w, arena, b + "attn_k.weight", type.matrixType(), d, kv, 0.08f, 0f);
                add(w, arena, b + "attn_v.weight", type.attnVType(l, shape.layers()), d, kv, 0.02f, 0f);
                add(w, arena, b + "attn_output.weight", type.matrixType(), q, d, 0.02f, 0f);
                if (arch.equals("qwen2")) {
                    add(w, arena, b + "attn_q.bias", GgmlType.F32, q, 1, 0.1f, 0f);
                    add(w, arena, b + "attn_k.bias", GgmlType.F32, kv, 1, 0.1f, 0f);
                    add(w, arena, b + "attn_v.bias", GgmlType.F32, kv, 1, 0.1f, 0f);
                }
                if (arch.equals("qwen3")) {
                    add(w, arena, b + "attn_q_norm.weight", GgmlType.F32, shape.headDim(), 1, 0.1f, 1f);
                    add(w, arena, b + "attn_k_norm.weight", GgmlType.F32, shape.headDim(), 1, 0.1f, 1f);
                }
                add(w, arena, b + "ffn_norm.weight", GgmlType.F32, d, 1, 0.1f, 1f);
                add(w, arena, b + "ffn_gate.weight", type.matrixType(), d, f, 0.02f, 0f);
                add(w, arena, b + "ffn_up.weight", type.matrixType(), d, f, 0.02f, 0f);
                add(w, arena, b + "ffn_down.weight", type.ffnDownType(l, shape.layers()), f, d, 0.02f, 0f);
            }
            add(w, arena, "output_norm.weight", GgmlType.F32, d, 1, 0.1f, 1f);
            if (!tied) {
                add(w, arena, "output.weight", type.outputType(), d, nVocab, 0.02f, 0f);
            }
            w.write(out);
        }
    }

    /**
     * Writes an encoder ({@code bert} or {@code nomic-bert}) to {@code out} with the synthetic SentencePiece
     * Unigram vocabulary of {@link SyntheticUnigramVocabulary}, drawn from this writer's seed.
     */
    public void writeWithUnigramVocabulary(SyntheticUnigramVocabulary.Style style, Path out) throws IOException {
        if (!isEncoder(arch)) {
            throw new IllegalArgumentException("a Unigram vocabulary is only written for encoders (bert, nomic-bert), not " + arch);
        }
        writeEncoder(w -> SyntheticUnigramVocabulary.write(w, seed, style), out);
    }

    /** Writes the {@code tokenizer.*} keys of a model and returns the vocabulary size. */
    @FunctionalInterface
    private interface TokenizerKeys {
        int write(GgufWriter w) throws IOException;
    }

    /**
     * The pooling a synthetic encoder declares ({@code <arch>.pooling_type}, llama.cpp's numbering), from its
     * shape name: {@code -cls} 2, {@code -last} 3, {@code -rerank} 4 (with a classifier head), {@code bge-small}
     * 2 (as BGE), otherwise 1 (mean, as MiniLM and nomic-embed).
     */
    static int encoderPooling(String shapeName) {
        if (shapeName.endsWith("-rerank")) return 4;
        if (shapeName.endsWith("-last")) return 3;
        if (shapeName.endsWith("-cls") || shapeName.equals("bge-small")) return 2;
        return 1;
    }

    /**
     * An encoder in llama.cpp's BERT-family layout. {@code bert}: learned positions, Q/K/V and FFN with biases,
     * GELU; {@code nomic-bert}: rotary positions, fused {@code attn_qkv}, SwiGLU, no biases. Both: token types
     * (2 rows), LayerNorm after the embeddings, after attention and after the FFN (weights 1 + N(0, 0.1), biases
     * N(0, 0.02)); a {@code -rerank} shape adds the classifier head {@code cls} / {@code cls.output} (N(0, 0.3), so
     * the scores spread). The tokenizer keys are copied, with {@code token_type_count} 2.
     */
    /** The keys every synthetic model has: architecture, name, file type and the shape's sizes. */
    private void putShape(GgufWriter w, String p) {
        w.putString("general.architecture", arch);
        w.putString("general.name", "synthetic-" + arch + "-" + shape.name() + "-" + type.name().toLowerCase(Locale.ROOT));
        w.putUInt32("general.file_type", type.fileType());
        w.putUInt32(p + "block_count", shape.layers());
        w.putUInt32(p + "context_length", shape.context());
        w.putUInt32(p + "embedding_length", shape.dim());
        w.putUInt32(p + "feed_forward_length", shape.ffnDim());
        w.putUInt32(p + "attention.head_count", shape.heads());
    }

    private void writeEncoder(Path vocabFrom, Path out) throws IOException {
        try (GgufFile vocab = GgufFile.open(vocabFrom)) {
            GgufMetadata vm = vocab.metadata();
            writeEncoder(w -> {
                for (String key : vm.keys()) {
                    if (key.startsWith("tokenizer.") && !key.equals("tokenizer.ggml.token_type_count")) {
                        w.copy(vm, key);
                    }
                }
                return vm.getStringArray("tokenizer.ggml.tokens").length;
            }, out);
        }
    }

    private void writeEncoder(TokenizerKeys tokenizer, Path out) throws IOException {
        boolean nomic = arch.equals("nomic-bert");
        int pooling = encoderPooling(shape.name());
        try (Arena arena = Arena.ofShared()) {
            GgufWriter w = new GgufWriter();
            String p = arch + ".";
            putShape(w, p);
            w.putFloat32(p + "attention.layer_norm_epsilon", 1e-12f);
            w.put(p + "attention.causal", io.stellarchat.engine.gguf.GgufValueType.BOOL, false);
            w.putUInt32(p + "pooling_type", pooling);
            if (nomic) {
                w.putFloat32(p + "rope.freq_base", shape.ropeTheta());
            }
            int nVocab = tokenizer.write(w);
            w.putUInt32("tokenizer.ggml.token_type_count", 2);

            int d = shape.dim();
            int f = shape.ffnDim();
            GgmlType m = type.matrixType();
            add(w, arena, "token_embd.weight", type.embeddingType(), d, nVocab, 0.02f, 0f);
            add(w, arena, "token_types.weight", GgmlType.F32, d, 2, 0.02f, 0f);
            if (!nomic) {
                add(w, arena, "position_embd.weight", GgmlType.F32, d, shape.context(), 0.02f, 0f);
            }
            add(w, arena, "token_embd_norm.weight", GgmlType.F32, d, 1, 0.1f, 1f);
            add(w, arena, "token_embd_norm.bias", GgmlType.F32, d, 1, 0.02f, 0f);
            for (int l = 0; l < shape.layers(); l++) {
                String b = "blk." + l + ".";
                if (nomic) {
                    add(w, arena, b + "attn_qkv.weight", m, d, 3 * d, 0.1f, 0f);
                } else {
                    add(w, arena, b + "attn_q.weight", m, d, d, 0.08f, 0f);
                    add(w, arena, b + "attn_q.bias", GgmlType.F32, d, 1, 0.02f, 0f);
                    add(w, arena, b + "attn_k.weight", m, d, d, 0.08f, 0f);
                    add(w, arena, b + "attn_k.bias", GgmlType.F32, d, 1, 0.02f, 0f);
                    add(w, arena, b + "attn_v.weight", m, d, d, 0.1f, 0f);
                    add(w, arena, b + "attn_v.bias", GgmlType.F32, d, 1, 0.02f, 0f);
                }
                add(w, arena, b + "attn_output.weight", m, d, d, 0.1f, 0f);
                if (!nomic) {
                    add(w, arena, b + "attn_output.bias", GgmlType.F32, d, 1, 0.02f, 0f);
                }
                add(w, arena, b + "attn_output_norm.weight", GgmlType.F32, d, 1, 0.1f, 1f);
                add(w, arena, b + "attn_output_norm.bias", GgmlType.F32, d, 1, 0.02f, 0f);
                add(w, arena, b + "ffn_up.weight", m, d, f, 0.05f, 0f);
                if (nomic) {
                    add(w, arena, b + "ffn_gate.weight", m, d, f, 0.05f, 0f);
                } else {
                    add(w, arena, b + "ffn_up.bias", GgmlType.F32, f, 1, 0.02f, 0f);
                }
                add(w, arena, b + "ffn_down.weight", m, f, d, 0.05f, 0f);
                if (!nomic) {
                    add(w, arena, b + "ffn_down.bias", GgmlType.F32, d, 1, 0.02f, 0f);
                }
                add(w, arena, b + "layer_output_norm.weight", GgmlType.F32, d, 1, 0.1f, 1f);
                add(w, arena, b + "layer_output_norm.bias", GgmlType.F32, d, 1, 0.02f, 0f);
            }
            if (pooling == 4) {
                add(w, arena, "cls.weight", m, d, d, 0.3f, 0f);
                add(w, arena, "cls.bias", GgmlType.F32, d, 1, 0.3f, 0f);
                add(w, arena, "cls.output.weight", GgmlType.F32, d, 1, 0.3f, 0f);
                add(w, arena, "cls.output.bias", GgmlType.F32, 1, 1, 0.3f, 0f);
            }
            w.write(out);
        }
    }

    /** Adds a tensor of {@code rows} rows of {@code cols} random values ~ mean + N(0, std). */
    private void add(GgufWriter w, Arena arena, String name, GgmlType t, int cols, int rows, float std, float mean) {
        GgmlType actual = Quantizer.supports(t) && cols % t.blockSize() == 0 ? t : fallback(cols);
        long rowBytes = Quantizer.rowBytes(actual, cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ crc.getValue());
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                row[i] = mean + std * (float) gaussian(rnd);
            }
            Quantizer.quantizeRow(actual, row, 0, cols, data, r * rowBytes);
        }
        long[] dims = rows == 1 ? new long[] {cols} : new long[] {cols, rows};
        w.addTensor(name, actual, dims, data);
    }

    /** Row lengths that are not a whole number of blocks keep a plain type, as llama.cpp's quantizer does. */
    private static GgmlType fallback(int cols) {
        return cols % 32 == 0 ? GgmlType.Q8_0 : GgmlType.F16;
    }

    /** Standard normal by the polar method (SplittableRandom has no nextGaussian of its own in all JDKs). */
    private static double gaussian(SplittableRandom r) {
        double u;
        double v;
        double s;
        do {
            u = r.nextDouble() * 2 - 1;
            v = r.nextDouble() * 2 - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }

}
