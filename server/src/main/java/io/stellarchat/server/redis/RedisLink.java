package io.stellarchat.server.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.stellarchat.server.config.RedisConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Redis connection of this replica, shared by the limiter and the caches, and whether Redis is up.
 *
 * <p>Redis is either <em>up</em> (commands go to it) or <em>down</em> (callers use their in-memory fallback
 * without trying Redis, so a dead Redis costs no timeouts per request). A failed or timed-out command marks it
 * down ({@link #failed}); the {@code redis-probe} thread pings it every {@value #PROBE_MS} ms and marks it up
 * again when a ping answers, so a returning Redis is used again without a restart. Each transition logs one
 * line; the gauge {@code stellar_redis_up} shows the state.
 *
 * <p>The probe thread also keeps this replica's heartbeat in the sorted set {@code stellar:replicas} and reads
 * how many replicas were alive at the last successful probe: with Redis down, limits give each replica that
 * share of a limit.
 *
 * <p>Threads: the connection is thread-safe (Lettuce multiplexes commands from any thread); {@code up} and
 * {@code replicas} are written by the probe thread and by callers that saw a failure, read by everyone.
 */
public final class RedisLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisLink.class);
    static final long PROBE_MS = 500;
    private static final long REPLICA_TTL_MS = 5_000;
    private static final String REPLICAS = "stellar:replicas";

    private final RedisURI uri;
    private final Duration timeout;
    private final ClientResources resources;
    private final RedisClient client;
    private final String replicaId = UUID.randomUUID().toString();
    private final AtomicBoolean up = new AtomicBoolean(false);
    private final AtomicInteger replicas = new AtomicInteger(1);
    /** SHAs of the scripts the server is known to hold since it last came up (emptied on every up transition). */
    private final java.util.Set<String> loaded = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Thread probe;
    private volatile boolean closing;
    private volatile StatefulRedisConnection<String, String> strings;
    private volatile StatefulRedisConnection<byte[], byte[]> bytes;

    /**
     * Connects (or starts trying to, if Redis is not there yet) and starts the probe thread.
     *
     * @param config   the URL and the command timeout
     * @param registry where {@code stellar_redis_up} goes
     */
    public RedisLink(RedisConfig config, MeterRegistry registry) {
        this.uri = RedisURI.create(config.url().reveal());
        this.timeout = config.timeout();
        this.uri.setTimeout(timeout);
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Fail at once while disconnected instead of queueing: the caller falls back to memory.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        Gauge.builder("stellar.redis.up", up, b -> b.get() ? 1 : 0)
                .description("1 while Redis answers, 0 while limits and caches use their in-memory fallback")
                .register(registry);
        Gauge.builder("stellar.redis.replicas", replicas, AtomicInteger::get)
                .description("Replicas sharing Redis at the last successful probe (the share of each limit while Redis is down)")
                .register(registry);
        connect();
        this.probe = Thread.ofPlatform().name("redis-probe").daemon(true).unstarted(this::probeLoop);
        probe.start();
    }

    /** Whether Redis answered the last command or probe. */
    public boolean up() {
        return up.get();
    }

    /** Live replicas at the last successful probe (at least 1). */
    public int replicas() {
        return replicas.get();
    }

    /** The text-valued connection, if connected (use only while {@link #up()}). */
    public Optional<StatefulRedisConnection<String, String>> strings() {
        return Optional.ofNullable(strings);
    }

    /** The byte-valued connection, if connected (use only while {@link #up()}). */
    public Optional<StatefulRedisConnection<byte[], byte[]>> bytes() {
        return Optional.ofNullable(bytes);
    }

    /** The command timeout. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Runs a Lua script (by its SHA, loading it on NOSCRIPT) on the text connection and returns its reply.
     *
     * @throws RedisUnavailableException when Redis is down, or the command failed or timed out (then it is marked down)
     */
    public <T> T eval(RedisScript script, ScriptOutputType type, String[] keys, String... args) {
        var c = strings;
        if (c == null || !up.get()) throw new RedisUnavailableException("Redis is down");
        try {
            T out;
            try {
                out = c.sync().evalsha(script.sha(), type, keys, args);
            } catch (io.lettuce.core.RedisNoScriptException e) {
                out = c.sync().eval(script.source().getBytes(StandardCharsets.UTF_8), type, keys, args);
            }
            loaded.add(script.sha());
            return out;
        } catch (RuntimeException e) {
            throw failed(e);
        }
    }

    /**
     * Runs a Lua script without waiting for its answer (a settlement at the end of a request: nothing depends on
     * it, so it does not hold the request's thread). A failure is logged at debug and marks Redis down.
     */
    public void evalAsync(RedisScript script, ScriptOutputType type, String[] keys, String... args) {
        var c = strings;
        if (c == null || !up.get()) return;
        // By SHA only when the server surely has the script: a NOSCRIPT retry would be sent after commands that
        // follow this one, and settlements must stay in order with the next reservation.
        var sent = loaded.contains(script.sha()) ? c.async().evalsha(script.sha(), type, keys, args)
                : c.async().eval(script.source(), type, keys, args);
        sent.whenComplete((ok, e) -> {
            if (e == null) loaded.add(script.sha());
            else log.debug("asynchronous Redis script failed: {}", e.getMessage());
        });
    }

    /**
     * Marks Redis down after a command failed (logging the transition once) and wraps the cause.
     * Callers use it for their own commands: {@code catch (RuntimeException e) { throw link.failed(e); }}.
     */
    public RedisUnavailableException failed(RuntimeException e) {
        if (e instanceof RedisUnavailableException r) return r;
        if (up.compareAndSet(true, false)) {
            log.warn("Redis at {} stopped answering ({}); limits and caches use this replica's memory until it is back",
                    where(), e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return new RedisUnavailableException("Redis failed: " + e.getMessage());
    }

    private String where() {
        return uri.getHost() + ":" + uri.getPort();
    }

    private void connect() {
        try {
            if (strings == null) strings = client.connect(StringCodec.UTF8);
            if (bytes == null) bytes = client.connect(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            log.debug("Redis at {} not reachable yet: {}", where(), e.getMessage());
        }
    }

    private void probeLoop() {
        boolean warned = false;
        while (!closing) {
            try {
                if (strings == null || bytes == null) connect();
                var c = strings;
                if (c != null) {
                    var sync = c.sync();
                    sync.ping();
                    long now = System.currentTimeMillis();
                    sync.zadd(REPLICAS, now, replicaId);
                    sync.zremrangebyscore(REPLICAS, io.lettuce.core.Range.create(0, now - REPLICA_TTL_MS));
                    replicas.set((int) Math.max(1, sync.zcard(REPLICAS)));
                    if (!up.get()) loaded.clear(); // a restarted server has no scripts
                    if (up.compareAndSet(false, true)) {
                        log.info("Redis at {} is up ({} replica(s) share it); limits and caches are shared", where(),
                                replicas.get());
                    }
                    warned = false;
                } else if (!warned) {
                    warned = true;
                    if (!up.get()) log.warn("Redis at {} is not reachable; limits and caches use this replica's memory "
                            + "until it is", where());
                }
            } catch (RuntimeException e) {
                failed(e);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(PROBE_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops the probe, leaves the replica set and closes the connections. Idempotent. */
    @Override
    public void close() {
        if (closing) return;
        closing = true;
        probe.interrupt();
        try {
            probe.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        var c = strings;
        if (c != null && up.get()) {
            try {
                c.sync().zrem(REPLICAS, replicaId);
            } catch (RuntimeException e) {
                log.debug("could not leave the replica set: {}", e.getMessage());
            }
        }
        for (var conn : List.of(Optional.ofNullable((AutoCloseable) strings), Optional.ofNullable((AutoCloseable) bytes))) {
            conn.ifPresent(x -> {
                try {
                    x.close();
                } catch (Exception e) {
                    log.debug("closing a Redis connection: {}", e.getMessage());
                }
            });
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
