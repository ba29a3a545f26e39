package io.stellarchat.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.ProviderConfig.BreakerSettings;
import io.stellarchat.server.config.ProviderConfig.ProviderType;
import io.stellarchat.server.config.ProviderConfig.Timeouts;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code providers}: a YAML sequence of remote model servers. Every field is checked and named by its
 * full path ({@code providers[1].timeouts.idle}); an entry with any problem is left out of the result (the
 * load fails anyway) so later checks do not pile consequential errors on it.
 *
 * <p>{@code api_key} may reference environment variables as {@code ${NAME}}, expanded from the same
 * environment the loader reads {@code STELLAR_*} variables from; an unset variable is an error. The key's
 * value never appears in a message.
 */
final class ProviderListReader {
    static final List<String> FIELDS = List.of("id", "type", "base_url", "api_key", "timeouts", "max_concurrency",
            "circuit_breaker", "health_check");
    static final List<String> TIMEOUT_FIELDS = List.of("connect", "first_token", "idle", "total");
    static final List<String> BREAKER_FIELDS = List.of("failure_rate", "minimum_calls", "window", "open_for",
            "half_open_calls");
    static final List<String> HEALTH_FIELDS = List.of("interval");
    /** The provider id the local engine goes by; no remote provider may take it. */
    static final String RESERVED_ID = "local";

    private static final ConfigKey KEY = ConfigKeys.PROVIDERS;
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    private static final String TIMEOUT_ALLOWED = "a duration 1ms..24h: a number with ms, s, m or h";
    private static final String OPEN_FOR_ALLOWED = "a duration 1ms..1h: a number with ms, s, m or h";
    private static final String INTERVAL_ALLOWED = "a duration 0s..1h (0s = off): a number with ms, s, m or h";

    private ProviderListReader() {}

    static List<ProviderConfig> read(ValueReader.Raw raw, ValueReader r, Map<String, String> env) {
        JsonNode list = raw.node();
        if (!list.isArray()) {
            r.problem(KEY, raw, "wrong type, expected a list");
            return List.of();
        }
        List<ProviderConfig> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            MappingReader e = MappingReader.open(list.get(i), KEY.path() + "[" + i + "]", raw.origin(), r, FIELDS);
            if (e == null) continue;
            ProviderConfig p = entry(e, r, env, ids);
            if (p != null) out.add(p);
        }
        return out;
    }

    private static ProviderConfig entry(MappingReader e, ValueReader r, Map<String, String> env, Set<String> ids) {
        String id = e.requiredText("id");
        if (id != null) {
            if (!ProviderConfig.ID.matcher(id).matches()) {
                e.problem("id", "not a valid provider id; allowed: lower-case letters, digits, '_' and '-', "
                        + "starting with a letter or digit");
            } else if (id.equals(RESERVED_ID)) {
                e.problem("id", "'local' is reserved for the built-in engine");
            } else if (!ids.add(id)) {
                e.problem("id", "provider id '" + id + "' is used twice; ids must be unique");
            }
        }
        ProviderType type = e.choice("type", "openai or anthropic", ProviderType.class, ProviderType.OPENAI);
        URI baseUrl = baseUrl(e);
        Secret apiKey = apiKey(e, r, env);
        Timeouts timeouts = timeouts(e);
        int maxConcurrency = e.integer("max_concurrency", "an integer 1..100000", 1, 100_000, 64);
        BreakerSettings breaker = breaker(e);
        Duration health = Duration.ofSeconds(30);
        MappingReader h = e.child("health_check", HEALTH_FIELDS);
        if (h != null) {
            health = h.duration("interval", INTERVAL_ALLOWED, Duration.ZERO, ValueReader.MAX_DRAIN, health);
            e.absorb(h);
        }
        if (id == null || baseUrl == null || apiKey == null || !e.clean()) return null;
        return new ProviderConfig(id, type, baseUrl, apiKey, timeouts, maxConcurrency, breaker, health);
    }

    /** An absolute http(s) URL with a host; a trailing slash is dropped since paths are appended to it. */
    private static URI baseUrl(MappingReader e) {
        String text = e.requiredText("base_url");
        if (text == null) return null;
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException ex) {
            e.problem("base_url", "not a URL (" + ex.getReason() + "); allowed: an absolute http:// or https:// URL");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            e.problem("base_url", "not an absolute http(s) URL with a host; allowed: e.g. http://10.0.0.5:8000/v1");
            return null;
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            e.problem("base_url", "must not have a query or fragment (paths such as /chat/completions are appended)");
            return null;
        }
        return text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : uri;
    }

    private static Secret apiKey(MappingReader e, ValueReader r, Map<String, String> env) {
        if (!e.has("api_key")) return new Secret("");
        JsonNode v = e.raw("api_key").node();
        if (!v.isTextual()) {
            r.problem(e.path("api_key"), e.raw("api_key"), "wrong type, expected a string", true);
            e.reject();
            return null;
        }
        String text = v.asText().strip();
        Matcher m = ENV_REF.matcher(text);
        StringBuilder expanded = new StringBuilder();
        List<String> missing = new ArrayList<>();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) missing.add(m.group(1));
            m.appendReplacement(expanded, Matcher.quoteReplacement(value == null ? "" : value.strip()));
        }
        m.appendTail(expanded);
        if (!missing.isEmpty()) {
            r.problem(e.path("api_key"), e.raw("api_key"), "environment variable " + String.join(", ", missing)
                    + " is not set", true);
            e.reject();
            return null;
        }
        return new Secret(expanded.toString());
    }

    private static Timeouts timeouts(MappingReader e) {
        Timeouts d = Timeouts.DEFAULTS;
        MappingReader t = e.child("timeouts", TIMEOUT_FIELDS);
        if (t == null) return d;
        Duration min = Duration.ofMillis(1);
        Duration total = t.duration("total", TIMEOUT_ALLOWED, min, MAX_TIMEOUT, d.total());
        Duration connect = phase(t, "connect", d.connect(), total);
        Duration firstToken = phase(t, "first_token", d.firstToken(), total);
        Duration idle = phase(t, "idle", d.idle(), total);
        Timeouts out = new Timeouts(connect, firstToken, idle, total);
        e.absorb(t);
        return out;
    }

    /** One phase's deadline: the total bounds the whole call, so a phase may not exceed it (a default is cut to it). */
    private static Duration phase(MappingReader t, String field, Duration fallback, Duration total) {
        if (!t.has(field)) return fallback.compareTo(total) > 0 ? total : fallback;
        Duration v = t.duration(field, TIMEOUT_ALLOWED, Duration.ofMillis(1), MAX_TIMEOUT, fallback);
        if (v.compareTo(total) > 0) {
            t.problem(field, "longer than total (" + ConfigPrinter.duration(total) + ")");
            return total;
        }
        return v;
    }

    private static BreakerSettings breaker(MappingReader e) {
        BreakerSettings d = BreakerSettings.DEFAULTS;
        MappingReader b = e.child("circuit_breaker", BREAKER_FIELDS);
        if (b == null) return d;
        int rate = b.integer("failure_rate", "an integer 1..100 (percent)", 1, 100, d.failureRate());
        int window = b.integer("window", "an integer 1..10000", 1, 10_000, d.window());
        int minimum = b.integer("minimum_calls", "an integer 1..10000, at most window", 1, 10_000,
                Math.min(d.minimumCalls(), window));
        Duration openFor = b.duration("open_for", OPEN_FOR_ALLOWED, Duration.ofMillis(1), ValueReader.MAX_DRAIN,
                d.openFor());
        int halfOpen = b.integer("half_open_calls", "an integer 1..1000", 1, 1000, d.halfOpenCalls());
        if (b.clean() && minimum > window) {
            // The rate is measured over the window: more calls than it holds can never be counted.
            b.problem("minimum_calls", "more than window (" + window + "); allowed: an integer 1..10000, at most window");
            minimum = window;
        }
        e.absorb(b);
        return new BreakerSettings(rate, minimum, window, openFor, halfOpen);
    }
}
