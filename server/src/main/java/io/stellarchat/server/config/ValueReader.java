package io.stellarchat.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns raw layered values (JSON nodes with their origin) into typed values. A bad value is recorded as a
 * problem naming the key, the value, its origin and what is allowed, and the key's default is used instead
 * so that all problems are found in one pass.
 */
final class ValueReader {
    /** A raw value and where it came from. */
    record Raw(JsonNode node, String origin) {}

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    static final long MAX_BODY = 2L << 30;
    static final long MIN_KV_CACHE = 1L << 20;
    static final long MAX_KV_CACHE = 1L << 40;
    static final Duration MAX_DRAIN = Duration.ofHours(1);

    private final List<String> problems = new ArrayList<>();

    List<String> problems() {
        return problems;
    }

    void problem(String where, Raw raw, String what) {
        problem(where, raw, what, false);
    }

    void problem(String where, Raw raw, String what, boolean secret) {
        String value = secret ? "\"****\"" : show(raw.node());
        problems.add(where + " = " + value + " (from " + raw.origin() + "): " + what);
    }

    void problem(ConfigKey key, Raw raw, String what) {
        problem(key.path(), raw, what + "; allowed: " + key.allowed(), key.secret());
    }

    String string(ConfigKey key, Raw raw) {
        if (!raw.node().isValueNode() || raw.node().isNull()) {
            problem(key, raw, "wrong type, expected a string");
            return key.defaultText();
        }
        String s = raw.node().asText().strip();
        if (s.isEmpty()) {
            problem(key, raw, "must not be empty");
            return key.defaultText();
        }
        return s;
    }

    /** A string that may be empty (stripped). */
    String text(ConfigKey key, Raw raw) {
        if (!raw.node().isValueNode() || raw.node().isNull()) {
            problem(key, raw, "wrong type, expected a string");
            return key.defaultText();
        }
        return raw.node().asText().strip();
    }

    /** Empty, or a JDBC URL of a database the store supports. */
    String jdbcUrl(ConfigKey key, Raw raw) {
        String s = text(key, raw);
        if (s.isEmpty() || s.startsWith("jdbc:postgresql:") || s.startsWith("jdbc:sqlite:")) return s;
        problem(key, raw, "unsupported database URL");
        return key.defaultText();
    }

    Path path(ConfigKey key, Raw raw) {
        return Path.of(string(key, raw));
    }

    int integer(String where, ConfigKey key, Raw raw, int min, int max) {
        return integer(where, key.allowed(), raw, min, max, fallbackInt(key, min));
    }

    /** An integer in {@code [min, max]} at a nested path; {@code fallback} when it is bad. */
    int integer(String where, String allowed, Raw raw, int min, int max, int fallback) {
        return (int) count(where, allowed, raw, min, max, fallback);
    }

    /** A whole number in {@code [min, max]} (up to 18 digits) of a top-level key. */
    long count(ConfigKey key, Raw raw, long min, long max) {
        return count(key.path(), key.allowed(), raw, min, max,
                key.defaultText().matches("\\d+") ? Long.parseLong(key.defaultText()) : min);
    }

    /** A whole number in {@code [min, max]} at a nested path; {@code fallback} when it is bad. */
    long count(String where, String allowed, Raw raw, long min, long max, long fallback) {
        JsonNode n = raw.node();
        long v;
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            v = n.asLong();
        } else if (n.isTextual() && n.asText().strip().matches("-?\\d{1,18}")) {
            v = Long.parseLong(n.asText().strip());
        } else {
            problem(where, raw, "wrong type, expected an integer; allowed: " + allowed);
            return fallback;
        }
        if (v < min || v > max) {
            problem(where, raw, "out of range; allowed: " + allowed);
            return fallback;
        }
        return v;
    }

    private static int fallbackInt(ConfigKey key, int min) {
        return key.defaultText().matches("\\d+") ? Integer.parseInt(key.defaultText()) : min;
    }

    long size(ConfigKey key, Raw raw, long min, long max) {
        JsonNode n = raw.node();
        String text = n.isIntegralNumber() ? n.asText() : n.isTextual() ? n.asText().strip() : null;
        if (text == null) {
            problem(key, raw, "wrong type, expected a size");
            return parseSize(key.defaultText());
        }
        if (text.startsWith("-")) {
            problem(key, raw, "must not be negative");
            return parseSize(key.defaultText());
        }
        Matcher m = SIZE.matcher(text);
        if (!m.matches() || m.group(1).length() > 12) {
            problem(key, raw, "not a size");
            return parseSize(key.defaultText());
        }
        long v = parseSize(text);
        if (v < min || v > max) {
            problem(key, raw, "out of range");
            return parseSize(key.defaultText());
        }
        return v;
    }

    static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) throw new IllegalArgumentException("not a size: " + text);
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        return switch (unit) {
            case "KiB" -> n << 10;
            case "MiB" -> n << 20;
            case "GiB" -> n << 30;
            default -> n;
        };
    }

    Duration duration(ConfigKey key, Raw raw, Duration max) {
        return duration(key, raw, Duration.ZERO, max);
    }

    /** A duration in {@code [min, max]}. */
    Duration duration(ConfigKey key, Raw raw, Duration min, Duration max) {
        return duration(key.path(), key.allowed(), raw, min, max, parseDuration(key.defaultText()));
    }

    /** A duration in {@code [min, max]} at a nested path; {@code fallback} when it is bad. */
    Duration duration(String where, String allowed, Raw raw, Duration min, Duration max, Duration fallback) {
        JsonNode n = raw.node();
        if (!n.isTextual()) {
            problem(where, raw, "wrong type, expected a duration such as \"10s\"; allowed: " + allowed);
            return fallback;
        }
        String text = n.asText().strip();
        if (text.startsWith("-")) {
            problem(where, raw, "must not be negative; allowed: " + allowed);
            return fallback;
        }
        Matcher m = DURATION.matcher(text);
        if (!m.matches() || m.group(1).length() > 9) {
            problem(where, raw, "not a duration; allowed: " + allowed);
            return fallback;
        }
        Duration d = parseDuration(text);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            problem(where, raw, "out of range; allowed: " + allowed);
            return fallback;
        }
        return d;
    }

    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) throw new IllegalArgumentException("not a duration: " + text);
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** A number in [min, max] (a YAML number or its text). */
    double decimal(ConfigKey key, Raw raw, double min, double max) {
        JsonNode n = raw.node();
        double v;
        if (n.isNumber()) {
            v = n.asDouble();
        } else if (n.isTextual()) {
            try {
                v = Double.parseDouble(n.asText().strip());
            } catch (NumberFormatException e) {
                problem(key, raw, "not a number; allowed: " + key.allowed());
                return Double.parseDouble(key.defaultText());
            }
        } else {
            problem(key, raw, "wrong type, expected a number; allowed: " + key.allowed());
            return Double.parseDouble(key.defaultText());
        }
        if (!(v >= min && v <= max)) {
            problem(key, raw, "out of range; allowed: " + key.allowed());
            return Double.parseDouble(key.defaultText());
        }
        return v;
    }

    boolean bool(ConfigKey key, Raw raw) {
        JsonNode n = raw.node();
        if (n.isBoolean()) return n.asBoolean();
        if (n.isTextual()) {
            switch (n.asText().strip().toLowerCase(Locale.ROOT)) {
                case "true" -> { return true; }
                case "false" -> { return false; }
                default -> { }
            }
        }
        problem(key, raw, "wrong type, expected a boolean");
        return Boolean.parseBoolean(key.defaultText());
    }

    <E extends Enum<E>> E choice(ConfigKey key, Raw raw, Class<E> type) {
        E fallback = Enum.valueOf(type, key.defaultText().toUpperCase(Locale.ROOT));
        return choice(key.path(), key.allowed(), raw, type, fallback);
    }

    /** One of an enum's constants, written in lower case in YAML; {@code fallback} when it is bad. */
    <E extends Enum<E>> E choice(String where, String allowed, Raw raw, Class<E> type, E fallback) {
        if (!raw.node().isTextual()) {
            problem(where, raw, "wrong type, expected a string; allowed: " + allowed);
            return fallback;
        }
        String s = raw.node().asText().strip().toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(s)) return e;
        }
        problem(where, raw, "not one of the allowed values; allowed: " + allowed);
        return fallback;
    }

    /** A list of strings: a YAML sequence of scalars, or (from env and flags) one comma-separated string. */
    List<String> strings(String where, ConfigKey key, Raw raw) {
        JsonNode n = raw.node();
        List<String> out = new ArrayList<>();
        if (n.isTextual()) {
            for (String part : n.asText().split(",")) {
                if (!part.isBlank()) out.add(part.strip());
            }
            return out;
        }
        if (!n.isArray()) {
            problem(where, raw, "wrong type, expected a list; allowed: " + key.allowed(), key.secret());
            return List.of();
        }
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isValueNode() || e.isNull() || e.asText().isBlank()) {
                problem(where + "[" + i + "]", new Raw(e, raw.origin()), "expected a non-empty string", key.secret());
            } else {
                out.add(e.asText().strip());
            }
        }
        return out;
    }

    static String show(JsonNode n) {
        String s = n.isTextual() ? "\"" + n.asText() + "\"" : n.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
