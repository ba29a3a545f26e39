package io.stellarchat.server.gateway.resilience;

import io.stellarchat.server.config.ModelEntry.RetrySettings;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long to wait before a retry: exponential backoff with full jitter. Retry {@code k} (1-based) waits a
 * uniformly random time in {@code [0, min(maxBackoff, backoff × 2^(k-1))]}, so that clients that failed
 * together do not come back together. An upstream's {@code Retry-After} wins over the computed wait, capped
 * at {@code maxBackoff} (a provider cannot park a request for longer than the model allows).
 *
 * <p><b>Threads.</b> Immutable apart from the injected {@link RandomGenerator}: share one {@code Backoff}
 * between threads only over a thread-safe generator ({@link java.util.Random} is; {@code SplittableRandom}
 * and the {@code L64X128MixRandom} family are not), otherwise make one per request (it is two durations and a
 * reference).
 */
public final class Backoff {
    private final long baseNanos;
    private final long maxNanos;
    private final RandomGenerator random;

    /**
     * @param backoff    the cap of the first retry's wait, >= 0
     * @param maxBackoff the longest wait, >= 0
     * @param random     the source of the jitter
     */
    public Backoff(Duration backoff, Duration maxBackoff, RandomGenerator random) {
        if (backoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("backoff durations must be >= 0: " + backoff + ", " + maxBackoff);
        }
        this.baseNanos = saturatedNanos(backoff);
        this.maxNanos = saturatedNanos(maxBackoff);
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The backoff of a model's {@code retries} setting. */
    public static Backoff of(RetrySettings retries, RandomGenerator random) {
        return new Backoff(retries.backoff(), retries.maxBackoff(), random);
    }

    /** The wait before retry {@code retry} (1 = the first retry): random in {@code [0, maxDelay(retry)]}. */
    public Duration delay(int retry) {
        long cap = cap(retry);
        if (cap == 0) return Duration.ZERO;
        return Duration.ofNanos(random.nextLong(cap == Long.MAX_VALUE ? cap : cap + 1)); // bound inclusive
    }

    /** The wait before a retry when the upstream said {@code Retry-After}: that, at most {@code maxBackoff}. */
    public Duration delay(int retry, Duration retryAfter) {
        checkRetry(retry);
        if (retryAfter.isNegative()) return Duration.ZERO;
        return Duration.ofNanos(Math.min(saturatedNanos(retryAfter), maxNanos));
    }

    /** The longest wait before retry {@code retry}: {@code min(maxBackoff, backoff × 2^(retry-1))}. */
    public Duration maxDelay(int retry) {
        return Duration.ofNanos(cap(retry));
    }

    private long cap(int retry) {
        checkRetry(retry);
        int shift = retry - 1;
        // backoff × 2^shift overflows, or exceeds the maximum, exactly when backoff > max >> shift.
        if (shift >= 63 || baseNanos > (maxNanos >> shift)) return maxNanos;
        return baseNanos << shift;
    }

    private static void checkRetry(int retry) {
        if (retry < 1) throw new IllegalArgumentException("retries are numbered from 1: " + retry);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
