package io.stellarchat.server.config;

import java.util.Objects;

/**
 * A secret value (an API key). {@link #toString()} is masked so a secret cannot reach a log line or the
 * output of {@code stellar config} by accident; call {@link #reveal()} where the value is really needed.
 */
public record Secret(String value) {
    public Secret {
        Objects.requireNonNull(value, "value");
    }

    public String reveal() {
        return value;
    }

    /** The masked form: {@code ****} plus the last 4 characters when the secret is long enough to spare them. */
    public String masked() {
        return value.length() >= 16 ? "****" + value.substring(value.length() - 4) : "****";
    }

    @Override
    public String toString() {
        return masked();
    }
}
