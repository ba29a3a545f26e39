package io.stellarchat.engine.model;

import io.stellarchat.engine.util.Checks;

/**
 * Hyper-parameters of a decoder-only transformer of the Llama family, read from GGUF metadata by an
 * {@link Architecture}. Immutable.
 *
 * @param architecture    {@code general.architecture}, e.g. {@code llama}
 * @param layers          {@code <arch>.block_count}
 * @param dim             {@code <arch>.embedding_length}: width of the residual stream
 * @param ffnDim          {@code <arch>.feed_forward_length}
 * @param heads           {@code <arch>.attention.head_count}
 * @param kvHeads         {@code <arch>.attention.head_count_kv} (GQA: {@code heads % kvHeads == 0})
 * @param headDim         {@code <arch>.attention.key_length}, default {@code dim / heads}
 * @param vocabSize       rows of {@code token_embd.weight}
 * @param contextLength   {@code <arch>.context_length}: the trained context
 * @param rmsEps          {@code <arch>.attention.layer_norm_rms_epsilon}
 * @param ropeTheta       {@code <arch>.rope.freq_base}, default 10000
 * @param ropeDims        {@code <arch>.rope.dimension_count}: leading dims of a head that are rotated
 * @param ropeType        pairing of rotated dims (from the architecture, not the file)
 * @param ropeScale       linear position scale: positions are divided by it ({@code rope.scaling.factor}
 *                        when {@code rope.scaling.type} is {@code linear}), 1 otherwise
 * @param qkvBias         whether Q, K, V projections carry biases (qwen2)
 * @param qkNorm          whether each Q and K head is RMS-normalised before RoPE (qwen3)
 */
public record ModelConfig(
        String architecture,
        int layers,
        int dim,
        int ffnDim,
        int heads,
        int kvHeads,
        int headDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        int ropeDims,
        RopeType ropeType,
        float ropeScale,
        boolean qkvBias,
        boolean qkNorm) {

    public ModelConfig {
        Checks.require(layers > 0 && layers <= 1024, "block_count must be in 1..1024, got " + layers);
        Checks.require(dim > 0, "embedding_length must be positive, got " + dim);
        Checks.require(ffnDim > 0, "feed_forward_length must be positive, got " + ffnDim);
        Checks.require(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                "attention.head_count (" + heads + ") must be a positive multiple of head_count_kv (" + kvHeads + ")");
        Checks.require(headDim > 0 && headDim % 2 == 0, "head dimension must be positive and even, got " + headDim);
        Checks.require(ropeDims > 0 && ropeDims <= headDim && ropeDims % 2 == 0,
                "rope.dimension_count must be even and in 2.." + headDim + ", got " + ropeDims);
        Checks.require(vocabSize > 0, "vocabulary size must be positive, got " + vocabSize);
        Checks.require(contextLength > 0, "context_length must be positive, got " + contextLength);
        Checks.require(rmsEps > 0 && rmsEps < 1, "layer_norm_rms_epsilon must be in (0, 1), got " + rmsEps);
        Checks.require(ropeTheta > 0, "rope.freq_base must be positive, got " + ropeTheta);
        Checks.require(ropeScale > 0, "rope scaling factor must be positive, got " + ropeScale);
    }

    /** Width of all query heads together: {@code heads * headDim}. */
    public int qDim() {
        return heads * headDim;
    }

    /** Width of all key (or value) heads together: {@code kvHeads * headDim}. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Query heads that share one KV head. */
    public int groupSize() {
        return heads / kvHeads;
    }
}
