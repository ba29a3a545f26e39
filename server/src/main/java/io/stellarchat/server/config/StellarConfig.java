package io.stellarchat.server.config;

import java.util.List;
import java.util.Objects;

/**
 * The whole effective configuration: immutable, typed and already validated. Built by {@link ConfigLoader};
 * {@link #defaults()} is the built-in layer alone.
 *
 * @param server  the HTTP listener
 * @param logging log format and level
 * @param models  where models come from (the engine fills this in later)
 * @param engine  how the local engine runs models
 * @param data    where the service keeps its files
 * @param database the chat history database
 * @param metrics the Prometheus endpoint
 * @param providers remote model servers the gateway can route to ({@code providers}, YAML only)
 * @param redis   the Redis server replicas share (limits, caches)
 * @param limits  default rate limits and the behaviour while Redis is down
 * @param cache   the response and embedding caches
 * @param telemetry telemetry events, their sinks, and usage accounting
 * @param tracing OpenTelemetry traces
 */
public record StellarConfig(ServerConfig server, LoggingConfig logging, ModelsConfig models, EngineConfig engine,
                            DataConfig data, DatabaseConfig database, MetricsConfig metrics,
                            List<ProviderConfig> providers, RedisConfig redis, LimitsConfig limits, CacheConfig cache,
                            TelemetryConfig telemetry, TracingConfig tracing) {
    public StellarConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(metrics, "metrics");
        providers = List.copyOf(providers);
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(telemetry, "telemetry");
        Objects.requireNonNull(tracing, "tracing");
    }

    /** With the default telemetry and no tracing. */
    public StellarConfig(ServerConfig server, LoggingConfig logging, ModelsConfig models, EngineConfig engine,
                         DataConfig data, DatabaseConfig database, MetricsConfig metrics, List<ProviderConfig> providers,
                         RedisConfig redis, LimitsConfig limits, CacheConfig cache) {
        this(server, logging, models, engine, data, database, metrics, providers, redis, limits, cache,
                TelemetryConfig.defaults(), TracingConfig.off());
    }

    /** Without Redis, default limits or caches set (the built-in defaults). */
    public StellarConfig(ServerConfig server, LoggingConfig logging, ModelsConfig models, EngineConfig engine,
                         DataConfig data, DatabaseConfig database, MetricsConfig metrics, List<ProviderConfig> providers) {
        this(server, logging, models, engine, data, database, metrics, providers, RedisConfig.none(), LimitsConfig.none(),
                CacheConfig.defaults());
    }

    /** Without remote providers. */
    public StellarConfig(ServerConfig server, LoggingConfig logging, ModelsConfig models, EngineConfig engine,
                         DataConfig data, DatabaseConfig database, MetricsConfig metrics) {
        this(server, logging, models, engine, data, database, metrics, List.of());
    }

    /** The built-in defaults, as documented in {@link ConfigKeys}. */
    public static StellarConfig defaults() {
        return ConfigLoader.defaults();
    }

    /** A copy with another server section (tests use it to pick port 0). */
    public StellarConfig withServer(ServerConfig newServer) {
        return new StellarConfig(newServer, logging, models, engine, data, database, metrics, providers, redis, limits, cache, telemetry, tracing);
    }

    /** A copy with other telemetry and tracing sections. */
    public StellarConfig withObserve(TelemetryConfig newTelemetry, TracingConfig newTracing) {
        return new StellarConfig(server, logging, models, engine, data, database, metrics, providers, redis, limits, cache,
                newTelemetry, newTracing);
    }

    /** A copy with another logging section. */
    public StellarConfig withLogging(LoggingConfig newLogging) {
        return new StellarConfig(server, newLogging, models, engine, data, database, metrics, providers, redis, limits, cache,
                telemetry, tracing);
    }

    /** A copy with another models section. */
    public StellarConfig withModels(ModelsConfig newModels) {
        return new StellarConfig(server, logging, newModels, engine, data, database, metrics, providers, redis, limits, cache, telemetry, tracing);
    }

    /** A copy with other providers. */
    public StellarConfig withProviders(List<ProviderConfig> newProviders) {
        return new StellarConfig(server, logging, models, engine, data, database, metrics, newProviders, redis, limits, cache, telemetry, tracing);
    }

    /** A copy with other Redis, limits and cache sections. */
    public StellarConfig withShared(RedisConfig newRedis, LimitsConfig newLimits, CacheConfig newCache) {
        return new StellarConfig(server, logging, models, engine, data, database, metrics, providers, newRedis, newLimits,
                newCache, telemetry, tracing);
    }
}
