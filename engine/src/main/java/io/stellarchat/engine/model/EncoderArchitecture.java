package io.stellarchat.engine.model;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufMetadata;
import io.stellarchat.engine.gguf.GgufTensorInfo;
import java.io.IOException;

/**
 * An encoder architecture (BERT family): bidirectional attention, post-LayerNorm blocks, pooled outputs. Registered
 * in {@link Architectures} like the decoders; {@link Model#load} builds an {@link Encoder} instead of a
 * {@link Transformer} for it. {@link #readConfig} gives the sizes as a {@link ModelConfig} for callers that
 * only read widths and context.
 */
public interface EncoderArchitecture extends Architecture {

    /** Reads and validates the hyper-parameters; fails naming the key that is missing or wrong. */
    EncoderConfig readEncoderConfig(GgufFile file) throws IOException;

    @Override
    default ModelConfig readConfig(GgufFile file) throws IOException {
        return readEncoderConfig(file).asModelConfig();
    }

    /** Binds (and shape-checks) every weight; fails naming the tensor that is missing or mis-shaped. */
    default EncoderWeights bindEncoderWeights(GgufFile file, EncoderConfig config) throws IOException {
        return new WeightBinder(file, config.asModelConfig()).bindEncoder(config);
    }

    @Override
    default ModelWeights bindWeights(GgufFile file, ModelConfig config) {
        throw new UnsupportedOperationException(name() + " is an encoder: bind with bindEncoderWeights");
    }

    /**
     * Reads the keys the BERT family shares ({@code <arch>.*}).
     *
     * @param rotary   RoPE positions (nomic-bert) instead of learned position rows
     * @param gatedFfn SwiGLU feed-forward without biases instead of GELU with biases
     * @param fusedQkv one {@code attn_qkv} matrix instead of three with biases
     */
    static EncoderConfig readFamily(GgufFile file, String arch, boolean rotary, boolean gatedFfn, boolean fusedQkv)
            throws IOException {
        GgufMetadata md = file.metadata();
        String p = arch + ".";
        int layers = require(md, p + "block_count");
        int dim = require(md, p + "embedding_length");
        int ffn = require(md, p + "feed_forward_length");
        int heads = require(md, p + "attention.head_count");
        if (md.has(p + "attention.head_count_kv") && md.getInt(p + "attention.head_count_kv") != heads) {
            throw new ModelLoadException(p + "attention.head_count_kv = " + md.getInt(p + "attention.head_count_kv")
                    + " differs from head_count = " + heads + "; encoders with grouped KV heads are not supported");
        }
        if (md.getBoolean(p + "attention.causal", false)) {
            throw new ModelLoadException(p + "attention.causal = true: a causal " + arch + " model is not supported");
        }
        int ctx = md.getInt(p + "context_length", 512);
        float eps = md.getFloat(p + "attention.layer_norm_epsilon", 1e-12f);
        Pooling pooling = Pooling.fromCode(md.getInt(p + "pooling_type", Pooling.MEAN.code()), p + "pooling_type");
        float theta = md.getFloat(p + "rope.freq_base", 10000f);
        if (rotary && md.has(p + "rope.dimension_count") && md.getInt(p + "rope.dimension_count") != dim / heads) {
            throw new ModelLoadException(p + "rope.dimension_count = " + md.getInt(p + "rope.dimension_count")
                    + " differs from the head size " + dim / heads + "; partial rotation is not supported for " + arch);
        }
        long vocab = rows(file, "token_embd.weight");
        long types = rows(file, "token_types.weight");
        try {
            return new EncoderConfig(arch, layers, dim, ffn, heads, (int) vocab, ctx, eps, pooling, rotary, theta,
                    gatedFfn, fusedQkv, (int) types);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(arch + ": " + e.getMessage());
        }
    }

    private static long rows(GgufFile file, String name) throws ModelLoadException {
        GgufTensorInfo t = file.findTensor(name)
                .orElseThrow(() -> new ModelLoadException("tensor '" + name + "' is missing"));
        long[] d = t.dims();
        long rows = d.length == 1 ? 1 : d[1];
        if (d.length > 2 || rows <= 0 || rows > Integer.MAX_VALUE) {
            throw new ModelLoadException("tensor '" + name + "' has an invalid shape " + java.util.Arrays.toString(d));
        }
        return rows;
    }

    private static int require(GgufMetadata md, String key) throws IOException {
        if (!md.has(key)) {
            throw new ModelLoadException("metadata key '" + key + "' is missing");
        }
        return md.getInt(key);
    }
}
