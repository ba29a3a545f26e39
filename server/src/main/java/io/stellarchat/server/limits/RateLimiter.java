package io.stellarchat.server.limits;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.stellarchat.server.config.LimitsConfig;
import io.stellarchat.server.redis.RedisLink;
import io.stellarchat.server.redis.RedisUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Admission by rate limit, before a request is routed: a caller's limits across all models and on the requested
 * model, each of requests per minute, tokens per minute, requests in flight and tokens per day and month.
 *
 * <p>Tokens are <em>reserved</em> at admission (the prompt plus {@code max_tokens} or the model's default
 * budget) and <em>reconciled</em> with the real usage when the answer ends ({@link Reservation#settle}), so a
 * burst of long answers overshoots a token limit by at most one request's reservation. Minutes are sliding
 * windows (any 60 s hold at most the limit); days and months are UTC calendar periods.
 *
 * <p>With Redis (and while it answers) the counters are shared by every replica through atomic scripts, so the
 * replicas together admit exactly the limit. Without Redis they live in this process. While a configured Redis is
 * down, {@code limits.redis_fallback} decides: {@code local} counts in memory with this replica's share of each
 * limit (the limit divided by the replicas alive at the last probe), {@code open} admits everything,
 * {@code closed} refuses limited requests with 503.
 *
 * <p>Threads: any request thread; the stores do their own locking (Redis: the script is atomic).
 */
public final class RateLimiter {
    private static final long MINUTE_MS = 60_000;
    /** A request in flight that is never settled (a crashed replica) frees its place after this long. */
    static final long LEASE_MS = 15 * MINUTE_MS;

    private final RedisLink redis;                 // null: no Redis configured
    private final LimitStore shared;               // null without Redis
    private final LimitStore memory = new MemoryLimitStore();
    private final LimitsConfig.Fallback fallback;
    private final Clock clock;
    private final MeterRegistry registry;
    private final boolean perKeyLabels;
    private final Map<String, Counter> rejections = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param redis        the shared Redis, or null for in-memory limits
     * @param fallback     what to do while Redis is down
     * @param clock        time of the windows and periods
     * @param registry     where {@code stellar_rate_limit_rejections_total} goes
     * @param perKeyLabels whether rejections are labelled with the key's display prefix too
     */
    public RateLimiter(RedisLink redis, LimitsConfig.Fallback fallback, Clock clock, MeterRegistry registry,
                       boolean perKeyLabels) {
        this.redis = redis;
        this.shared = redis == null ? null : new RedisLimitStore(redis);
        this.fallback = fallback;
        this.clock = clock;
        this.registry = registry;
        this.perKeyLabels = perKeyLabels;
    }

    /** The configured default limits as {@link KeyLimits}. */
    public static KeyLimits defaults(LimitsConfig c) {
        return new KeyLimits(new LimitSpec(c.requestsPerMinute(), c.tokensPerMinute(), c.maxConcurrent(),
                c.tokensPerDay(), c.tokensPerMonth()), Map.of());
    }

    /**
     * Admits a request or refuses it.
     *
     * @param caller who asks
     * @param model  the model's canonical id
     * @param tokens the token reservation (prompt + completion budget); ignored when no token limit applies
     * @throws RateLimitedException over a limit (429) or unable to count (503)
     */
    public Reservation reserve(Caller caller, String model, long tokens) {
        if (caller.limits().isEmpty()) return Reservation.NONE;
        long now = clock.millis();
        String id = UUID.randomUUID().toString();
        if (shared != null && redis.up()) {
            List<Bucket> buckets = plan(caller, model, tokens, now, 1);
            try {
                return decide(shared, id, caller, buckets, now);
            } catch (RedisUnavailableException e) {
                // fall through: Redis went down during this call
            }
        }
        if (shared != null) {
            switch (fallback) {
                case OPEN -> {
                    return Reservation.NONE;
                }
                case CLOSED -> {
                    count("unavailable", caller);
                    throw new RateLimitedException("Rate limits cannot be checked right now (the shared counter store "
                            + "is unreachable); try again shortly.", "unavailable", Duration.ofSeconds(1), true, Map.of());
                }
                case LOCAL -> { }
            }
        }
        int replicas = shared == null ? 1 : redis.replicas();
        return decide(memory, id, caller, plan(caller, model, tokens, now, replicas), now);
    }

    private Reservation decide(LimitStore store, String id, Caller caller, List<Bucket> buckets, long now) {
        if (buckets.isEmpty()) return Reservation.NONE;
        Outcome o = store.reserve(id, buckets, now);
        if (!o.admitted()) {
            Bucket b = buckets.get(o.failed());
            count(b.limitName(), caller);
            Map<String, String> headers = new HashMap<>();
            String who = caller.prefix().isEmpty() ? "" : " (key " + caller.prefix() + "…)";
            String scope = b.scope().equals("key") ? "" : " on " + b.scope();
            if (o.retryAfterMs() < 0) {
                throw new RateLimitedException("Request too large for " + b.limitName() + scope + who + ": Limit "
                        + b.limit() + ", Requested " + b.amount() + ". Ask for fewer tokens (max_tokens) or a shorter prompt.",
                        b.limitName(), null, false, headers);
            }
            Duration wait = Duration.ofMillis(Math.max(1, o.retryAfterMs()));
            throw new RateLimitedException("Rate limit reached for " + b.limitName() + scope + who + ": Limit "
                    + b.limit() + ", Requested " + b.amount() + ". Please try again in " + duration(wait.toMillis()) + ".",
                    b.limitName(), wait, false, headers);
        }
        Map<String, String> headers = new HashMap<>();
        header(headers, buckets, o, "requests_per_minute", "requests");
        header(headers, buckets, o, "tokens_per_minute", "tokens");
        long reserved = buckets.stream().filter(Bucket::tokens).mapToLong(Bucket::amount).findFirst().orElse(0);
        return new Reservation(store, id, buckets, reserved, headers);
    }

    /** The OpenAI headers of the first bucket named {@code limitName} (the caller-wide one before a model's). */
    private static void header(Map<String, String> out, List<Bucket> buckets, Outcome o, String limitName, String suffix) {
        for (int i = 0; i < buckets.size(); i++) {
            Bucket b = buckets.get(i);
            if (b.limitName().equals(limitName)) {
                out.put("x-ratelimit-limit-" + suffix, Long.toString(b.limit()));
                out.put("x-ratelimit-remaining-" + suffix, Long.toString(Math.max(0, o.remaining()[i])));
                out.put("x-ratelimit-reset-" + suffix, duration(Math.max(0, o.resetMs()[i])));
                return;
            }
        }
    }

    private void count(String limit, Caller caller) {
        String key = perKeyLabels ? limit + "\u0000" + caller.prefix() : limit;
        rejections.computeIfAbsent(key, k -> {
            var b = Counter.builder("stellar.rate.limit.rejections")
                    .description("Requests refused by a rate limit, by limit")
                    .tag("limit", limit);
            if (perKeyLabels) b.tag("key", caller.prefix());
            return b.register(registry);
        }).increment();
    }

    /** The buckets a request must fit in, with every limit divided by {@code share} replicas. */
    static List<Bucket> plan(Caller caller, String model, long tokens, long now, int share) {
        List<Bucket> out = new ArrayList<>();
        add(out, caller.limits().all(), "stellar:rl:" + caller.id() + ":*", "key", tokens, now, share);
        LimitSpec m = caller.limits().perModel().get(model);
        if (m != null) add(out, m, "stellar:rl:" + caller.id() + ":m:" + model, "model " + model, tokens, now, share);
        return out;
    }

    private static void add(List<Bucket> out, LimitSpec s, String base, String scope, long tokens, long now, int share) {
        if (s.requestsPerMinute() > 0) out.add(new Bucket(Bucket.Kind.WINDOW, base + ":rpm", part(s.requestsPerMinute(), share),
                1, MINUTE_MS, "requests_per_minute", scope, false));
        if (s.tokensPerMinute() > 0) out.add(new Bucket(Bucket.Kind.WINDOW, base + ":tpm", part(s.tokensPerMinute(), share),
                tokens, MINUTE_MS, "tokens_per_minute", scope, true));
        if (s.maxConcurrent() > 0) out.add(new Bucket(Bucket.Kind.CONCURRENT, base + ":inflight", part(s.maxConcurrent(), share),
                1, LEASE_MS, "max_concurrent", scope, false));
        LocalDate today = Instant.ofEpochMilli(now).atZone(ZoneOffset.UTC).toLocalDate();
        if (s.tokensPerDay() > 0) out.add(new Bucket(Bucket.Kind.BUDGET, base + ":day:" + today, part(s.tokensPerDay(), share),
                tokens, startMs(today.plusDays(1)), "tokens_per_day", scope, true));
        if (s.tokensPerMonth() > 0) {
            LocalDate first = today.withDayOfMonth(1);
            out.add(new Bucket(Bucket.Kind.BUDGET, base + ":month:" + first.toString().substring(0, 7),
                    part(s.tokensPerMonth(), share), tokens, startMs(first.plusMonths(1)), "tokens_per_month", scope, true));
        }
    }

    private static long startMs(LocalDate d) {
        return d.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    private static long part(long limit, int share) {
        return share <= 1 ? limit : Math.max(1, limit / share);
    }

    /** A duration the way OpenAI writes {@code x-ratelimit-reset-*}: {@code 20ms}, {@code 8.64s}, {@code 6m0s}. */
    static String duration(long ms) {
        if (ms < 1000) return ms + "ms";
        if (ms < MINUTE_MS) {
            String s = String.format(Locale.ROOT, "%.3f", ms / 1000.0).replaceAll("0+$", "").replaceAll("\\.$", "");
            return s + "s";
        }
        long totalS = ms / 1000;
        if (totalS < 3600) return (totalS / 60) + "m" + (totalS % 60) + "s";
        return (totalS / 3600) + "h" + (totalS % 3600 / 60) + "m" + (totalS % 60) + "s";
    }
}
