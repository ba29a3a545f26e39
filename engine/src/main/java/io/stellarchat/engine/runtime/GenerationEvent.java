package io.stellarchat.engine.runtime;

import io.stellarchat.engine.sampling.TokenLogprob;
import java.util.List;

/** What a generation streams to its consumer, in order. */
public sealed interface GenerationEvent {

    /**
     * A generated token.
     *
     * @param token   its id
     * @param text    text that became final with this token: complete UTF-8 characters, stop-sequence
     *                candidates held back (may be empty; concatenating all texts gives the output)
     * @param logprob log-probability of the token under the model's distribution
     * @param top     the most likely alternatives, when requested (else empty)
     */
    record Token(int token, String text, float logprob, List<TokenLogprob> top) implements GenerationEvent {}

    /** Held-back text released when the generation ends (e.g. a partial stop-sequence prefix). */
    record Tail(String text) implements GenerationEvent {}
}
