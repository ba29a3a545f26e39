package io.stellarchat.server.protocol;

import java.util.Locale;

/**
 * Why an answer (or a stored reply) ended: the one list used by every dialect, provider and the history store.
 * {@link #CANCELLED} is a stop asked for by the user or caused by a client that went away; {@link #ERROR} an
 * answer cut by a failure after it had begun.
 */
public enum FinishReason {
    STOP, LENGTH, TOOL_CALLS, CONTENT_FILTER, CANCELLED, ERROR;

    /** The stored and logged name, e.g. {@code tool_calls}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The reason named {@code key}; an unknown name is an {@link IllegalArgumentException}. */
    public static FinishReason fromKey(String key) {
        return valueOf(key.toUpperCase(Locale.ROOT));
    }
}
