package io.stellarchat.server.protocol;

import java.util.List;
import java.util.Objects;

/**
 * A model as {@code /v1/models} lists it.
 *
 * @param id            the name clients send
 * @param ownedBy       {@code stellarchat} for a local model, else the provider id
 * @param created       Unix seconds
 * @param contextLength tokens of context per request, or 0 when unknown (a remote model without one configured)
 * @param aliases       other accepted names
 * @param local         details of a model the local engine runs, or null for a remote one
 */
public record ModelInfo(String id, String ownedBy, long created, int contextLength, List<String> aliases,
                        LocalDetails local) {
    public ModelInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ownedBy, "ownedBy");
        aliases = List.copyOf(aliases);
    }

    /**
     * What the engine knows about a local model.
     *
     * @param architecture         {@code general.architecture}
     * @param parameters           number of weights
     * @param quantization         the dominant weight type
     * @param trainedContextLength the context it was trained for
     * @param vocabSize            tokens in its vocabulary
     * @param embeddingLength      width of its hidden states (and of its embeddings)
     * @param templateFallback     whether its chat template is the ChatML fallback
     */
    public record LocalDetails(String architecture, long parameters, String quantization, int trainedContextLength,
                               int vocabSize, int embeddingLength, boolean templateFallback) {}
}
