package io.stellarchat.engine.model;

import io.stellarchat.engine.tensor.Tensor;

/**
 * The weights of one transformer block, bound by their GGUF names {@code blk.N.*}. Matrices stay in mapped
 * memory; the small vectors (norms, biases) are decoded to float arrays at load.
 *
 * @param attnNorm {@code attn_norm.weight} (dim)
 * @param wq       {@code attn_q.weight} [dim, qDim]
 * @param wk       {@code attn_k.weight} [dim, kvDim]
 * @param wv       {@code attn_v.weight} [dim, kvDim]
 * @param wo       {@code attn_output.weight} [qDim, dim]
 * @param bq       {@code attn_q.bias} (qDim), or {@code null} when the architecture has none
 * @param bk       {@code attn_k.bias} (kvDim) or {@code null}
 * @param bv       {@code attn_v.bias} (kvDim) or {@code null}
 * @param qNorm    {@code attn_q_norm.weight} (headDim) or {@code null}
 * @param kNorm    {@code attn_k_norm.weight} (headDim) or {@code null}
 * @param ffnNorm  {@code ffn_norm.weight} (dim)
 * @param wGate    {@code ffn_gate.weight} [dim, ffnDim]
 * @param wUp      {@code ffn_up.weight} [dim, ffnDim]
 * @param wDown    {@code ffn_down.weight} [ffnDim, dim]
 */
public record LayerWeights(
        float[] attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        float[] bq, float[] bk, float[] bv, float[] qNorm, float[] kNorm,
        float[] ffnNorm, Tensor wGate, Tensor wUp, Tensor wDown) {}
