package io.stellarchat.server.config;

import java.util.Locale;
import java.util.Objects;

/**
 * One configuration key: its dotted path in the YAML tree, its default (in the same text form a user would
 * write), what values are allowed, and whether it is secret. The environment variable name is derived from
 * the path: {@code server.max_body_bytes} → {@code STELLAR_SERVER_MAX_BODY_BYTES}.
 *
 * <p>A path of one segment ({@code providers}) is a top-level YAML-only list: its own section, of which it is
 * the only key.
 *
 * @param path         dotted YAML path, snake_case
 * @param defaultText  the default as text, empty for an empty list
 * @param allowed      human description of the allowed values, used in error messages and the README
 * @param secret       masked when printed
 * @param fromEnv      whether an environment variable may set it (false for structured values)
 * @param description  one line for the README reference
 */
public record ConfigKey(String path, String defaultText, String allowed, boolean secret, boolean fromEnv,
                        String description) {
    /** Prefix of every environment variable. */
    public static final String ENV_PREFIX = "STELLAR_";

    public ConfigKey {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(defaultText, "defaultText");
        Objects.requireNonNull(allowed, "allowed");
        Objects.requireNonNull(description, "description");
        if (!path.matches("[a-z]+(\\.[a-z_]+)*")) throw new IllegalArgumentException("bad key path: " + path);
    }

    /** The environment variable that sets this key, e.g. {@code STELLAR_SERVER_PORT}; empty if none. */
    public String envVar() {
        return fromEnv ? ENV_PREFIX + path.replace('.', '_').toUpperCase(Locale.ROOT) : "";
    }

    /** The first path segment, e.g. {@code server}. */
    public String section() {
        return topLevel() ? path : path.substring(0, path.indexOf('.'));
    }

    /** The path without its section, e.g. {@code max_body_bytes}; a top-level key's name is its path. */
    public String name() {
        return topLevel() ? path : path.substring(path.indexOf('.') + 1);
    }

    /** Whether the key is a whole top-level section of its own ({@code providers}). */
    public boolean topLevel() {
        return path.indexOf('.') < 0;
    }
}
