package io.stellarchat.server.gateway.resilience;

import io.stellarchat.engine.util.Ticker;
import java.time.Duration;
import java.util.Objects;

/**
 * Bounds the retries sent to one provider so that retries cannot multiply the load on a provider that is
 * already failing (a retry storm): over the last {@code window}, retries may be at most {@code ratio} of
 * the requests, except that {@code minPerSecond} retries are always allowed in each second, so a provider
 * with little traffic can still be retried.
 *
 * <p>A retry is granted when either holds:
 * <ul>
 *   <li>{@code retries in window + 1 <= ratio × requests in window}, or</li>
 *   <li>fewer than {@code minPerSecond} retries were granted in the current one-second bucket.</li>
 * </ul>
 * Granted retries count in the window either way. Requests are original client requests only: call
 * {@link #onRequest()} once per request routed to the provider, not per attempt.
 *
 * <p><b>Threads.</b> Shared by every request thread that calls the provider. The window is a ring of
 * one-second buckets (request and retry counts, and the second each belongs to), all guarded by this
 * object's monitor; each call touches the ring for a few dozen instructions, so the lock is never held long
 * (and since Java 24 a virtual thread waiting on it does not pin its carrier). Time comes from the injected
 * {@link Ticker}; a bucket whose second has passed out of the window is cleared when its slot is reused.
 */
public final class RetryBudget {
    private static final long SECOND = 1_000_000_000L;

    private final Ticker ticker;
    private final long origin;
    private final double ratio;
    private final int minPerSecond;
    // One slot per second of the window: the second (since origin) it counts, and its counts. Guarded by this.
    private final long[] second;
    private final long[] requests;
    private final long[] retries;

    /**
     * @param ticker       the time source
     * @param window       whole seconds, 1s..1h
     * @param ratio        retries per request allowed over the window, 0..1 (0.2 = 20 %)
     * @param minPerSecond retries always allowed per second, >= 0
     */
    public RetryBudget(Ticker ticker, Duration window, double ratio, int minPerSecond) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        long seconds = window.toSeconds();
        if (window.toNanos() % SECOND != 0 || seconds < 1 || seconds > 3600) {
            throw new IllegalArgumentException("window must be whole seconds, 1s..1h: " + window);
        }
        if (!(ratio >= 0 && ratio <= 1)) throw new IllegalArgumentException("ratio must be in 0..1: " + ratio);
        if (minPerSecond < 0) throw new IllegalArgumentException("minPerSecond must be >= 0: " + minPerSecond);
        this.ratio = ratio;
        this.minPerSecond = minPerSecond;
        this.origin = ticker.read();
        int n = (int) seconds;
        this.second = new long[n];
        this.requests = new long[n];
        this.retries = new long[n];
        java.util.Arrays.fill(second, -1);
    }

    /** 20 % of the requests of the last 10 s, and at least 3 retries per second. */
    public static RetryBudget standard(Ticker ticker) {
        return new RetryBudget(ticker, Duration.ofSeconds(10), 0.2, 3);
    }

    /** Counts one client request routed to the provider. */
    public synchronized void onRequest() {
        requests[slot(now())]++;
    }

    /** Takes one retry from the budget if there is one; false means do not retry (fail or fall back). */
    public synchronized boolean tryRetry() {
        long now = now();
        int slot = slot(now);
        long windowRequests = 0;
        long windowRetries = 0;
        for (int i = 0; i < second.length; i++) {
            if (second[i] > now - second.length) {
                windowRequests += requests[i];
                windowRetries += retries[i];
            }
        }
        boolean withinRatio = windowRetries + 1 <= ratio * windowRequests;
        boolean withinFloor = retries[slot] < minPerSecond;
        if (!withinRatio && !withinFloor) return false;
        retries[slot]++;
        return true;
    }

    /** The current second since construction (never negative: the ticker is monotonic). */
    private long now() {
        return (ticker.read() - origin) / SECOND;
    }

    /** The slot of second {@code now}, cleared first if it still holds an older second. Caller holds the lock. */
    private int slot(long now) {
        int slot = (int) (now % second.length);
        if (second[slot] != now) {
            second[slot] = now;
            requests[slot] = 0;
            retries[slot] = 0;
        }
        return slot;
    }
}
