package io.stellarchat.server.chat;

import java.util.Locale;

/** Who wrote a message. Stored as the lower-case name ({@code user}), the OpenAI role name. */
public enum MessageRole {
    SYSTEM, USER, ASSISTANT, TOOL;

    /** The stored and wire name, e.g. {@code assistant}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    static MessageRole fromKey(String key) {
        return valueOf(key.toUpperCase(Locale.ROOT));
    }
}
