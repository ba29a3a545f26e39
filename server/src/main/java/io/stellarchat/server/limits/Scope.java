package io.stellarchat.server.limits;

import java.util.Locale;
import java.util.Optional;

/** What a key may do; the wire names are the lower-case constant names. */
public enum Scope {
    /** Chat and text completions, model lists, tokenizing. */
    CHAT,
    /** Embeddings. */
    EMBEDDINGS,
    /** Chat sessions and their history (REST and WebSocket). */
    SESSIONS,
    /** {@code /v1/admin/*}: models, providers, keys, audit. */
    ADMIN;

    /** The wire name. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The scope with this wire name. */
    public static Optional<Scope> parse(String wire) {
        for (Scope s : values()) if (s.wire().equals(wire)) return Optional.of(s);
        return Optional.empty();
    }
}
