package io.stellarchat.engine.model;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.gguf.GgufMetadata;
import io.stellarchat.engine.gguf.GgufTensorInfo;
import java.io.IOException;

/**
 * Reads the hyper-parameters shared by the Llama family ({@code <arch>.*} keys) into a {@link ModelConfig};
 * each architecture states its RoPE layout and which optional parts it has.
 */
public final class LlamaFamilyConfig {
    private LlamaFamilyConfig() {}

    /**
     * @param arch     the {@code general.architecture} prefix of the keys
     * @param ropeType pairing of rotated dimensions for this architecture
     * @param qkvBias  whether Q/K/V biases are expected
     * @param qkNorm   whether per-head Q/K RMSNorm weights are expected
     */
    public static ModelConfig read(GgufFile file, String arch, RopeType ropeType, boolean qkvBias, boolean qkNorm)
            throws IOException {
        GgufMetadata md = file.metadata();
        String p = arch + ".";
        int layers = requireInt(md, p + "block_count");
        int dim = requireInt(md, p + "embedding_length");
        int ffn = requireInt(md, p + "feed_forward_length");
        int heads = requireInt(md, p + "attention.head_count");
        int kvHeads = md.has(p + "attention.head_count_kv") ? md.getInt(p + "attention.head_count_kv") : heads;
        if (heads <= 0 || dim % heads != 0 && !md.has(p + "attention.key_length")) {
            throw new ModelLoadException(p + "attention.head_count = " + heads
                    + " does not divide " + p + "embedding_length = " + dim);
        }
        int headDim = md.has(p + "attention.key_length") ? md.getInt(p + "attention.key_length") : dim / heads;
        if (md.has(p + "attention.value_length") && md.getInt(p + "attention.value_length") != headDim) {
            throw new ModelLoadException(p + "attention.value_length = " + md.getInt(p + "attention.value_length")
                    + " differs from key_length = " + headDim + "; not supported");
        }
        int ctx = md.getInt(p + "context_length", 2048);
        float eps = md.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        float theta = md.getFloat(p + "rope.freq_base", 10000f);
        int ropeDims = md.getInt(p + "rope.dimension_count", headDim);
        float ropeScale = 1f;
        String scalingType = md.getString(p + "rope.scaling.type", "none");
        switch (scalingType) {
            case "none" -> { }
            case "linear" -> ropeScale = md.getFloat(p + "rope.scaling.factor", 1f);
            default -> throw new ModelLoadException(p + "rope.scaling.type = '" + scalingType
                    + "' is not supported (supported: none, linear; Llama 3 scaling via rope_freqs)");
        }
        GgufTensorInfo embd = file.findTensor("token_embd.weight")
                .orElseThrow(() -> new ModelLoadException("tensor 'token_embd.weight' is missing"));
        if (embd.dims().length != 2) {
            throw new ModelLoadException("tensor 'token_embd.weight' must be 2-D, has " + embd.dims().length + " dims");
        }
        long vocab = embd.dims()[1];
        if (vocab <= 0 || vocab > Integer.MAX_VALUE) {
            throw new ModelLoadException("tensor 'token_embd.weight' has an invalid vocabulary size " + vocab);
        }
        try {
            return new ModelConfig(arch, layers, dim, ffn, heads, kvHeads, headDim, (int) vocab, ctx, eps, theta,
                    ropeDims, ropeType, ropeScale, qkvBias, qkNorm);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(arch + ": " + e.getMessage());
        }
    }

    private static int requireInt(GgufMetadata md, String key) throws IOException {
        if (!md.has(key)) {
            throw new ModelLoadException("metadata key '" + key + "' is missing");
        }
        return md.getInt(key);
    }
}
