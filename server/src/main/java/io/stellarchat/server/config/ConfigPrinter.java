package io.stellarchat.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Renders the effective configuration as YAML that {@link ConfigLoader} reads back, secrets masked, each
 * value followed by a comment saying where it came from when that is not the built-in default.
 */
public final class ConfigPrinter {
    private ConfigPrinter() {}

    public static String render(LoadedConfig loaded) {
        StellarConfig c = loaded.config();
        StringBuilder out = new StringBuilder();
        out.append("# effective StellarChat configuration")
                .append(loaded.file() == null ? " (no config file)" : " (file " + loaded.file() + ")").append('\n');
        section(out, "server");
        line(out, loaded, ConfigKeys.SERVER_HOST, quote(c.server().host()));
        line(out, loaded, ConfigKeys.SERVER_PORT, Integer.toString(c.server().port()));
        line(out, loaded, ConfigKeys.SERVER_MAX_BODY_BYTES, size(c.server().maxBodyBytes()));
        line(out, loaded, ConfigKeys.SERVER_DRAIN_TIMEOUT, quote(duration(c.server().drainTimeout())));
        line(out, loaded, ConfigKeys.SERVER_API_KEYS, list(c.server().apiKeys().stream().map(Secret::masked).toList()));
        line(out, loaded, ConfigKeys.SERVER_WS_MAX_FRAME_BYTES, size(c.server().wsMaxFrameBytes()));
        line(out, loaded, ConfigKeys.SERVER_CORS_ALLOWED_ORIGINS, list(c.server().corsAllowedOrigins()));
        line(out, loaded, ConfigKeys.SERVER_IDLE_TIMEOUT, quote(duration(c.server().connections().idle())));
        line(out, loaded, ConfigKeys.SERVER_HEADER_TIMEOUT, quote(duration(c.server().connections().headers())));
        line(out, loaded, ConfigKeys.SERVER_BODY_TIMEOUT, quote(duration(c.server().connections().body())));
        section(out, "logging");
        line(out, loaded, ConfigKeys.LOGGING_FORMAT, c.logging().format().key());
        line(out, loaded, ConfigKeys.LOGGING_LEVEL, c.logging().level().key());
        line(out, loaded, ConfigKeys.LOGGING_FILE, quote(c.logging().file() == null ? "" : c.logging().file().toString()));
        line(out, loaded, ConfigKeys.LOGGING_MAX_FILE_SIZE, Long.toString(c.logging().maxFileSize()));
        line(out, loaded, ConfigKeys.LOGGING_MAX_HISTORY, Integer.toString(c.logging().maxHistory()));
        line(out, loaded, ConfigKeys.LOGGING_LEVELS, list(c.logging().levelEntries()));
        line(out, loaded, ConfigKeys.LOGGING_BODIES, Boolean.toString(c.logging().bodies()));
        section(out, "models");
        line(out, loaded, ConfigKeys.MODELS_DIR, quote(c.models().dir().toString()));
        line(out, loaded, ConfigKeys.MODELS_KEEP_ALIVE, c.models().keepAlive().toSeconds() + "s");
        line(out, loaded, ConfigKeys.MODELS_MAX_LOADED, Integer.toString(c.models().maxLoaded()));
        line(out, loaded, ConfigKeys.MODELS_HUB_ENDPOINT, quote(c.models().hubEndpoint()));
        line(out, loaded, ConfigKeys.MODELS_HUB_TOKEN, quote(c.models().hubToken().reveal().isEmpty() ? "" : c.models().hubToken().masked()));
        if (c.models().list().isEmpty()) {
            line(out, loaded, ConfigKeys.MODELS_LIST, "[]");
        } else {
            line(out, loaded, ConfigKeys.MODELS_LIST, "");
            for (ModelEntry m : c.models().list()) model(out, m);
        }
        out.append(ConfigKeys.PROVIDERS.path()).append(':');
        if (c.providers().isEmpty()) out.append(" []");
        origin(out, loaded, ConfigKeys.PROVIDERS);
        for (ProviderConfig p : c.providers()) provider(out, p);
        section(out, "engine");
        line(out, loaded, ConfigKeys.ENGINE_THREADS, Integer.toString(c.engine().threads()));
        line(out, loaded, ConfigKeys.ENGINE_CONTEXT_LENGTH, Integer.toString(c.engine().contextLength()));
        line(out, loaded, ConfigKeys.ENGINE_QUEUE_DEPTH, Integer.toString(c.engine().queueDepth()));
        line(out, loaded, ConfigKeys.ENGINE_MAX_WAIT, quote(duration(c.engine().maxWait())));
        line(out, loaded, ConfigKeys.ENGINE_KEEP_ALIVE, quote(duration(c.engine().keepAlive())));
        line(out, loaded, ConfigKeys.ENGINE_MAX_BATCH_TOKENS, Integer.toString(c.engine().maxBatchTokens()));
        line(out, loaded, ConfigKeys.ENGINE_MAX_RUNNING, Integer.toString(c.engine().maxRunning()));
        line(out, loaded, ConfigKeys.ENGINE_KV_CACHE_SIZE, size(c.engine().kvCacheBytes()));
        line(out, loaded, ConfigKeys.ENGINE_KV_BLOCK_SIZE, Integer.toString(c.engine().kvBlockSize()));
        line(out, loaded, ConfigKeys.ENGINE_KV_PRECISION, c.engine().kvPrecision().name().toLowerCase(Locale.ROOT));
        line(out, loaded, ConfigKeys.ENGINE_PREFIX_CACHING, Boolean.toString(c.engine().prefixCaching()));
        section(out, "data");
        line(out, loaded, ConfigKeys.DATA_DIR, quote(c.data().dir().toString()));
        section(out, "database");
        line(out, loaded, ConfigKeys.DATABASE_URL, quote(c.database().url()));
        line(out, loaded, ConfigKeys.DATABASE_USER, quote(c.database().user()));
        line(out, loaded, ConfigKeys.DATABASE_PASSWORD,
                quote(c.database().password().reveal().isEmpty() ? "" : c.database().password().masked()));
        line(out, loaded, ConfigKeys.DATABASE_POOL_SIZE, Integer.toString(c.database().poolSize()));
        line(out, loaded, ConfigKeys.DATABASE_LEASE, quote(duration(c.database().lease())));
        line(out, loaded, ConfigKeys.DATABASE_LEASE_RENEW, quote(duration(c.database().leaseRenew())));
        line(out, loaded, ConfigKeys.DATABASE_PARTIAL_REPLY_TOKENS, Integer.toString(c.database().partialReplyTokens()));
        line(out, loaded, ConfigKeys.DATABASE_PARTIAL_REPLY_INTERVAL, quote(duration(c.database().partialReplyInterval())));
        section(out, "metrics");
        line(out, loaded, ConfigKeys.METRICS_ENABLED, Boolean.toString(c.metrics().enabled()));
        line(out, loaded, ConfigKeys.METRICS_PER_KEY_LABELS, Boolean.toString(c.metrics().perKeyLabels()));
        section(out, "redis");
        line(out, loaded, ConfigKeys.REDIS_URL, quote(c.redis().enabled() ? c.redis().url().masked() : ""));
        line(out, loaded, ConfigKeys.REDIS_TIMEOUT, c.redis().timeout().toMillis() + "ms");
        section(out, "limits");
        line(out, loaded, ConfigKeys.LIMITS_REDIS_FALLBACK, c.limits().redisFallback().name().toLowerCase(java.util.Locale.ROOT));
        line(out, loaded, ConfigKeys.LIMITS_REQUESTS_PER_MINUTE, Long.toString(c.limits().requestsPerMinute()));
        line(out, loaded, ConfigKeys.LIMITS_TOKENS_PER_MINUTE, Long.toString(c.limits().tokensPerMinute()));
        line(out, loaded, ConfigKeys.LIMITS_MAX_CONCURRENT, Long.toString(c.limits().maxConcurrent()));
        line(out, loaded, ConfigKeys.LIMITS_TOKENS_PER_DAY, Long.toString(c.limits().tokensPerDay()));
        line(out, loaded, ConfigKeys.LIMITS_TOKENS_PER_MONTH, Long.toString(c.limits().tokensPerMonth()));
        section(out, "cache");
        line(out, loaded, ConfigKeys.CACHE_RESPONSES, Boolean.toString(c.cache().responses()));
        line(out, loaded, ConfigKeys.CACHE_EMBEDDINGS, Boolean.toString(c.cache().embeddings()));
        line(out, loaded, ConfigKeys.CACHE_TTL, c.cache().ttl().toSeconds() + "s");
        line(out, loaded, ConfigKeys.CACHE_MEMORY_BYTES, Long.toString(c.cache().memoryBytes()));
        line(out, loaded, ConfigKeys.CACHE_MAX_ENTRY_BYTES, Long.toString(c.cache().maxEntryBytes()));
        TelemetryConfig t = c.telemetry();
        section(out, "telemetry");
        line(out, loaded, ConfigKeys.TELEMETRY_SINKS, list(t.sinks().stream().map(TelemetryConfig.Sink::key).toList()));
        line(out, loaded, ConfigKeys.TELEMETRY_DIR, quote(t.dir() == null ? "" : t.dir().toString()));
        line(out, loaded, ConfigKeys.TELEMETRY_MAX_FILE_SIZE, Long.toString(t.maxFileSize()));
        line(out, loaded, ConfigKeys.TELEMETRY_RETENTION, t.retention().toSeconds() + "s");
        line(out, loaded, ConfigKeys.TELEMETRY_ELASTICSEARCH_URL, quote(t.elasticsearchUrl()));
        line(out, loaded, ConfigKeys.TELEMETRY_ELASTICSEARCH_INDEX, quote(t.elasticsearchIndex()));
        line(out, loaded, ConfigKeys.TELEMETRY_ELASTICSEARCH_API_KEY,
                quote(t.elasticsearchApiKey().reveal().isEmpty() ? "" : t.elasticsearchApiKey().masked()));
        line(out, loaded, ConfigKeys.TELEMETRY_OTLP_ENDPOINT, quote(t.otlpEndpoint()));
        line(out, loaded, ConfigKeys.TELEMETRY_QUEUE_SIZE, Integer.toString(t.queueSize()));
        line(out, loaded, ConfigKeys.TELEMETRY_MAX_IN_FLIGHT, Integer.toString(t.maxInFlight()));
        line(out, loaded, ConfigKeys.TELEMETRY_BATCH_SIZE, Integer.toString(t.batchSize()));
        line(out, loaded, ConfigKeys.TELEMETRY_FLUSH_INTERVAL, t.flushInterval().toMillis() + "ms");
        line(out, loaded, ConfigKeys.TELEMETRY_INCLUDE_CONTENT, Boolean.toString(t.includeContent()));
        section(out, "usage");
        line(out, loaded, ConfigKeys.USAGE_RETENTION, t.usageRetention().toSeconds() + "s");
        section(out, "tracing");
        line(out, loaded, ConfigKeys.TRACING_ENDPOINT, quote(c.tracing().endpoint()));
        line(out, loaded, ConfigKeys.TRACING_SAMPLE_RATIO, Double.toString(c.tracing().sampleRatio()));
        line(out, loaded, ConfigKeys.TRACING_SERVICE_NAME, quote(c.tracing().serviceName()));
        return out.toString();
    }

    private static void section(StringBuilder out, String name) {
        out.append(name).append(":\n");
    }

    private static void line(StringBuilder out, LoadedConfig loaded, ConfigKey key, String value) {
        out.append("  ").append(key.name()).append(':');
        if (!value.isEmpty()) out.append(' ').append(value);
        origin(out, loaded, key);
    }

    /** Ends a key's line with where its value came from, unless that is the built-in default. */
    private static void origin(StringBuilder out, LoadedConfig loaded, ConfigKey key) {
        String origin = loaded.origins().getOrDefault(key.path(), "default");
        if (origin.startsWith("file ")) origin = "file"; // the header names it
        if (!origin.equals("default")) out.append("  # from ").append(origin);
        out.append('\n');
    }

    private static void model(StringBuilder out, ModelEntry m) {
        out.append("    - id: ").append(quote(m.id())).append('\n');
        if (m.isLocal()) out.append("      path: ").append(quote(m.path().toString())).append('\n');
        out.append("      aliases: ").append(list(m.aliases())).append('\n')
                .append("      context_length: ").append(m.contextLength()).append('\n');
        if (!m.isLocal()) {
            out.append("      upstreams:\n");
            for (ModelEntry.Upstream u : m.upstreams()) {
                out.append("        - {provider: ").append(quote(u.provider())).append(", model: ")
                        .append(quote(u.model())).append(", weight: ").append(u.weight()).append("}\n");
            }
            ModelEntry.RetrySettings r = m.retries();
            out.append("      routing: ").append(m.routing().name().toLowerCase(Locale.ROOT)).append('\n')
                    .append("      retries: {max: ").append(r.max()).append(", backoff: ")
                    .append(quote(duration(r.backoff()))).append(", max_backoff: ")
                    .append(quote(duration(r.maxBackoff()))).append(", resume_streams: ").append(r.resumeStreams())
                    .append("}\n");
        }
        out.append("      fallbacks: ").append(list(m.fallbacks())).append('\n')
                .append("      context_fallbacks: ").append(list(m.contextFallbacks())).append('\n');
    }

    /** One provider; the API key masked (an empty one prints empty, so it reads back the same). */
    private static void provider(StringBuilder out, ProviderConfig p) {
        ProviderConfig.Timeouts t = p.timeouts();
        ProviderConfig.BreakerSettings b = p.circuitBreaker();
        out.append("  - id: ").append(quote(p.id())).append('\n')
                .append("    type: ").append(p.type().name().toLowerCase(Locale.ROOT)).append('\n')
                .append("    base_url: ").append(quote(p.baseUrl().toString())).append('\n')
                .append("    api_key: ").append(quote(p.apiKey().reveal().isEmpty() ? "" : p.apiKey().masked()))
                .append('\n')
                .append("    timeouts: {connect: ").append(quote(duration(t.connect())))
                .append(", first_token: ").append(quote(duration(t.firstToken())))
                .append(", idle: ").append(quote(duration(t.idle())))
                .append(", total: ").append(quote(duration(t.total()))).append("}\n")
                .append("    max_concurrency: ").append(p.maxConcurrency()).append('\n')
                .append("    circuit_breaker: {failure_rate: ").append(b.failureRate())
                .append(", minimum_calls: ").append(b.minimumCalls())
                .append(", window: ").append(b.window())
                .append(", open_for: ").append(quote(duration(b.openFor())))
                .append(", half_open_calls: ").append(b.halfOpenCalls()).append("}\n")
                .append("    health_check: {interval: ").append(quote(duration(p.healthInterval()))).append("}\n");
    }

    /** Sizes print with the largest binary unit that divides them exactly. */
    static String size(long bytes) {
        if (bytes > 0 && bytes % (1L << 30) == 0) return (bytes >> 30) + "GiB";
        if (bytes > 0 && bytes % (1L << 20) == 0) return (bytes >> 20) + "MiB";
        if (bytes > 0 && bytes % (1L << 10) == 0) return (bytes >> 10) + "KiB";
        return Long.toString(bytes);
    }

    /** Durations print in the unit they were most likely written in. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }

    private static String list(List<String> items) {
        return items.stream().map(ConfigPrinter::quote).collect(Collectors.joining(", ", "[", "]"));
    }

    /** A YAML double-quoted scalar (JSON string escaping is valid there). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
                    else b.append(ch);
                }
            }
        }
        return b.append('"').toString();
    }
}
