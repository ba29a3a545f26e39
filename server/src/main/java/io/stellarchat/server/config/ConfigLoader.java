package io.stellarchat.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.stellarchat.engine.model.KvPrecision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the {@link StellarConfig} from its four layers, later wins: built-in defaults → YAML file →
 * environment variables → command-line flags.
 *
 * <p>Each layer produces raw values keyed by dotted path ({@code server.port}); the last layer that sets a
 * key wins whole (lists are replaced, not merged). Only then are values typed and validated, so a problem
 * names the layer its value came from. Unknown keys in the file or in flags are errors (a typo must not be
 * silently ignored); an unknown {@code STELLAR_*} environment variable is a warning, since the environment
 * is shared with other tools.
 */
public final class ConfigLoader {
    /** The file read when neither {@code --config} nor {@code STELLAR_CONFIG} names one. */
    public static final String DEFAULT_FILE = "stellar.yaml";
    // A key written twice is a mistake, not "last one wins".
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private ConfigLoader() {}

    /**
     * Reads and validates the configuration.
     *
     * @throws ConfigException naming every bad key and value, or an unreadable or malformed file
     * @throws UncheckedIOException when the file exists but cannot be read
     */
    public static LoadedConfig load(ConfigInputs inputs) {
        return load(inputs, true);
    }

    /** The built-in layer alone: no file, no environment, no flags. */
    static StellarConfig defaults() {
        return load(new ConfigInputs(null, Map.of(), Map.of(), Path.of("")), false).config();
    }

    private static LoadedConfig load(ConfigInputs inputs, boolean readFile) {
        Map<String, ValueReader.Raw> raw = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();

        for (ConfigKey key : ConfigKeys.ALL) {
            JsonNode node = key == ConfigKeys.SERVER_API_KEYS || key == ConfigKeys.MODELS_LIST
                    || key == ConfigKeys.PROVIDERS
                    ? JsonNodeFactory.instance.arrayNode() : TextNode.valueOf(key.defaultText());
            raw.put(key.path(), new ValueReader.Raw(node, "default"));
        }

        Path file = readFile ? chooseFile(inputs) : null;
        if (file != null) readFile(file, raw, problems);

        for (var e : new TreeMap<>(inputs.env()).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ConfigKey.ENV_PREFIX) || ConfigKeys.OTHER_ENV.contains(name)) continue;
            ConfigKey key = ConfigKeys.ALL.stream().filter(k -> k.envVar().equals(name)).findFirst().orElse(null);
            if (key == null) {
                warnings.add("ignoring unknown environment variable " + name + " (known: "
                        + String.join(", ", ConfigKeys.ALL.stream().map(ConfigKey::envVar)
                        .filter(s -> !s.isEmpty()).toList()) + ")");
            } else {
                raw.put(key.path(), new ValueReader.Raw(TextNode.valueOf(e.getValue()), "env " + name));
            }
        }

        for (var e : new TreeMap<>(inputs.flags()).entrySet()) {
            ConfigKey key = ConfigKeys.byPath(e.getKey()).orElse(null);
            if (key == null || !key.fromEnv()) {
                problems.add("unknown key '" + e.getKey() + "' (from flag); allowed keys: " + settableKeys());
            } else {
                raw.put(key.path(), new ValueReader.Raw(TextNode.valueOf(e.getValue()), "flag"));
            }
        }

        ValueReader reader = new ValueReader();
        StellarConfig config = assemble(raw, reader, inputs.env());
        problems.addAll(reader.problems());
        if (!problems.isEmpty()) throw new ConfigException(problems);

        Map<String, String> origins = new LinkedHashMap<>();
        raw.forEach((k, v) -> origins.put(k, v.origin()));
        return new LoadedConfig(config, file, origins, warnings);
    }

    /** {@code --config}, else {@code STELLAR_CONFIG}, else {@code ./stellar.yaml} when it exists, else none. */
    static Path chooseFile(ConfigInputs inputs) {
        if (inputs.configFile() != null) return inputs.configFile();
        String fromEnv = inputs.env().get("STELLAR_CONFIG");
        if (fromEnv != null && !fromEnv.isBlank()) return Path.of(fromEnv.strip());
        Path local = inputs.workingDirectory().resolve(DEFAULT_FILE);
        return Files.isRegularFile(local) ? local : null;
    }

    private static void readFile(Path file, Map<String, ValueReader.Raw> raw, List<String> problems) {
        JsonNode root;
        try {
            String text = Files.readString(file);
            root = text.isBlank() ? JsonNodeFactory.instance.objectNode() : YAML.readTree(text);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException("config file " + file + " is not valid YAML" + where + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file, e);
        }
        if (root == null || root.isNull() || root.isMissingNode()) return;
        String origin = "file " + file;
        if (!root.isObject()) {
            problems.add("config file " + file + ": the top level must be a mapping of sections ("
                    + String.join(", ", ConfigKeys.sections()) + ")");
            return;
        }
        Set<String> sections = new HashSet<>(ConfigKeys.sections());
        for (var section : root.properties()) {
            String name = section.getKey();
            if (!sections.contains(name)) {
                problems.add("unknown key '" + name + "' (from " + origin + "); allowed sections: "
                        + String.join(", ", ConfigKeys.sections()));
                continue;
            }
            JsonNode body = section.getValue();
            if (body.isNull()) continue;
            if (ConfigKeys.byPath(name).filter(ConfigKey::topLevel).isPresent()) {
                raw.put(name, new ValueReader.Raw(body, origin)); // a list, typed by its reader
                continue;
            }
            if (!body.isObject()) {
                problems.add(name + " = " + ValueReader.show(body) + " (from " + origin
                        + "): wrong type, expected a mapping of " + keysOf(name));
                continue;
            }
            for (var entry : body.properties()) {
                String path = name + "." + entry.getKey();
                if (ConfigKeys.byPath(path).isEmpty()) {
                    problems.add("unknown key '" + path + "' (from " + origin + "); allowed in '" + name + "': "
                            + keysOf(name));
                } else if (!entry.getValue().isNull()) {
                    raw.put(path, new ValueReader.Raw(entry.getValue(), origin));
                }
            }
        }
    }

    private static String keysOf(String section) {
        return String.join(", ", ConfigKeys.ALL.stream().filter(k -> k.section().equals(section))
                .map(ConfigKey::name).toList());
    }

    private static String settableKeys() {
        return String.join(", ", ConfigKeys.ALL.stream().filter(ConfigKey::fromEnv).map(ConfigKey::path).toList());
    }

    /** {@code server.cors_allowed_origins}: each an origin or {@code *}; a bad one is a problem, left out. */
    private static List<String> origins(ValueReader r, ValueReader.Raw raw) {
        List<String> out = new ArrayList<>();
        for (String o : r.strings("server.cors_allowed_origins", ConfigKeys.SERVER_CORS_ALLOWED_ORIGINS, raw)) {
            if (ServerConfig.isOrigin(o)) {
                out.add(o);
            } else {
                r.problem(ConfigKeys.SERVER_CORS_ALLOWED_ORIGINS, raw, "'" + o + "' is not an origin (no path, no "
                        + "trailing slash)");
            }
        }
        return out;
    }

    private static StellarConfig assemble(Map<String, ValueReader.Raw> raw, ValueReader r, Map<String, String> env) {
        var server = new ServerConfig(
                r.string(ConfigKeys.SERVER_HOST, raw.get("server.host")),
                r.integer("server.port", ConfigKeys.SERVER_PORT, raw.get("server.port"), 0, 65_535),
                r.size(ConfigKeys.SERVER_MAX_BODY_BYTES, raw.get("server.max_body_bytes"), 1, ValueReader.MAX_BODY),
                r.duration(ConfigKeys.SERVER_DRAIN_TIMEOUT, raw.get("server.drain_timeout"), ValueReader.MAX_DRAIN),
                r.strings("server.api_keys", ConfigKeys.SERVER_API_KEYS, raw.get("server.api_keys")).stream()
                        .map(Secret::new).toList(),
                r.size(ConfigKeys.SERVER_WS_MAX_FRAME_BYTES, raw.get("server.ws_max_frame_bytes"), 1, ValueReader.MAX_BODY),
                origins(r, raw.get("server.cors_allowed_origins")),
                new ServerConfig.ConnectionTimeouts(
                        r.duration(ConfigKeys.SERVER_IDLE_TIMEOUT, raw.get("server.idle_timeout"), Duration.ofMillis(1), ValueReader.MAX_DRAIN),
                        r.duration(ConfigKeys.SERVER_HEADER_TIMEOUT, raw.get("server.header_timeout"), Duration.ofMillis(1), ValueReader.MAX_DRAIN),
                        r.duration(ConfigKeys.SERVER_BODY_TIMEOUT, raw.get("server.body_timeout"), Duration.ofMillis(1), ValueReader.MAX_DRAIN)));
        String logFile = r.text(ConfigKeys.LOGGING_FILE, raw.get("logging.file"));
        java.util.Map<String, LoggingConfig.Level> levels = new java.util.LinkedHashMap<>();
        for (String entry : r.strings("logging.levels", ConfigKeys.LOGGING_LEVELS, raw.get("logging.levels"))) {
            int eq = entry.indexOf('=');
            LoggingConfig.Level level = eq > 0 ? LoggingConfig.Level.parse(entry.substring(eq + 1)) : null;
            if (level == null || entry.substring(0, eq).isBlank()) {
                r.problem(ConfigKeys.LOGGING_LEVELS, raw.get("logging.levels"), "'" + entry
                        + "' is not logger=level (level: trace, debug, info, warn or error)");
            } else {
                levels.put(entry.substring(0, eq).strip(), level);
            }
        }
        var logging = new LoggingConfig(
                r.choice(ConfigKeys.LOGGING_FORMAT, raw.get("logging.format"), LoggingConfig.Format.class),
                r.choice(ConfigKeys.LOGGING_LEVEL, raw.get("logging.level"), LoggingConfig.Level.class),
                logFile.isBlank() ? null : java.nio.file.Path.of(logFile.strip()),
                r.size(ConfigKeys.LOGGING_MAX_FILE_SIZE, raw.get("logging.max_file_size"), 1024, ValueReader.MAX_KV_CACHE),
                r.integer("logging.max_history", ConfigKeys.LOGGING_MAX_HISTORY, raw.get("logging.max_history"), 1, 3650),
                levels, r.bool(ConfigKeys.LOGGING_BODIES, raw.get("logging.bodies")));
        List<ProviderConfig> providers = ProviderListReader.read(raw.get("providers"), r, env);
        // Upstreams are checked against every declared provider id, also of providers with problems.
        var models = new ModelsConfig(r.path(ConfigKeys.MODELS_DIR, raw.get("models.dir")),
                ModelListReader.read(raw.get("models.list"), r, declaredIds(raw.get("providers"))),
                r.duration(ConfigKeys.MODELS_KEEP_ALIVE, raw.get("models.keep_alive"), Duration.ofDays(30)),
                r.integer("models.max_loaded", ConfigKeys.MODELS_MAX_LOADED, raw.get("models.max_loaded"), 0, 1024),
                r.string(ConfigKeys.MODELS_HUB_ENDPOINT, raw.get("models.hub_endpoint")),
                new Secret(r.text(ConfigKeys.MODELS_HUB_TOKEN, raw.get("models.hub_token"))));
        if (!models.hubEndpoint().matches("https?://.+")) {
            r.problem(ConfigKeys.MODELS_HUB_ENDPOINT, raw.get("models.hub_endpoint"), "expected an http or https URL");
        }
        int maxRunning = r.integer("engine.max_running", ConfigKeys.ENGINE_MAX_RUNNING, raw.get("engine.max_running"),
                1, 4096);
        int maxBatchTokens = r.integer("engine.max_batch_tokens", ConfigKeys.ENGINE_MAX_BATCH_TOKENS,
                raw.get("engine.max_batch_tokens"), 1, 65_536);
        if (maxBatchTokens < maxRunning) {
            // Each running request needs one token of every step's budget for its next token.
            r.problem("engine.max_batch_tokens", raw.get("engine.max_batch_tokens"), "must be at least engine.max_running ("
                    + maxRunning + "): every running request computes one token per step");
            maxBatchTokens = maxRunning;
        }
        var engine = new EngineConfig(
                r.integer("engine.threads", ConfigKeys.ENGINE_THREADS, raw.get("engine.threads"), 0, 1024),
                r.integer("engine.context_length", ConfigKeys.ENGINE_CONTEXT_LENGTH, raw.get("engine.context_length"), 0, 1 << 20),
                r.integer("engine.queue_depth", ConfigKeys.ENGINE_QUEUE_DEPTH, raw.get("engine.queue_depth"), 1, 100_000),
                r.duration(ConfigKeys.ENGINE_MAX_WAIT, raw.get("engine.max_wait"), Duration.ofMillis(1), ValueReader.MAX_DRAIN),
                r.duration(ConfigKeys.ENGINE_KEEP_ALIVE, raw.get("engine.keep_alive"), ValueReader.MAX_DRAIN),
                maxBatchTokens, maxRunning,
                r.size(ConfigKeys.ENGINE_KV_CACHE_SIZE, raw.get("engine.kv_cache_size"), ValueReader.MIN_KV_CACHE,
                        ValueReader.MAX_KV_CACHE),
                r.integer("engine.kv_block_size", ConfigKeys.ENGINE_KV_BLOCK_SIZE, raw.get("engine.kv_block_size"), 1, 1024),
                r.choice(ConfigKeys.ENGINE_KV_PRECISION, raw.get("engine.kv_precision"), KvPrecision.class),
                r.bool(ConfigKeys.ENGINE_PREFIX_CACHING, raw.get("engine.prefix_caching")));
        var data = new DataConfig(r.path(ConfigKeys.DATA_DIR, raw.get("data.dir")));
        Duration lease = r.duration(ConfigKeys.DATABASE_LEASE, raw.get("database.lease"), Duration.ofSeconds(1),
                Duration.ofMinutes(10));
        Duration leaseRenew = r.duration(ConfigKeys.DATABASE_LEASE_RENEW, raw.get("database.lease_renew"),
                Duration.ofMillis(10), Duration.ofMinutes(10));
        if (leaseRenew.compareTo(lease) >= 0) {
            r.problem(ConfigKeys.DATABASE_LEASE_RENEW, raw.get("database.lease_renew"),
                    "must be shorter than database.lease (" + ConfigPrinter.duration(lease) + ")");
            lease = DatabaseConfig.DEFAULT_LEASE;
            leaseRenew = DatabaseConfig.DEFAULT_LEASE_RENEW;
        }
        var database = new DatabaseConfig(
                r.jdbcUrl(ConfigKeys.DATABASE_URL, raw.get("database.url")),
                r.text(ConfigKeys.DATABASE_USER, raw.get("database.user")),
                new Secret(r.text(ConfigKeys.DATABASE_PASSWORD, raw.get("database.password"))),
                r.integer("database.pool_size", ConfigKeys.DATABASE_POOL_SIZE, raw.get("database.pool_size"), 1, 256),
                lease, leaseRenew,
                r.integer("database.partial_reply_tokens", ConfigKeys.DATABASE_PARTIAL_REPLY_TOKENS,
                        raw.get("database.partial_reply_tokens"), 1, 100_000),
                r.duration(ConfigKeys.DATABASE_PARTIAL_REPLY_INTERVAL, raw.get("database.partial_reply_interval"),
                        Duration.ofMillis(10), Duration.ofMinutes(1)));
        var metrics = new MetricsConfig(r.bool(ConfigKeys.METRICS_ENABLED, raw.get("metrics.enabled")),
                r.bool(ConfigKeys.METRICS_PER_KEY_LABELS, raw.get("metrics.per_key_labels")));
        var redis = new RedisConfig(new Secret(r.text(ConfigKeys.REDIS_URL, raw.get("redis.url"))),
                r.duration(ConfigKeys.REDIS_TIMEOUT, raw.get("redis.timeout"), Duration.ofMillis(1), Duration.ofMinutes(1)));
        if (redis.enabled() && !redis.url().reveal().matches("rediss?://.+")) {
            r.problem(ConfigKeys.REDIS_URL.path(), raw.get("redis.url"), "expected redis://host:port[/db] or rediss://…", true);
        }
        long most = 1_000_000_000_000_000L;
        var limits = new LimitsConfig(
                r.choice(ConfigKeys.LIMITS_REDIS_FALLBACK, raw.get("limits.redis_fallback"), LimitsConfig.Fallback.class),
                r.count(ConfigKeys.LIMITS_REQUESTS_PER_MINUTE, raw.get("limits.requests_per_minute"), 0, most),
                r.count(ConfigKeys.LIMITS_TOKENS_PER_MINUTE, raw.get("limits.tokens_per_minute"), 0, most),
                r.count(ConfigKeys.LIMITS_MAX_CONCURRENT, raw.get("limits.max_concurrent"), 0, most),
                r.count(ConfigKeys.LIMITS_TOKENS_PER_DAY, raw.get("limits.tokens_per_day"), 0, most),
                r.count(ConfigKeys.LIMITS_TOKENS_PER_MONTH, raw.get("limits.tokens_per_month"), 0, most));
        var cache = new CacheConfig(r.bool(ConfigKeys.CACHE_RESPONSES, raw.get("cache.responses")),
                r.bool(ConfigKeys.CACHE_EMBEDDINGS, raw.get("cache.embeddings")),
                r.duration(ConfigKeys.CACHE_TTL, raw.get("cache.ttl"), Duration.ofSeconds(1), Duration.ofDays(30)),
                r.size(ConfigKeys.CACHE_MEMORY_BYTES, raw.get("cache.memory_bytes"), 0, ValueReader.MAX_KV_CACHE),
                r.size(ConfigKeys.CACHE_MAX_ENTRY_BYTES, raw.get("cache.max_entry_bytes"), 1, 512L << 20));
        List<TelemetryConfig.Sink> sinks = new ArrayList<>();
        for (String name : r.strings("telemetry.sinks", ConfigKeys.TELEMETRY_SINKS, raw.get("telemetry.sinks"))) {
            TelemetryConfig.Sink sink = TelemetryConfig.Sink.parse(name);
            if (sink == null) {
                r.problem(ConfigKeys.TELEMETRY_SINKS, raw.get("telemetry.sinks"), "unknown sink '" + name
                        + "'; allowed: file, elasticsearch, otlp");
            } else if (!sinks.contains(sink)) {
                sinks.add(sink);
            }
        }
        String telemetryDir = r.text(ConfigKeys.TELEMETRY_DIR, raw.get("telemetry.dir"));
        String esUrl = r.text(ConfigKeys.TELEMETRY_ELASTICSEARCH_URL, raw.get("telemetry.elasticsearch_url")).strip();
        String otlp = r.text(ConfigKeys.TELEMETRY_OTLP_ENDPOINT, raw.get("telemetry.otlp_endpoint")).strip();
        String esIndex = r.string(ConfigKeys.TELEMETRY_ELASTICSEARCH_INDEX, raw.get("telemetry.elasticsearch_index"));
        if (!esUrl.isEmpty() && !esUrl.matches("https?://.+")) {
            r.problem(ConfigKeys.TELEMETRY_ELASTICSEARCH_URL, raw.get("telemetry.elasticsearch_url"), "expected an http or https URL");
        }
        if (!otlp.isEmpty() && !otlp.matches("https?://.+")) {
            r.problem(ConfigKeys.TELEMETRY_OTLP_ENDPOINT, raw.get("telemetry.otlp_endpoint"), "expected an http or https URL");
        }
        if (!esIndex.matches("[a-z0-9][a-z0-9_.-]*")) {
            r.problem(ConfigKeys.TELEMETRY_ELASTICSEARCH_INDEX, raw.get("telemetry.elasticsearch_index"),
                    "expected a lowercase index name (a-z, 0-9, _ . -)");
        }
        if (sinks.contains(TelemetryConfig.Sink.ELASTICSEARCH) && esUrl.isEmpty()) {
            r.problem(ConfigKeys.TELEMETRY_SINKS, raw.get("telemetry.sinks"),
                    "the elasticsearch sink needs telemetry.elasticsearch_url");
        }
        if (sinks.contains(TelemetryConfig.Sink.OTLP) && otlp.isEmpty()) {
            r.problem(ConfigKeys.TELEMETRY_SINKS, raw.get("telemetry.sinks"), "the otlp sink needs telemetry.otlp_endpoint");
        }
        var telemetry = new TelemetryConfig(sinks, telemetryDir.isBlank() ? null : java.nio.file.Path.of(telemetryDir.strip()),
                r.size(ConfigKeys.TELEMETRY_MAX_FILE_SIZE, raw.get("telemetry.max_file_size"), 1024, ValueReader.MAX_KV_CACHE),
                r.duration(ConfigKeys.TELEMETRY_RETENTION, raw.get("telemetry.retention"), Duration.ofHours(1), Duration.ofDays(3650)),
                esUrl, esIndex, new Secret(r.text(ConfigKeys.TELEMETRY_ELASTICSEARCH_API_KEY, raw.get("telemetry.elasticsearch_api_key"))),
                otlp,
                r.integer("telemetry.queue_size", ConfigKeys.TELEMETRY_QUEUE_SIZE, raw.get("telemetry.queue_size"), 1, 10_000_000),
                r.integer("telemetry.max_in_flight", ConfigKeys.TELEMETRY_MAX_IN_FLIGHT, raw.get("telemetry.max_in_flight"), 1, 64),
                r.integer("telemetry.batch_size", ConfigKeys.TELEMETRY_BATCH_SIZE, raw.get("telemetry.batch_size"), 1, 100_000),
                r.duration(ConfigKeys.TELEMETRY_FLUSH_INTERVAL, raw.get("telemetry.flush_interval"), Duration.ofMillis(1), Duration.ofHours(1)),
                r.bool(ConfigKeys.TELEMETRY_INCLUDE_CONTENT, raw.get("telemetry.include_content")),
                r.duration(ConfigKeys.USAGE_RETENTION, raw.get("usage.retention"), Duration.ZERO, Duration.ofDays(36500)));
        String traces = r.text(ConfigKeys.TRACING_ENDPOINT, raw.get("tracing.endpoint")).strip();
        if (!traces.isEmpty() && !traces.matches("https?://.+")) {
            r.problem(ConfigKeys.TRACING_ENDPOINT, raw.get("tracing.endpoint"), "expected an http or https URL");
        }
        var tracing = new TracingConfig(traces, r.decimal(ConfigKeys.TRACING_SAMPLE_RATIO, raw.get("tracing.sample_ratio"), 0, 1),
                r.string(ConfigKeys.TRACING_SERVICE_NAME, raw.get("tracing.service_name")));
        return new StellarConfig(server, logging, models, engine, data, database, metrics, providers, redis, limits, cache,
                telemetry, tracing);
    }

    /** The ids written in {@code providers}, in order, whether or not the rest of the entry is valid. */
    private static List<String> declaredIds(ValueReader.Raw providers) {
        List<String> ids = new ArrayList<>();
        if (!providers.node().isArray()) return ids;
        for (JsonNode p : providers.node()) {
            JsonNode id = p.get("id");
            if (p.isObject() && id != null && id.isTextual() && !id.asText().isBlank() && !ids.contains(id.asText().strip())) {
                ids.add(id.asText().strip());
            }
        }
        return ids;
    }
}
