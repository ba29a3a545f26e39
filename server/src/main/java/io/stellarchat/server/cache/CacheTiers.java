package io.stellarchat.server.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lettuce.core.SetArgs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.stellarchat.server.config.CacheConfig;
import io.stellarchat.server.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Two cache tiers: this process's memory (Caffeine, W-TinyLFU, bounded by bytes) in front of Redis (shared by
 * replicas, entries with a TTL). A read tries memory, then Redis, and copies a Redis hit into memory; a write
 * goes to both. While Redis is down only memory is used, and Redis again as soon as the link is back.
 *
 * <p>Failures never fail a request: a Redis error is a miss (and marks Redis down); a value over
 * {@code cache.max_entry_bytes} is not stored.
 *
 * <p>Threads: any; Caffeine is concurrent and the Redis connection multiplexes.
 */
public final class CacheTiers {
    private final Cache<String, byte[]> memory; // null: no memory tier
    private final RedisLink redis;              // null: no Redis
    private final Duration ttl;
    private final long maxEntryBytes;
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public CacheTiers(CacheConfig config, RedisLink redis, MeterRegistry registry) {
        this.memory = config.memoryBytes() <= 0 ? null : Caffeine.newBuilder()
                .maximumWeight(config.memoryBytes())
                .weigher((String k, byte[] v) -> v.length + 2 * k.length() + 64)
                .expireAfterWrite(config.ttl())
                .build();
        this.redis = redis;
        this.ttl = config.ttl();
        this.maxEntryBytes = config.maxEntryBytes();
        this.registry = registry;
        if (memory != null) {
            Gauge.builder("stellar.cache", memory,
                            m -> m.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L))
                    .description("Bytes held by a cache tier (entries and keys)")
                    .baseUnit("bytes").tag("tier", "memory").register(registry);
        }
    }

    /** The value stored under {@code key} in cache {@code cache}, if any tier has it. */
    public Optional<byte[]> get(String cache, String key) {
        String k = "stellar:cache:" + cache + ":" + key;
        if (memory != null) {
            byte[] v = memory.getIfPresent(k);
            count(cache, "memory", v != null);
            if (v != null) return Optional.of(v);
        }
        if (redis != null && redis.up()) {
            var c = redis.bytes().orElse(null);
            if (c != null) {
                try {
                    byte[] v = c.sync().get(k.getBytes(StandardCharsets.UTF_8));
                    count(cache, "redis", v != null);
                    if (v != null) {
                        if (memory != null) memory.put(k, v);
                        return Optional.of(v);
                    }
                } catch (RuntimeException e) {
                    redis.failed(e);
                }
            }
        }
        return Optional.empty();
    }

    /** Stores {@code value} in every tier (unless it is over the size cap). */
    public void put(String cache, String key, byte[] value) {
        if (value.length > maxEntryBytes) return;
        String k = "stellar:cache:" + cache + ":" + key;
        if (memory != null) memory.put(k, value);
        if (redis != null && redis.up()) {
            var c = redis.bytes().orElse(null);
            if (c == null) return;
            try {
                c.sync().set(k.getBytes(StandardCharsets.UTF_8), value, SetArgs.Builder.px(ttl.toMillis()));
            } catch (RuntimeException e) {
                redis.failed(e);
            }
        }
    }

    private void count(String cache, String tier, boolean hit) {
        String result = hit ? "hit" : "miss";
        counters.computeIfAbsent(cache + "/" + tier + "/" + result, x -> Counter.builder("stellar.cache.requests")
                .description("Cache lookups by cache, tier and result")
                .tags("cache", cache, "tier", tier, "result", result)
                .register(registry)).increment();
    }
}
