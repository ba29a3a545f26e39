package io.stellarchat.engine.model;

import io.stellarchat.engine.tensor.Tensor;
import java.util.List;

/**
 * All weights of an encoder, bound by their GGUF names (llama.cpp's {@code LLM_ARCH_BERT} / {@code NOMIC_BERT}
 * tensor table). Matrices stay in mapped memory; vectors are decoded to floats at load.
 *
 * @param tokenEmbedding {@code token_embd.weight} [dim, vocab]
 * @param tokenTypes     {@code token_types.weight} [dim, types]: row 0 is added to every input
 * @param positions      {@code position_embd.weight} [dim, context] (bert) or {@code null} (rotary)
 * @param embedNorm      {@code token_embd_norm.weight} (dim) — the LayerNorm right after the embeddings
 * @param embedNormBias  {@code token_embd_norm.bias} (dim)
 * @param layers         one entry per block
 * @param cls            {@code cls.weight} [dim, dim] of the classifier head (rank pooling), or {@code null}
 * @param clsBias        {@code cls.bias} (dim) or {@code null}
 * @param clsOut         {@code cls.output.weight} [dim, labels] or {@code null} (some heads end at {@code cls})
 * @param clsOutBias     {@code cls.output.bias} (labels) or {@code null}
 */
public record EncoderWeights(
        Tensor tokenEmbedding, Tensor tokenTypes, Tensor positions, float[] embedNorm, float[] embedNormBias,
        List<Layer> layers, Tensor cls, float[] clsBias, Tensor clsOut, float[] clsOutBias) {

    /**
     * One block, post-LayerNorm: {@code h = LN(x + attn(x))}, {@code x' = LN(h + ffn(h))}.
     *
     * @param wqkv        {@code attn_qkv.weight} [dim, 3·dim] (nomic-bert) or {@code null}
     * @param wq          {@code attn_q.weight} [dim, dim] (bert) or {@code null}; likewise wk, wv
     * @param bq          {@code attn_q.bias} (dim) (bert) or {@code null}; likewise bk, bv
     * @param wo          {@code attn_output.weight} [dim, dim]
     * @param bo          {@code attn_output.bias} (dim) (bert) or {@code null}
     * @param attnNorm    {@code attn_output_norm.weight}, {@code .bias} (dim): the LayerNorm after attention
     * @param wUp         {@code ffn_up.weight} [dim, ffnDim]
     * @param bUp         {@code ffn_up.bias} (ffnDim) (bert) or {@code null}
     * @param wGate       {@code ffn_gate.weight} [dim, ffnDim] (nomic-bert) or {@code null}
     * @param wDown       {@code ffn_down.weight} [ffnDim, dim]
     * @param bDown       {@code ffn_down.bias} (dim) (bert) or {@code null}
     * @param outNorm     {@code layer_output_norm.weight}, {@code .bias} (dim): the LayerNorm after the FFN
     */
    public record Layer(
            Tensor wqkv, Tensor wq, Tensor wk, Tensor wv, float[] bq, float[] bk, float[] bv,
            Tensor wo, float[] bo, float[] attnNorm, float[] attnNormBias,
            Tensor wUp, float[] bUp, Tensor wGate, Tensor wDown, float[] bDown,
            float[] outNorm, float[] outNormBias) {}

    /** Values the classifier head puts out per input (rank pooling), 0 without a head. */
    public int labels() {
        if (cls == null) {
            return 0;
        }
        return clsOut == null ? cls.rows() : clsOut.rows();
    }
}
