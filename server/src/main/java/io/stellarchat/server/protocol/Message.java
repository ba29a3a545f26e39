package io.stellarchat.server.protocol;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation.
 *
 * @param role       who wrote it
 * @param content    its parts, in order (may be empty: an assistant message holding only tool calls)
 * @param name       the participant's name, or null
 * @param toolCalls  the calls an assistant message made (empty otherwise)
 * @param toolCallId for a {@link Role#TOOL} message, the call it answers; else null
 */
public record Message(Role role, List<ContentPart> content, String name, List<ToolCall> toolCalls, String toolCallId) {
    public Message {
        Objects.requireNonNull(role, "role");
        content = List.copyOf(content);
        toolCalls = List.copyOf(toolCalls);
    }

    /** A plain text message. */
    public static Message text(Role role, String text) {
        return new Message(role, List.of(new ContentPart.Text(text)), null, List.of(), null);
    }

    /** The text parts joined with newlines (images left out). */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (ContentPart p : content) {
            if (p instanceof ContentPart.Text t) {
                if (!b.isEmpty()) {
                    b.append('\n');
                }
                b.append(t.text());
            }
        }
        return b.toString();
    }

    /** Whether any part is not text. */
    public boolean hasNonText() {
        return content.stream().anyMatch(p -> !(p instanceof ContentPart.Text));
    }
}
