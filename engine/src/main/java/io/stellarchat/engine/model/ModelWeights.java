package io.stellarchat.engine.model;

import io.stellarchat.engine.tensor.Tensor;
import java.util.List;

/**
 * All weights of a model.
 *
 * @param tokenEmbedding {@code token_embd.weight} [dim, vocab]: row t is the embedding of token t
 * @param layers         one entry per block
 * @param outputNorm     {@code output_norm.weight} (dim)
 * @param output         {@code output.weight} [dim, vocab], or the token embedding when tied
 * @param ropeFreqs      {@code rope_freqs.weight} (ropeDims/2): per-pair divisors of the rotation frequency
 *                       (Llama 3.1 long-context scaling), or {@code null}
 */
public record ModelWeights(
        Tensor tokenEmbedding, List<LayerWeights> layers, float[] outputNorm, Tensor output, float[] ropeFreqs) {

    /** Whether the output projection reuses the token embedding matrix. */
    public boolean tiedOutput() {
        return output == tokenEmbedding;
    }
}
