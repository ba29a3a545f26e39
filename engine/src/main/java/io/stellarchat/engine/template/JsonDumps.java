package io.stellarchat.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(value, ensure_ascii, indent, separators, sort_keys)}, which Hugging Face installs as
 * the {@code tojson} filter. Defaults: separators {@code ", "} and {@code ": "} without indent, {@code ","} and
 * {@code ": "} with it; floats as {@code repr}; keys in insertion order unless sorted.
 */
final class JsonDumps {
    private final boolean ensureAscii;
    private final String indent;
    private final String itemSep;
    private final String keySep;
    private final boolean sortKeys;
    private final int maxChars;

    JsonDumps(boolean ensureAscii, String indent, String itemSep, String keySep, boolean sortKeys, int maxChars) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSep = itemSep != null ? itemSep : (indent == null ? ", " : ",");
        this.keySep = keySep != null ? keySep : ": ";
        this.sortKeys = sortKeys;
        this.maxChars = maxChars;
    }

    String dumps(Object v) throws TemplateException {
        StringBuilder sb = new StringBuilder();
        write(v, sb, 0);
        return sb.toString();
    }

    private void newline(StringBuilder sb, int level) {
        sb.append('\n');
        for (int i = 0; i < level; i++) {
            sb.append(indent);
        }
    }

    private void write(Object v, StringBuilder sb, int level) throws TemplateException {
        v = PyValues.unwrap(v);
        if (sb.length() > maxChars) {
            throw TemplateException.render("tojson output exceeds " + maxChars + " characters");
        }
        if (level > 500) {
            throw TemplateException.render("tojson: value nested too deeply");
        }
        switch (v) {
            case null -> sb.append("null");
            case Boolean b -> sb.append(b ? "true" : "false");
            case Long l -> sb.append(l);
            case Double d -> sb.append(floatJson(d));
            case String s -> string(s, sb);
            case List<?> l -> {
                if (l.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(itemSep);
                    }
                    if (indent != null) {
                        newline(sb, level + 1);
                    }
                    write(l.get(i), sb, level + 1);
                }
                if (indent != null) {
                    newline(sb, level);
                }
                sb.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                List<Map.Entry<String, Object>> entries = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
                }
                if (sortKeys) {
                    entries.sort((x, y) -> PyValues.compareCodePoints(x.getKey(), y.getKey()));
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> e : entries) {
                    if (!first) {
                        sb.append(itemSep);
                    }
                    first = false;
                    if (indent != null) {
                        newline(sb, level + 1);
                    }
                    string(e.getKey(), sb);
                    sb.append(keySep);
                    write(e.getValue() == NULL ? null : e.getValue(), sb, level + 1);
                }
                if (indent != null) {
                    newline(sb, level);
                }
                sb.append('}');
            }
            case PyValues.Namespace ns -> throw TemplateException.render(
                    "Object of type Namespace is not JSON serializable");
            default -> throw TemplateException.render(
                    "Object of type " + PyValues.typeName(v) + " is not JSON serializable");
        }
    }

    private static final Object NULL = new Object();

    private String key(Object k) throws TemplateException {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> floatJson(d);
            default -> throw TemplateException.render(
                    "keys must be str, int, float, bool or None, not " + PyValues.typeName(k));
        };
    }

    private static String floatJson(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyValues.floatRepr(d);
    }

    private void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
