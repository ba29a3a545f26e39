package io.stellarchat.engine.model;

import io.stellarchat.engine.util.Checks;

/**
 * Hyper-parameters of a bidirectional encoder of the BERT family (BERT, BGE, E5, GTE, MiniLM, nomic-bert and the
 * cross-encoders llama.cpp writes as {@code bert} with a classifier head), read from GGUF metadata. Immutable.
 *
 * @param architecture  {@code general.architecture}: {@code bert} or {@code nomic-bert}
 * @param layers        {@code <arch>.block_count}
 * @param dim           {@code <arch>.embedding_length}
 * @param ffnDim        {@code <arch>.feed_forward_length}
 * @param heads         {@code <arch>.attention.head_count} (no grouped KV heads in these models)
 * @param vocabSize     rows of {@code token_embd.weight}
 * @param contextLength {@code <arch>.context_length}: the longest input (rows of {@code position_embd} for bert)
 * @param normEps       {@code <arch>.attention.layer_norm_epsilon} of every LayerNorm
 * @param pooling       {@code <arch>.pooling_type}
 * @param rotary        positions by RoPE on Q and K (nomic-bert, NEOX pairing) instead of learned
 *                      {@code position_embd} rows added to the input (bert)
 * @param ropeTheta     {@code <arch>.rope.freq_base} (rotary only)
 * @param gatedFfn      {@code silu(x·Wgate) * (x·Wup)} without biases (nomic-bert) instead of {@code gelu(x·Wup + b)} (bert)
 * @param fusedQkv      one {@code attn_qkv} matrix (nomic-bert) instead of {@code attn_q/k/v} with biases (bert)
 * @param tokenTypes    rows of {@code token_types.weight}; every input uses row 0 (sentence A), as llama.cpp does
 */
public record EncoderConfig(
        String architecture, int layers, int dim, int ffnDim, int heads, int vocabSize, int contextLength,
        float normEps, Pooling pooling, boolean rotary, float ropeTheta, boolean gatedFfn, boolean fusedQkv,
        int tokenTypes) {

    public EncoderConfig {
        Checks.require(layers > 0 && layers <= 1024, "block_count must be in 1..1024, got " + layers);
        Checks.require(dim > 0, "embedding_length must be positive, got " + dim);
        Checks.require(ffnDim > 0, "feed_forward_length must be positive, got " + ffnDim);
        Checks.require(heads > 0 && dim % heads == 0, "attention.head_count (" + heads
                + ") must divide embedding_length (" + dim + ")");
        Checks.require((dim / heads) % 2 == 0, "head dimension must be even, got " + dim / heads);
        Checks.require(vocabSize > 0, "vocabulary size must be positive, got " + vocabSize);
        Checks.require(contextLength > 0, "context_length must be positive, got " + contextLength);
        Checks.require(normEps > 0 && normEps < 1, "layer_norm_epsilon must be in (0, 1), got " + normEps);
        Checks.require(!rotary || ropeTheta > 0, "rope.freq_base must be positive, got " + ropeTheta);
        Checks.require(tokenTypes > 0, "token_types.weight must have at least one row, got " + tokenTypes);
    }

    public int headDim() {
        return dim / heads;
    }

    /**
     * The fields a decoder's {@link ModelConfig} shares with this, for callers that only read sizes (width,
     * vocabulary, context): no KV groups, the whole head rotated, the LayerNorm epsilon as the norm epsilon.
     */
    public ModelConfig asModelConfig() {
        return new ModelConfig(architecture, layers, dim, ffnDim, heads, heads, headDim(), vocabSize, contextLength,
                normEps, rotary ? ropeTheta : 10000f, headDim(), RopeType.NEOX, 1f, !fusedQkv, false);
    }
}
