package io.stellarchat.server.protocol;

import java.util.Locale;

/** Who wrote a message. {@code developer} is OpenAI's newer name for a system message; kept apart so it can be passed on. */
public enum Role {
    SYSTEM, DEVELOPER, USER, ASSISTANT, TOOL;

    /** The lower-case name every dialect we speak uses. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
