package io.stellarchat.server.api.openai;

import io.stellarchat.engine.runtime.FinishReason;
import io.stellarchat.engine.runtime.Usage;
import io.stellarchat.engine.sampling.TokenLogprob;
import java.util.List;

/**
 * One finished choice.
 *
 * @param index        the choice's index in the response
 * @param text         generated text
 * @param finishReason why it ended
 * @param usage        token counts and timings
 * @param tokens       per-token log-probabilities (empty unless requested)
 */
record ChoiceResult(int index, String text, FinishReason finishReason, Usage usage, List<TokenInfo> tokens) {

    /** One generated token with its log-probability and alternatives. */
    record TokenInfo(int token, String text, float logprob, List<TokenLogprob> top) {}

    /** OpenAI's {@code finish_reason}. */
    static String wire(FinishReason r) {
        return switch (r) {
            case STOP_TOKEN, STOP_SEQUENCE, CANCELLED -> "stop";
            case LENGTH -> "length";
        };
    }
}
