package io.stellarchat.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code models.list}: a YAML sequence of {id, path, aliases, context_length} mappings. */
final class ModelListReader {
    private static final Set<String> FIELDS = Set.of("id", "path", "aliases", "context_length");
    private static final ConfigKey KEY = ConfigKeys.MODELS_LIST;

    private ModelListReader() {}

    static List<ModelEntry> read(ValueReader.Raw raw, ValueReader r) {
        JsonNode list = raw.node();
        if (!list.isArray()) {
            r.problem(KEY, raw, "wrong type, expected a list");
            return List.of();
        }
        List<ModelEntry> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String where = KEY.path() + "[" + i + "]";
            JsonNode e = list.get(i);
            ValueReader.Raw eRaw = new ValueReader.Raw(e, raw.origin());
            if (!e.isObject()) {
                r.problem(where, eRaw, "wrong type, expected a mapping of id, path, aliases, context_length");
                continue;
            }
            boolean ok = true;
            for (var f : e.properties()) {
                if (!FIELDS.contains(f.getKey())) {
                    r.problem(where + "." + f.getKey(), new ValueReader.Raw(f.getValue(), raw.origin()),
                            "unknown key; allowed: id, path, aliases, context_length");
                    ok = false;
                }
            }
            String id = text(e, "id", where, r, raw.origin());
            String path = text(e, "path", where, r, raw.origin());
            List<String> aliases = e.has("aliases")
                    ? r.strings(where + ".aliases", KEY, new ValueReader.Raw(e.get("aliases"), raw.origin()))
                    : List.of();
            int ctx = e.has("context_length")
                    ? r.integer(where + ".context_length", KEY, new ValueReader.Raw(e.get("context_length"),
                            raw.origin()), 0, Integer.MAX_VALUE)
                    : 0;
            if (id == null || path == null || !ok) continue;
            for (String name : concat(id, aliases)) {
                if (!names.add(name)) {
                    r.problem(where, eRaw, "model name '" + name + "' is used twice; ids and aliases must be unique");
                }
            }
            out.add(new ModelEntry(id, Path.of(path), aliases, ctx));
        }
        return out;
    }

    private static String text(JsonNode e, String field, String where, ValueReader r, String origin) {
        JsonNode v = e.get(field);
        if (v == null || v.isNull()) {
            r.problems().add(where + "." + field + " is missing (required)");
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            r.problem(where + "." + field, new ValueReader.Raw(v, origin), "expected a non-empty string");
            return null;
        }
        return v.asText().strip();
    }

    private static List<String> concat(String id, List<String> aliases) {
        List<String> all = new ArrayList<>(aliases);
        all.addFirst(id);
        return all;
    }
}
