package io.stellarchat.server.protocol;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link ChatStream} yields, in order: deltas and ends of choices, then exactly one {@link Done}.
 * Choices may interleave (a remote upstream with {@code n > 1}); each choice's events are in order.
 */
public sealed interface ChatEvent {

    /**
     * More of a choice.
     *
     * @param index     the choice
     * @param content   answer text (complete UTF-8 characters; may be empty)
     * @param reasoning reasoning text ({@code reasoning_content}), empty when none
     * @param toolCalls pieces of tool calls
     * @param logprobs  log-probabilities of the tokens this delta holds (empty unless requested)
     */
    record Delta(int index, String content, String reasoning, List<ToolCallDelta> toolCalls,
                 List<TokenLogprob> logprobs) implements ChatEvent {
        public Delta {
            Objects.requireNonNull(content, "content");
            Objects.requireNonNull(reasoning, "reasoning");
            toolCalls = List.copyOf(toolCalls);
            logprobs = List.copyOf(logprobs);
        }

        public static Delta text(int index, String text) {
            return new Delta(index, text, "", List.of(), List.of());
        }
    }

    /** A choice ended. */
    record ChoiceEnd(int index, FinishReason reason) implements ChatEvent {
        public ChoiceEnd {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Every choice ended; the usage of the whole answer. Nothing follows. */
    record Done(Usage usage) implements ChatEvent {
        public Done {
            Objects.requireNonNull(usage, "usage");
        }
    }
}
