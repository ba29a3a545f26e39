package io.stellarchat.server.chat;

import io.stellarchat.server.protocol.FinishReason;
import java.time.Instant;
import java.util.Objects;

/**
 * A stored message.
 *
 * @param id            time-ordered UUID string; within a session, id order is the conversation's order
 * @param sessionId     the session it belongs to
 * @param role          who wrote it
 * @param content       its text (empty while generating or when interrupted)
 * @param toolCallsJson tool calls (JSON array), or null
 * @param toolCallId    the tool call a tool message answers, or null
 * @param finishReason  why a reply ended, or null (not a reply, still generating, or interrupted)
 * @param status        generating, complete or interrupted
 * @param tokens        token counts
 * @param timings       timings
 * @param created       when it was created
 * @param feedback      the user's rating of a reply, or null
 * @param stopped       whether the user stopped this reply (its finish reason is then {@code stop})
 */
public record ChatMessage(String id, String sessionId, MessageRole role, String content, String toolCallsJson,
                          String toolCallId, FinishReason finishReason, MessageStatus status, TokenCounts tokens,
                          Timings timings, Instant created, Feedback feedback, boolean stopped) {
    /** Not stopped by the user. */
    public ChatMessage(String id, String sessionId, MessageRole role, String content, String toolCallsJson,
                       String toolCallId, FinishReason finishReason, MessageStatus status, TokenCounts tokens,
                       Timings timings, Instant created, Feedback feedback) {
        this(id, sessionId, role, content, toolCallsJson, toolCallId, finishReason, status, tokens, timings, created,
                feedback, false);
    }

    /** Without feedback. */
    public ChatMessage(String id, String sessionId, MessageRole role, String content, String toolCallsJson,
                       String toolCallId, FinishReason finishReason, MessageStatus status, TokenCounts tokens,
                       Timings timings, Instant created) {
        this(id, sessionId, role, content, toolCallsJson, toolCallId, finishReason, status, tokens, timings, created, null);
    }

    /**
     * A rating of a reply.
     *
     * @param rating  {@code up} or {@code down}
     * @param comment free text, or null
     * @param created when it was given (the last one counts)
     */
    public record Feedback(String rating, String comment, Instant created) {
        public Feedback {
            if (!"up".equals(rating) && !"down".equals(rating)) throw new IllegalArgumentException("rating must be up or down");
            Objects.requireNonNull(created, "created");
        }
    }

    public ChatMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(timings, "timings");
        Objects.requireNonNull(created, "created");
    }
}
