package io.stellarchat.server.cli;

import io.stellarchat.server.api.ModelCalls;
import io.stellarchat.server.observe.GenAiMetrics;
import io.stellarchat.server.observe.Telemetry;
import io.stellarchat.server.observe.Tracing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.api.HealthRoutes;
import io.stellarchat.server.api.admin.KeyRoutes;
import io.stellarchat.server.cache.CacheTiers;
import io.stellarchat.server.cache.EmbeddingCache;
import io.stellarchat.server.cache.ResponseCache;
import io.stellarchat.server.limits.KeyRing;
import io.stellarchat.server.limits.RateLimiter;
import io.stellarchat.server.redis.RedisLink;
import io.stellarchat.server.api.HttpServer;
import io.stellarchat.server.api.MetricsRoutes;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.api.admin.AdminRoutes;
import io.stellarchat.server.api.anthropic.AnthropicRoutes;
import io.stellarchat.server.api.openai.OpenAiRoutes;
import io.stellarchat.server.api.sessions.SessionRoutes;
import io.stellarchat.server.conversation.SessionTurns;
import io.stellarchat.server.api.ws.ChatSocketRoutes;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.LocalModel;
import io.stellarchat.server.api.GenerationFields;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.gateway.ModelCatalog;
import io.stellarchat.server.gateway.local.LocalProvider;
import io.stellarchat.server.gateway.remote.RemoteProviders;
import io.stellarchat.server.gateway.remote.UpstreamHttp;
import io.stellarchat.server.gateway.local.ModelMetrics;
import io.stellarchat.server.gateway.local.ModelRegistry;
import io.stellarchat.server.observe.ReadinessCheck;
import io.stellarchat.server.observe.HttpMetrics;
import io.stellarchat.server.observe.JvmMetrics;
import io.stellarchat.server.observe.Readiness;
import java.util.ArrayList;
import java.util.List;

/**
 * The composition root of the running service: builds every component from the configuration and wires
 * them by constructor. To add a feature, build its component here, register its readiness checks on
 * {@link #readiness()}, and add its {@link RouteGroup} to the list in the constructor.
 *
 * <p>Owns what it builds: {@link #close()} stops the HTTP server (draining requests) and then the rest.
 */
public final class StellarService implements AutoCloseable {
    /** How often model entries made through the admin API on any replica are re-read. */
    static final java.time.Duration CATALOG_REFRESH = java.time.Duration.ofSeconds(2);
    private final StellarConfig config;
    private final PrometheusMeterRegistry registry;
    private final JvmMetrics jvmMetrics;
    private final Readiness readiness;
    private final HttpServer http;
    private final ModelRegistry models;
    private final Gateway gateway;
    private final UpstreamHttp upstreamHttp;
    private final ChatDatabase database;
    private final ModelCatalog catalog;
    private final RedisLink redis; // null: no Redis configured
    private final KeyRing keys;
    private final Telemetry telemetry;
    private final Tracing tracing;
    private final UsageRetention usageRetention; // null: no database

    /**
     * @param config      the validated configuration
     * @param extraRoutes additional route groups (tests register slow or failing routes here)
     */
    public StellarService(StellarConfig config, List<RouteGroup> extraRoutes) {
        this(config, ModelRegistry.empty(), extraRoutes);
    }

    /**
     * @param config      the validated configuration
     * @param models      the loaded models (the service closes them)
     * @param extraRoutes additional route groups (tests register slow or failing routes here)
     */
    public StellarService(StellarConfig config, ModelRegistry models, List<RouteGroup> extraRoutes) {
        this(config, models, null, extraRoutes);
    }

    /**
     * @param config      the validated configuration
     * @param models      the loaded models (the service closes them)
     * @param database    the chat history database (the service closes it), or null to run without the
     *                    sessions API (tests of the frame)
     * @param extraRoutes additional route groups (tests register slow or failing routes here)
     */
    public StellarService(StellarConfig config, ModelRegistry models, ChatDatabase database, List<RouteGroup> extraRoutes) {
        this.config = config;
        this.models = models;
        this.database = database;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.jvmMetrics = new JvmMetrics(registry);
        if (database != null) database.bindMetrics(registry);
        this.readiness = new Readiness();
        ObjectMapper json = new ObjectMapper();
        // Telemetry first: every component below may emit events. The usage table is one more sink.
        io.opentelemetry.sdk.resources.Resource resource = Tracing.resource(config.tracing().serviceName(),
                StellarVersion.version());
        this.tracing = Tracing.create(config.tracing(), resource);
        this.telemetry = new Telemetry(TelemetrySinks.create(config, database, resource), config.telemetry().queueSize(),
                config.telemetry().maxInFlight(), config.telemetry().batchSize(), config.telemetry().flushInterval(), registry);
        this.usageRetention = database == null ? null
                : new UsageRetention(database.usage(), config.telemetry().usageRetention(), java.time.Clock.systemUTC());

        List<RouteGroup> groups = new ArrayList<>();
        groups.add(new HealthRoutes(readiness));
        if (config.metrics().enabled()) groups.add(new MetricsRoutes(registry));
        // Feature route groups are added here (OpenAI API, sessions, admin ...).
        io.stellarchat.server.chat.AuditLog audit = database == null ? null
                : new io.stellarchat.server.chat.ObservedAuditLog(database.audit(), telemetry::emit);
        ModelMetrics modelMetrics = new ModelMetrics(registry, models);
        models.events(telemetry::emit);
        this.upstreamHttp = new UpstreamHttp();
        this.gateway = new Gateway(new LocalProvider(models, modelMetrics), Gateway.Setup.of(config.providers(),
                config.models().list(), c -> RemoteProviders.create(c, upstreamHttp), registry)
                .observed(tracing, telemetry::emit));
        // Keys, limits and caches: Redis when configured (shared by replicas), else memory.
        this.redis = config.redis().enabled() ? new RedisLink(config.redis(), registry) : null;
        this.keys = new KeyRing(config.server().apiKeys(), database == null ? null : database.keys(),
                RateLimiter.defaults(config.limits()), java.time.Clock.systemUTC(), json);
        if (!config.server().corsAllowedOrigins().isEmpty()) {
            groups.add(new io.stellarchat.server.api.Cors(config.server().corsAllowedOrigins())); // before the key check
        }
        groups.add(new Authentication(keys, tracing));
        RateLimiter limiter = new RateLimiter(redis, config.limits().redisFallback(), java.time.Clock.systemUTC(),
                registry, config.metrics().perKeyLabels());
        CacheTiers tiers = new CacheTiers(config.cache(), redis, registry);
        Admission admission = new Admission(gateway, limiter,
                config.cache().responses() ? new ResponseCache(tiers, json) : null,
                config.cache().embeddings() ? new EmbeddingCache(tiers) : null,
                new ModelCalls(telemetry, new GenAiMetrics(registry), tracing, config.telemetry().includeContent()));
        groups.add(new OpenAiRoutes(gateway, admission, json, config.server().maxBodyBytes(), config.engine().keepAlive()));
        groups.add(new io.stellarchat.server.api.ollama.OllamaRoutes(gateway, admission, json, config.server().maxBodyBytes(),
                config.engine().keepAlive(), StellarVersion.version()));
        groups.add(new AnthropicRoutes(gateway, admission, json, config.server().maxBodyBytes(), config.engine().keepAlive()));
        this.catalog = database == null ? null : new StoredModelCatalog(database.modelRecords(),
                config.providers().stream().map(p -> p.id()).toList(), json);
        groups.add(new AdminRoutes(gateway, audit, json,
                config.server().maxBodyBytes()));
        groups.add(new io.stellarchat.server.api.admin.StatsRoutes(gateway, registry, json));
        groups.add(new io.stellarchat.server.api.web.WebRoutes());
        groups.add(new KeyRoutes(keys, audit, json, config.server().maxBodyBytes()));
        groups.add(new io.stellarchat.server.api.admin.UsageRoutes(database == null ? null : database.usage(), json,
                java.time.Clock.systemUTC()));
        groups.add(new io.stellarchat.server.api.admin.PullRoutes(gateway, audit, json,
                config.server().maxBodyBytes(), config.models().dir(), config.models().hubEndpoint(),
                config.models().hubToken().reveal()));
        if (database != null) {
            SessionTurns turns = new SessionTurns(database.history(), gateway,
                    stored -> GenerationFields.storedSession(json, stored), telemetry::emit, database.partialReplies());
            groups.add(new SessionRoutes(database.history(), audit, gateway, admission, turns, json,
                    config.server().maxBodyBytes()));
            groups.add(new ChatSocketRoutes(database.history(), audit, gateway, admission, turns, json,
                    config.server().wsMaxFrameBytes()));
            readiness.register(ReadinessCheck.of("storage", () -> {
                try {
                    database.history().listSessions("readiness-probe", null, 1); // one cheap query
                    return ReadinessCheck.Result.ok((database.isSqlite() ? "sqlite" : "postgresql")
                            + ", instance " + database.lease().instanceId());
                } catch (RuntimeException e) {
                    return ReadinessCheck.Result.notReady("database unreachable: " + e.getMessage());
                }
            }));
        }
        readiness.register(ReadinessCheck.of("models", () -> ReadinessCheck.Result.ok(
                models.models().size() + " model(s) loaded: " + models.models().stream().map(LocalModel::id).toList())));
        groups.addAll(extraRoutes);

        this.http = new HttpServer(config.server(), json, new HttpMetrics(registry), groups, tracing,
                config.logging().bodies());
    }

    /** Starts serving; returns the bound port. */
    public int start() {
        gateway.start(catalog, CATALOG_REFRESH); // no database: only the file's entries, no admin changes
        if (usageRetention != null) usageRetention.start();
        if (database != null) {
            // Before serving: a turn's reply is stamped with this instance, whose lease must be valid by then.
            database.lease().start(config.database().lease(), config.database().leaseRenew());
        }
        return http.start();
    }

    /** Every route the HTTP server serves, as {@code "GET /v1/models"} ({@code "WS /v1/ws"} for WebSockets). */
    public java.util.List<String> endpoints() {
        return http.endpoints();
    }

    /** The bound port, after {@link #start()}. */
    public int port() {
        return http.port();
    }

    /** Where components register their readiness checks. */
    public Readiness readiness() {
        return readiness;
    }

    /** The metrics registry components record into. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The models being served. */
    public ModelRegistry models() {
        return models;
    }

    /** The API keys this replica accepts. */
    public KeyRing keys() {
        return keys;
    }

    /** Where every model call goes. */
    public Gateway gateway() {
        return gateway;
    }

    public StellarConfig config() {
        return config;
    }

    /** The telemetry pipeline. */
    public Telemetry telemetry() {
        return telemetry;
    }

    /** Traces (a no-op unless tracing.endpoint is set). */
    public Tracing tracing() {
        return tracing;
    }

    /** Drains and stops the HTTP server, then releases the rest. Idempotent. */
    @Override
    public void close() {
        http.close();
        if (usageRetention != null) usageRetention.close();
        telemetry.close(config.server().drainTimeout().isZero() ? java.time.Duration.ofSeconds(1)
                : config.server().drainTimeout());
        tracing.close();
        keys.close();
        if (redis != null) redis.close();
        gateway.close(); // closes the providers and the local models too
        upstreamHttp.close();
        if (database != null) {
            database.close();
        }
        jvmMetrics.close();
        registry.close();
    }
}
