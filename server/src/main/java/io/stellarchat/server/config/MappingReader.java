package io.stellarchat.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One YAML mapping inside a structured key ({@code providers[1]}, {@code providers[1].timeouts},
 * {@code models.list[0].retries}): its fields read by name with the typed {@link ValueReader} methods, every
 * problem named by the full path of the field ({@code providers[1].timeouts.idle}). Unknown fields are
 * reported once, when the mapping is opened, with the allowed ones.
 *
 * <p>Confined to the thread that loads the configuration, like {@link ValueReader}.
 */
final class MappingReader {
    private final JsonNode node;
    private final String where;
    private final String origin;
    private final ValueReader r;
    private boolean clean = true;

    private MappingReader(JsonNode node, String where, String origin, ValueReader r) {
        this.node = node;
        this.where = where;
        this.origin = origin;
        this.r = r;
    }

    /**
     * Opens {@code node} as a mapping with the given fields, or records a problem and returns null when it is
     * not a mapping.
     */
    static MappingReader open(JsonNode node, String where, String origin, ValueReader r, List<String> fields) {
        if (!node.isObject()) {
            r.problem(where, new ValueReader.Raw(node, origin),
                    "wrong type, expected a mapping of " + String.join(", ", fields));
            return null;
        }
        MappingReader m = new MappingReader(node, where, origin, r);
        for (var f : node.properties()) {
            if (!fields.contains(f.getKey())) {
                r.problem(where + "." + f.getKey(), new ValueReader.Raw(f.getValue(), origin),
                        "unknown key; allowed: " + String.join(", ", fields));
                m.clean = false;
            }
        }
        return m;
    }

    /** Whether the mapping had no unknown fields and no field read so far was bad. */
    boolean clean() {
        return clean;
    }

    /** Marks the mapping as bad (a cross-field check failed). */
    void reject() {
        clean = false;
    }

    String where() {
        return where;
    }

    String origin() {
        return origin;
    }

    /** The reader problems are recorded in. */
    ValueReader values() {
        return r;
    }

    /** Records that a required field is missing, with a hint on what to write. */
    void missing(String field, String hint) {
        r.problems().add(path(field) + " is missing (required)" + (hint.isEmpty() ? "" : ": " + hint));
        clean = false;
    }

    String path(String field) {
        return where + "." + field;
    }

    /** Whether the field is present and not null. */
    boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    ValueReader.Raw raw(String field) {
        return new ValueReader.Raw(node.get(field), origin);
    }

    /** Records a problem about one field's value. */
    void problem(String field, String what) {
        r.problem(path(field), raw(field), what);
        clean = false;
    }

    /** Records a problem about the whole mapping. */
    void problemHere(String what) {
        r.problem(where, new ValueReader.Raw(node, origin), what);
        clean = false;
    }

    /** A required non-empty string, stripped; null (and a problem) when it is missing or bad. */
    String requiredText(String field) {
        if (!has(field)) {
            missing(field, "");
            return null;
        }
        return text(field, null);
    }

    /** An optional non-empty string, stripped; {@code fallback} when absent, null (and a problem) when bad. */
    String text(String field, String fallback) {
        if (!has(field)) return fallback;
        JsonNode v = node.get(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            problem(field, "expected a non-empty string");
            return null;
        }
        return v.asText().strip();
    }

    int integer(String field, String allowed, int min, int max, int fallback) {
        if (!has(field)) return fallback;
        return counted(() -> r.integer(path(field), allowed, raw(field), min, max, fallback));
    }

    /** An optional boolean ({@code true}/{@code false}, also as strings); {@code fallback} when absent or bad. */
    boolean bool(String field, boolean fallback) {
        if (!has(field)) return fallback;
        JsonNode v = node.get(field);
        if (v.isBoolean()) return v.asBoolean();
        if (v.isTextual() && (v.asText().strip().equalsIgnoreCase("true") || v.asText().strip().equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(v.asText().strip());
        }
        problem(field, "expected true or false");
        return fallback;
    }

    Duration duration(String field, String allowed, Duration min, Duration max, Duration fallback) {
        if (!has(field)) return fallback;
        return counted(() -> r.duration(path(field), allowed, raw(field), min, max, fallback));
    }

    <E extends Enum<E>> E choice(String field, String allowed, Class<E> type, E fallback) {
        if (!has(field)) return fallback;
        return counted(() -> r.choice(path(field), allowed, raw(field), type, fallback));
    }

    /** A list of non-empty strings; empty when absent. */
    List<String> strings(String field, ConfigKey key) {
        if (!has(field)) return List.of();
        return counted(() -> r.strings(path(field), key, raw(field)));
    }

    /** The field's list elements, empty when absent; a problem (and empty) when the field is not a list. */
    List<JsonNode> list(String field) {
        if (!has(field)) return List.of();
        JsonNode v = node.get(field);
        if (!v.isArray()) {
            problem(field, "wrong type, expected a list");
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    /** The field as a nested mapping with the given fields; null when absent or not a mapping. */
    MappingReader child(String field, List<String> fields) {
        if (!has(field)) return null;
        MappingReader m = open(node.get(field), path(field), origin, r, fields);
        if (m == null || !m.clean) clean = false;
        return m;
    }

    /** Folds a child's problems into this mapping's state. */
    void absorb(MappingReader child) {
        if (child != null && !child.clean) clean = false;
    }

    private <T> T counted(java.util.function.Supplier<T> read) {
        int before = r.problems().size();
        T value = read.get();
        if (r.problems().size() > before) clean = false;
        return value;
    }
}
