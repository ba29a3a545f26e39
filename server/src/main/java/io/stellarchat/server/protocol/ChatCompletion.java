package io.stellarchat.server.protocol;

import java.util.List;
import java.util.Objects;

/**
 * A whole answer, for a client that did not stream: what {@link ChatCollector} makes of a {@link ChatStream}.
 *
 * @param model    the model id to report (the fallback's, after a fallback)
 * @param upstream who answered ({@link ChatStream#upstream()})
 * @param choices  in index order
 * @param usage    of the whole answer
 */
public record ChatCompletion(String model, String upstream, List<Choice> choices, Usage usage) {
    public ChatCompletion {
        choices = List.copyOf(choices);
        Objects.requireNonNull(usage, "usage");
    }

    /**
     * One choice.
     *
     * @param index     its index
     * @param content   answer text
     * @param reasoning reasoning text, empty when none
     * @param toolCalls the calls it made
     * @param logprobs  per-token log-probabilities (empty unless requested)
     * @param finish    why it ended
     */
    public record Choice(int index, String content, String reasoning, List<ToolCall> toolCalls,
                         List<TokenLogprob> logprobs, FinishReason finish) {
        public Choice {
            toolCalls = List.copyOf(toolCalls);
            logprobs = List.copyOf(logprobs);
        }
    }
}
