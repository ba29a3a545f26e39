package io.stellarchat.server.protocol;

import java.util.List;
import java.util.Objects;

/**
 * An embeddings request.
 *
 * @param model      the model id
 * @param inputs     what to embed, one vector each
 * @param dimensions the client's {@code dimensions} (Matryoshka: the leading dimensions, renormalised), or null
 * @param truncate   cut inputs longer than the model's context to fit (keeping the end-of-input token), instead
 *                   of refusing them
 */
public record EmbeddingRequest(String model, List<Input> inputs, Integer dimensions, boolean truncate) {
    public EmbeddingRequest {
        Objects.requireNonNull(model, "model");
        inputs = List.copyOf(inputs);
    }

    /** A request that refuses inputs longer than the context. */
    public EmbeddingRequest(String model, List<Input> inputs, Integer dimensions) {
        this(model, inputs, dimensions, false);
    }

    public EmbeddingRequest withModel(String other) {
        return new EmbeddingRequest(other, inputs, dimensions, truncate);
    }

    /**
     * One input.
     *
     * @param param where it was in the request ({@code input}, {@code input[2]}), for errors
     */
    public sealed interface Input {
        String param();
    }

    /** Text, tokenized by the answering model. */
    public record Text(String text, String param) implements Input {}

    /** Token ids of the answering model's vocabulary (the array is not changed after construction). */
    public record Tokens(int[] ids, String param) implements Input {}
}
