package io.stellarchat.server.gateway.resilience;

import io.stellarchat.server.config.ModelEntry.Routing;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Orders the upstreams of a model for one request: the first is tried first, the rest are the retry order.
 * One implementation per {@link Routing}:
 * <ul>
 *   <li>{@code WEIGHTED}: weighted random without replacement: the first by weight among all, the next by
 *       weight among the rest, and so on.</li>
 *   <li>{@code LEAST_BUSY}: fewest requests in flight first; ties in random order.</li>
 *   <li>{@code LOWEST_LATENCY}: upstreams without a (fresh) time-to-first-token average first, so they get
 *       measured, in random order; then lowest average first, ties in random order.</li>
 * </ul>
 * In every strategy an upstream of weight 0 is a standby: it comes after every upstream of positive weight,
 * ordered among the standbys by the same rule.
 *
 * <p><b>Availability.</b> The caller snapshots each upstream into a {@link Candidate}, flagging as
 * unavailable the ones it must not send to now (breaker open, health check failing, bulkhead full). They are
 * left out of the order; an empty order means no upstream can answer (go to the fallbacks). The snapshot can
 * be stale by the time an upstream is tried, so the caller still asks the breaker and the bulkhead before
 * each attempt and moves on to the next upstream when either says no.
 *
 * <p><b>Threads.</b> A picker holds nothing but its {@link RandomGenerator}: share it between threads only
 * over a thread-safe generator ({@link java.util.Random} is), otherwise make one per request.
 */
public interface UpstreamPicker {
    /**
     * The snapshot of one upstream for one routing decision.
     *
     * @param target       what the caller wants back (its upstream handle)
     * @param weight       share under weighted routing, >= 0 (0 = standby)
     * @param inFlight     requests in flight to it (or to its provider), >= 0
     * @param latencyNanos its time-to-first-token average; only meaningful when {@code measured}
     * @param measured     whether it has a fresh average
     * @param available    false: leave it out (breaker open, unhealthy, bulkhead full)
     */
    record Candidate<T>(T target, int weight, int inFlight, long latencyNanos, boolean measured, boolean available) {
        public Candidate {
            Objects.requireNonNull(target, "target");
            if (weight < 0) throw new IllegalArgumentException("weight must be >= 0: " + weight);
            if (inFlight < 0) throw new IllegalArgumentException("inFlight must be >= 0: " + inFlight);
        }

        /** A snapshot read from the upstream's live counters. */
        public static <T> Candidate<T> of(T target, int weight, Bulkhead bulkhead, LatencyEwma latency,
                                          boolean available) {
            long avg = latency.averageNanos();
            return new Candidate<>(target, weight, bulkhead.inFlight(), avg, latency.measured(),
                    available && !bulkhead.full());
        }
    }

    /** The available candidates' targets in the order to try them. */
    <T> List<T> order(List<Candidate<T>> candidates);

    /** The picker of a routing strategy, drawing from {@code random}. */
    static UpstreamPicker of(Routing routing, RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        return switch (routing) {
            case WEIGHTED -> new WeightedPicker(random);
            case LEAST_BUSY -> new SortingPicker(random, Comparator.comparingInt(Candidate::inFlight));
            case LOWEST_LATENCY -> new SortingPicker(random,
                    Comparator.<Candidate<?>, Boolean>comparing(Candidate::measured) // unmeasured (false) first
                            .thenComparingLong(c -> c.measured() ? c.latencyNanos() : 0));
        };
    }
}
