package io.stellarchat.server.protocol;

import java.util.List;
import java.util.Objects;

/**
 * A rerank request: score each document's relevance to the query (Jina/Cohere/vLLM/llama.cpp {@code /v1/rerank}).
 *
 * @param model     the model id
 * @param query     the query text
 * @param documents the documents' texts, in request order
 * @param truncate  cut a query-document pair longer than the model's context instead of refusing it
 */
public record RerankRequest(String model, String query, List<String> documents, boolean truncate) {
    public RerankRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(query, "query");
        documents = List.copyOf(documents);
    }

    public RerankRequest withModel(String other) {
        return new RerankRequest(other, query, documents, truncate);
    }
}
