package io.stellarchat.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.ModelEntry.RetrySettings;
import io.stellarchat.server.config.ModelEntry.Routing;
import io.stellarchat.server.config.ModelEntry.Upstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads {@code models.list}: a YAML sequence of model entries, each either local ({@code path}: a GGUF file)
 * or remote ({@code upstreams}: deployments on {@code providers}).
 *
 * <p>Checks, each problem named by the field's full path: unknown fields; exactly one of {@code path} and
 * {@code upstreams}; upstream providers exist; ids and aliases unique over all entries; {@code fallbacks}
 * and {@code context_fallbacks} name other declared model ids and form no cycle. An entry with a problem is
 * left out of the result (the load fails anyway).
 */
public final class ModelListReader {
    static final List<String> FIELDS = List.of("id", "path", "chat_template_file", "aliases", "context_length", "upstreams", "routing",
            "retries", "fallbacks", "context_fallbacks");
    static final List<String> UPSTREAM_FIELDS = List.of("provider", "model", "weight");
    static final List<String> RETRY_FIELDS = List.of("max", "backoff", "max_backoff", "resume_streams");
    private static final ConfigKey KEY = ConfigKeys.MODELS_LIST;
    private static final String BACKOFF_ALLOWED = "a duration 0s..1m: a number with ms, s, m or h";
    private static final String MAX_BACKOFF_ALLOWED = "a duration 0s..10m, at least backoff: a number with ms, s, m or h";

    private ModelListReader() {}

    /**
     * What the reference and cycle checks need of an entry, kept even when the entry has other problems so
     * that all problems are reported in one pass.
     *
     * @param entry the entry, or null when it has a problem of its own
     */
    private record Parsed(String id, List<String> aliases, List<String> fallbacks, List<String> contextFallbacks, MappingReader reader,
                          ModelEntry entry) {}

    /** Reads local entries only (no providers declared). */
    static List<ModelEntry> read(ValueReader.Raw raw, ValueReader r) {
        return read(raw, r, List.of());
    }

    /**
     * @param providers ids of the providers declared in {@code providers}, in order (for upstream checks and
     *                  the "known:" part of a message)
     */
    static List<ModelEntry> read(ValueReader.Raw raw, ValueReader r, List<String> providers) {
        JsonNode list = raw.node();
        if (!list.isArray()) {
            r.problem(KEY, raw, "wrong type, expected a list");
            return List.of();
        }
        List<ModelEntry> out = new ArrayList<>();
        // Every declared id, also of entries with problems, so a reference to them is not a second error.
        Map<String, Integer> declared = new LinkedHashMap<>();
        for (JsonNode n : list) {
            JsonNode id = n.get("id");
            if (n.isObject() && id != null && id.isTextual() && !id.asText().isBlank()) {
                declared.putIfAbsent(id.asText().strip(), declared.size());
            }
        }
        Set<String> names = new HashSet<>();
        List<Parsed> parsed = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            MappingReader e = MappingReader.open(list.get(i), KEY.path() + "[" + i + "]", raw.origin(), r, FIELDS);
            if (e == null) continue;
            Parsed p = entry(e, providers);
            if (p.id() == null) continue;
            for (String name : concat(p.id(), p.aliases())) {
                if (!names.add(name)) {
                    e.problemHere("model name '" + name + "' is used twice; ids and aliases must be unique");
                }
            }
            parsed.add(p);
        }
        for (Parsed p : parsed) {
            references(p, "fallbacks", p.fallbacks(), declared);
            references(p, "context_fallbacks", p.contextFallbacks(), declared);
        }
        cycles(parsed, "fallbacks", Parsed::fallbacks);
        cycles(parsed, "context_fallbacks", Parsed::contextFallbacks);
        for (Parsed p : parsed) {
            if (p.entry() != null && p.reader().clean()) out.add(p.entry());
        }
        return out;
    }

    /**
     * One entry given outside the file (the admin API's {@code POST /v1/admin/models}), checked like a file
     * entry: its fallbacks must name {@code known} models, its upstreams {@code providers}.
     *
     * @param origin what to name as the value's source in problems, e.g. {@code request body}
     * @throws ConfigException naming every problem
     */
    public static ModelEntry readOne(JsonNode node, String origin, List<String> providers, Set<String> known) {
        ValueReader r = new ValueReader();
        MappingReader e = MappingReader.open(node, "model", origin, r, FIELDS);
        if (e == null) throw new ConfigException(r.problems().isEmpty() ? List.of("model: expected an object") : r.problems());
        Parsed p = entry(e, providers);
        Map<String, Integer> declared = new LinkedHashMap<>();
        known.forEach(k -> declared.put(k, declared.size()));
        if (p.id() != null) {
            references(p, "fallbacks", p.fallbacks(), declared);
            references(p, "context_fallbacks", p.contextFallbacks(), declared);
        }
        if (!r.problems().isEmpty() || p.entry() == null || !e.clean()) {
            throw new ConfigException(r.problems().isEmpty() ? List.of("model: invalid entry") : r.problems());
        }
        return p.entry();
    }

    /** One entry; its {@code entry} is null when a required part is missing or bad. */
    private static Parsed entry(MappingReader e, List<String> providers) {
        String id = e.requiredText("id");
        List<String> aliases = e.strings("aliases", KEY);
        int ctx = e.integer("context_length", KEY.allowed(), 0, Integer.MAX_VALUE, 0);
        List<String> fallbacks = e.strings("fallbacks", KEY);
        List<String> contextFallbacks = e.strings("context_fallbacks", KEY);
        boolean local = e.has("path");
        boolean remote = e.has("upstreams");
        Parsed bad = new Parsed(id, aliases, fallbacks, contextFallbacks, e, null);
        if (local && remote) {
            e.problemHere("give either path (a local GGUF file) or upstreams (remote deployments), not both");
            return bad;
        }
        if (!local && !remote) {
            e.missing("path", "give path (a local GGUF file) or upstreams (remote deployments)");
            return bad;
        }
        if (local) {
            for (String remoteOnly : List.of("routing", "retries")) {
                if (e.has(remoteOnly)) e.problem(remoteOnly, "only for a model with upstreams; this one has a path");
            }
            String path = e.text("path", null);
            String template = e.text("chat_template_file", null);
            if (template != null && !java.nio.file.Files.isReadable(Path.of(template))) {
                e.problem("chat_template_file", "no readable file at " + template);
            }
            if (id == null || path == null) return bad;
            ModelEntry entry = new ModelEntry(id, Path.of(path), aliases, ctx).withFallbacks(fallbacks)
                    .withContext(ctx, contextFallbacks);
            return new Parsed(id, aliases, fallbacks, contextFallbacks, e,
                    template == null ? entry : entry.withChatTemplate(Path.of(template)));
        }
        if (e.has("chat_template_file")) e.problem("chat_template_file", "only for a model with a path (a local GGUF file)");
        List<Upstream> upstreams = upstreams(e, providers);
        Routing routing = e.choice("routing", "weighted, least_busy or lowest_latency", Routing.class,
                Routing.WEIGHTED);
        RetrySettings retries = retries(e);
        if (id == null || upstreams.isEmpty()) return bad;
        return new Parsed(id, aliases, fallbacks, contextFallbacks, e,
                new ModelEntry(id, null, aliases, ctx, upstreams, routing, retries, fallbacks, contextFallbacks));
    }

    private static List<Upstream> upstreams(MappingReader e, List<String> providers) {
        List<JsonNode> nodes = e.list("upstreams");
        if (nodes.isEmpty()) {
            if (e.clean()) e.problem("upstreams", "must list at least one {provider, model}");
            return List.of();
        }
        List<Upstream> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int j = 0; j < nodes.size(); j++) {
            MappingReader u = MappingReader.open(nodes.get(j), e.path("upstreams") + "[" + j + "]",
                    e.origin(), e.values(), UPSTREAM_FIELDS);
            if (u == null) {
                e.reject();
                continue;
            }
            String provider = u.requiredText("provider");
            String model = u.requiredText("model");
            int weight = u.integer("weight", "an integer 0..10000 (0 = only when no other upstream can answer)",
                    0, 10_000, 1);
            if (provider != null && !providers.contains(provider)) {
                u.problem("provider", "unknown provider '" + provider + "' (known: "
                        + (providers.isEmpty() ? "none; declare it under providers" : String.join(", ", providers)) + ")");
            }
            if (provider != null && model != null && !seen.add(provider + "\u0000" + model)) {
                u.problemHere("provider '" + provider + "' with model '" + model + "' is listed twice");
            }
            e.absorb(u);
            if (u.clean()) out.add(new Upstream(provider, model, weight));
        }
        if (e.clean() && out.stream().allMatch(x -> x.weight() == 0)) {
            e.problem("upstreams", "every weight is 0; at least one upstream needs a positive weight");
        }
        return e.clean() ? out : List.of();
    }

    private static RetrySettings retries(MappingReader e) {
        RetrySettings d = RetrySettings.DEFAULTS;
        MappingReader m = e.child("retries", RETRY_FIELDS);
        if (m == null) return d;
        int max = m.integer("max", "an integer 0..10", 0, 10, d.max());
        Duration backoff = m.duration("backoff", BACKOFF_ALLOWED, Duration.ZERO, Duration.ofMinutes(1), d.backoff());
        Duration fallbackMax = d.maxBackoff().compareTo(backoff) < 0 ? backoff : d.maxBackoff();
        Duration maxBackoff = m.duration("max_backoff", MAX_BACKOFF_ALLOWED, Duration.ZERO, Duration.ofMinutes(10),
                fallbackMax);
        if (m.clean() && maxBackoff.compareTo(backoff) < 0) {
            m.problem("max_backoff", "shorter than backoff (" + ConfigPrinter.duration(backoff) + ")");
        }
        boolean resume = m.bool("resume_streams", d.resumeStreams());
        e.absorb(m);
        return new RetrySettings(max, backoff, maxBackoff, resume);
    }

    /** Each name must be another declared model id. */
    private static void references(Parsed p, String field, List<String> targets, Map<String, Integer> declared) {
        MappingReader e = p.reader();
        for (int k = 0; k < targets.size(); k++) {
            String t = targets.get(k);
            String where = e.path(field) + "[" + k + "]";
            JsonNode all = e.raw(field).node();
            ValueReader.Raw raw = all.isArray() && k < all.size()
                    ? new ValueReader.Raw(all.get(k), e.origin()) : e.raw(field);
            if (t.equals(p.id())) {
                e.values().problem(where, raw, "a model cannot be its own fallback");
                e.reject();
            } else if (!declared.containsKey(t)) {
                e.values().problem(where, raw, "unknown model '" + t + "' (known: "
                        + String.join(", ", declared.keySet()) + ")");
                e.reject();
            }
        }
    }

    /** Reports each cycle (a → b → a) in one kind of fallback once, at the entry where it was first entered. */
    private static void cycles(List<Parsed> parsed, String field, Function<Parsed, List<String>> edges) {
        Map<String, Parsed> byId = new HashMap<>();
        for (Parsed p : parsed) byId.putIfAbsent(p.id(), p);
        Map<String, Integer> state = new HashMap<>(); // absent: unvisited, 1: on the path, 2: done
        for (Parsed p : parsed) visit(p.id(), byId, field, edges, state, new ArrayList<>());
    }

    private static void visit(String id, Map<String, Parsed> byId, String field, Function<Parsed, List<String>> edges,
                              Map<String, Integer> state, List<String> path) {
        Parsed at = byId.get(id);
        if (at == null || state.containsKey(id)) return;
        state.put(id, 1);
        path.add(id);
        for (String next : edges.apply(at)) {
            if (next.equals(id)) continue; // reported as "its own fallback"
            if (Integer.valueOf(1).equals(state.get(next))) {
                List<String> cycle = new ArrayList<>(path.subList(path.indexOf(next), path.size()));
                cycle.add(next);
                MappingReader e = byId.get(next).reader();
                e.values().problem(e.path(field), e.raw(field), "fallback cycle " + String.join(" → ", cycle)
                        + "; a fallback chain must end");
                e.reject();
            } else {
                visit(next, byId, field, edges, state, path);
            }
        }
        path.removeLast();
        state.put(id, 2);
    }

    private static List<String> concat(String id, List<String> aliases) {
        List<String> all = new ArrayList<>(aliases);
        all.addFirst(id);
        return all;
    }
}
