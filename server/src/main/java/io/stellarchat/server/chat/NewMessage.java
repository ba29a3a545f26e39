package io.stellarchat.server.chat;

import io.stellarchat.server.protocol.FinishReason;
import java.util.Objects;

/**
 * A whole message to append (stored {@link MessageStatus#COMPLETE}): a user, system or tool message, or an
 * assistant reply written in one go after its generation ended.
 *
 * @param role          who wrote it
 * @param content       its text, may be empty
 * @param toolCallsJson tool calls an assistant message makes, a JSON array, or null for none (reserved)
 * @param toolCallId    the call a tool message answers, or null (reserved)
 * @param finishReason  why an assistant reply ended, or null (user, system and tool messages)
 * @param tokens        token counts, {@link TokenCounts#NONE} where not counted
 * @param timings       timings, {@link Timings#NONE} where not measured
 */
public record NewMessage(MessageRole role, String content, String toolCallsJson, String toolCallId,
                         FinishReason finishReason, TokenCounts tokens, Timings timings) {
    public NewMessage {
        Objects.requireNonNull(role, "role");
        JsonText.requireText("content", content);
        if (toolCallsJson != null) JsonText.requireArray("toolCallsJson", toolCallsJson);
        if (toolCallId != null) JsonText.requireName("toolCallId", toolCallId);
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(timings, "timings");
        if (finishReason != null && role != MessageRole.ASSISTANT) {
            throw new IllegalArgumentException("only an assistant message has a finish reason, not a " + role.key() + " message");
        }
    }

    /** A plain user message. */
    public static NewMessage user(String content) {
        return new NewMessage(MessageRole.USER, content, null, null, null, TokenCounts.NONE, Timings.NONE);
    }

    /** A plain message of any role, no tool fields, no finish reason, no counts. */
    public static NewMessage of(MessageRole role, String content) {
        return new NewMessage(role, content, null, null, null, TokenCounts.NONE, Timings.NONE);
    }
}
