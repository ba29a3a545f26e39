package io.stellarchat.server.chat;

import java.util.Locale;

/**
 * Why a stored reply ended. The engine's reasons map as: stop token or stop sequence → {@link #STOP},
 * length → {@link #LENGTH}, cancelled → {@link #CANCELLED}; a failed generation is {@link #ERROR}.
 */
public enum FinishReason {
    STOP, LENGTH, TOOL_CALLS, CANCELLED, ERROR;

    /** The stored name, e.g. {@code tool_calls}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    static FinishReason fromKey(String key) {
        return valueOf(key.toUpperCase(Locale.ROOT));
    }
}
