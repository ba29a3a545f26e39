package io.stellarchat.engine.util;

/** Argument checks that throw precise exceptions; never {@code assert} on untrusted input. */
public final class Checks {
    private Checks() {}

    /** Throws {@link IllegalArgumentException} with {@code message} unless {@code condition}. */
    public static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
