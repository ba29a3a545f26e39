package io.stellarchat.server.protocol;

import java.util.List;

/**
 * One generated token's log-probability.
 *
 * @param token   its text (the UTF-8 decoding of its bytes; may hold U+FFFD for part of a character)
 * @param logprob natural log of its probability
 * @param bytes   its bytes, or null when the answering model did not say (never changed)
 * @param top     the most likely alternatives at that position
 */
public record TokenLogprob(String token, float logprob, byte[] bytes, List<Alternative> top) {
    public TokenLogprob {
        top = List.copyOf(top);
    }

    /** An alternative token at the same position. */
    public record Alternative(String token, float logprob, byte[] bytes) {}
}
