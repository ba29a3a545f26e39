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

    /**
     * These weights with every matrix that is multiplied replaced by {@code f} of it (the small float vectors
     * kept), a tied output staying tied: {@code f} is applied once per distinct tensor. An untied token
     * embedding is only looked up, row by row, and stays as it is.
     */
    public ModelWeights map(java.util.function.UnaryOperator<Tensor> f) {
        java.util.Map<Tensor, Tensor> done = new java.util.IdentityHashMap<>();
        java.util.function.UnaryOperator<Tensor> once = t -> t == null ? null : done.computeIfAbsent(t, f);
        List<LayerWeights> mapped = new java.util.ArrayList<>(layers.size());
        for (LayerWeights l : layers) {
            mapped.add(new LayerWeights(l.attnNorm(), once.apply(l.wq()), once.apply(l.wk()), once.apply(l.wv()),
                    once.apply(l.wo()), l.bq(), l.bk(), l.bv(), l.qNorm(), l.kNorm(), l.ffnNorm(),
                    once.apply(l.wGate()), once.apply(l.wUp()), once.apply(l.wDown())));
        }
        Tensor embedding = tiedOutput() ? once.apply(tokenEmbedding) : tokenEmbedding;
        return new ModelWeights(embedding, List.copyOf(mapped), outputNorm, once.apply(output), ropeFreqs);
    }

    /** Whether the output projection reuses the token embedding matrix. */
    public boolean tiedOutput() {
        return output == tokenEmbedding;
    }
}
