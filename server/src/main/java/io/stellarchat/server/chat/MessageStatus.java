package io.stellarchat.server.chat;

import java.util.Locale;

/**
 * Where a message is in its life. Transitions: {@code GENERATING → COMPLETE} ({@code finishAssistantMessage})
 * or {@code GENERATING → INTERRUPTED} ({@code markInterrupted} after a crash, or the lease sweep once its instance's lease expired); appended messages start
 * {@code COMPLETE}. {@code COMPLETE} and {@code INTERRUPTED} are final.
 */
public enum MessageStatus {
    /** An assistant reply whose generation is running; its content is empty until it finishes. */
    GENERATING,
    /** Written whole: a user, system or tool message, or a reply whose generation ended (any finish reason). */
    COMPLETE,
    /** A reply that was generating when the process died; its text is lost. */
    INTERRUPTED;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    static MessageStatus fromKey(String key) {
        return valueOf(key.toUpperCase(Locale.ROOT));
    }
}
