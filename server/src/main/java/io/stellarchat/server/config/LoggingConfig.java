package io.stellarchat.server.config;

import java.util.Locale;
import java.util.Objects;

/**
 * Console logging.
 *
 * @param format human-readable text or one JSON object per line
 * @param level  the root level
 */
public record LoggingConfig(Format format, Level level) {
    public LoggingConfig {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(level, "level");
    }

    /** Log line layout. */
    public enum Format {
        TEXT, JSON;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Root log level. */
    public enum Level {
        TRACE, DEBUG, INFO, WARN, ERROR;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
