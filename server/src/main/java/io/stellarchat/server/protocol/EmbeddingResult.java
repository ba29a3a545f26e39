package io.stellarchat.server.protocol;

import java.util.List;

/**
 * Embeddings, one per input in input order.
 *
 * @param vectors      the vectors (not changed after construction)
 * @param promptTokens tokens read
 */
public record EmbeddingResult(List<float[]> vectors, int promptTokens) {
    public EmbeddingResult {
        vectors = List.copyOf(vectors);
    }
}
