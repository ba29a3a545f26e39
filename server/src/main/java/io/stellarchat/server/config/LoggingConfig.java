package io.stellarchat.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Logging: the console, an optional rolling file beside it, levels per logger, and whether bodies are logged.
 *
 * @param format      human-readable text or one JSON object per line (console and file alike)
 * @param level       the root level
 * @param file        the log file (rolled by size and day), or null for the console only
 * @param maxFileSize a file rolls over when it reaches this size
 * @param maxHistory  days of rolled files kept
 * @param levels      levels of single loggers (by name, a package or a class), over the root level
 * @param bodies      whether request and response bodies are logged (DEBUG, logger {@code io.stellarchat.server.bodies});
 *                    off by default: they hold prompts and answers
 */
public record LoggingConfig(Format format, Level level, Path file, long maxFileSize, int maxHistory,
                            Map<String, Level> levels, boolean bodies) {
    public LoggingConfig {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(level, "level");
        levels = Map.copyOf(levels);
    }

    /** Console only, no per-logger levels. */
    public LoggingConfig(Format format, Level level) {
        this(format, level, null, 10L << 20, 7, Map.of(), false);
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

        /** The level named {@code text} (any case), or null. */
        public static Level parse(String text) {
            for (Level l : values()) {
                if (l.key().equalsIgnoreCase(text.strip())) return l;
            }
            return null;
        }
    }

    /** The {@code logger=level} entries of {@code logging.levels}, as the printer shows them. */
    public List<String> levelEntries() {
        return levels.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue().key()).toList();
    }
}
