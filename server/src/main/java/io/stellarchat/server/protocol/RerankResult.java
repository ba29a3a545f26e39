package io.stellarchat.server.protocol;

import java.util.List;

/**
 * Relevance scores, one per document in request order (the edge sorts and cuts to {@code top_n}).
 *
 * @param scores       higher is more relevant; a cross-encoder's score is in (0, 1) (the sigmoid of its logit),
 *                     an embedding model's is the cosine similarity of query and document
 * @param promptTokens tokens read
 */
public record RerankResult(List<Double> scores, int promptTokens) {
    public RerankResult {
        scores = List.copyOf(scores);
    }
}
