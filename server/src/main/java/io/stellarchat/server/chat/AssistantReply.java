package io.stellarchat.server.chat;

import io.stellarchat.server.protocol.FinishReason;
import java.util.Objects;

/**
 * How a generation ended, to finish a {@link MessageStatus#GENERATING} reply.
 *
 * @param content       whatever text was produced (all of it, also when cancelled or failed)
 * @param finishReason  why it ended
 * @param tokens        token counts
 * @param timings       timings
 * @param toolCallsJson tool calls made, a JSON array, or null (reserved)
 */
public record AssistantReply(String content, FinishReason finishReason, TokenCounts tokens, Timings timings,
                             String toolCallsJson, boolean stopped) {
    /** Not stopped by the user. */
    public AssistantReply(String content, FinishReason finishReason, TokenCounts tokens, Timings timings,
                          String toolCallsJson) {
        this(content, finishReason, tokens, timings, toolCallsJson, false);
    }

    public AssistantReply {
        JsonText.requireText("content", content);
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(timings, "timings");
        if (toolCallsJson != null) JsonText.requireArray("toolCallsJson", toolCallsJson);
    }

    public static AssistantReply of(String content, FinishReason finishReason, TokenCounts tokens, Timings timings) {
        return new AssistantReply(content, finishReason, tokens, timings, null);
    }
}
