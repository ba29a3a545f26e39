package io.stellarchat.server.gateway.resilience;

import io.stellarchat.engine.util.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The exponentially weighted moving average of one upstream's time to first token, for
 * {@code lowest_latency} routing: {@code avg ← avg + alpha × (sample − avg)}, the first sample taken as is.
 *
 * <p>An average older than {@code staleAfter} (no sample since) reads as unmeasured, so that the picker
 * tries that upstream first again: without this, an upstream that was slow once would never be picked
 * again and its average would never recover.
 *
 * <p><b>Threads.</b> Shared by the request threads of the upstream; lock-free. The average lives in one
 * {@link AtomicLong} (the bits of a double, NaN while there is no sample) updated by a compare-and-set
 * loop; the time of the last sample in another, written after the average. A reader may see a new average
 * with the previous sample time (or the reverse) for an instant; either is a fine answer for routing.
 */
public final class LatencyEwma {
    private static final long NONE = Double.doubleToRawLongBits(Double.NaN);

    private final double alpha;
    private final long staleAfterNanos;
    private final Ticker ticker;
    private final AtomicLong average = new AtomicLong(NONE);
    private final AtomicLong lastSample = new AtomicLong();

    /**
     * @param alpha      weight of a new sample, in (0, 1]
     * @param staleAfter how long an average counts without a new sample, > 0
     * @param ticker     the time source
     */
    public LatencyEwma(double alpha, Duration staleAfter, Ticker ticker) {
        if (!(alpha > 0 && alpha <= 1)) throw new IllegalArgumentException("alpha must be in (0, 1]: " + alpha);
        if (staleAfter.isNegative() || staleAfter.isZero()) {
            throw new IllegalArgumentException("staleAfter must be positive: " + staleAfter);
        }
        this.alpha = alpha;
        this.staleAfterNanos = staleAfter.toNanos();
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** Alpha 0.3, stale after one minute. */
    public static LatencyEwma standard(Ticker ticker) {
        return new LatencyEwma(0.3, Duration.ofMinutes(1), ticker);
    }

    /** Adds one time-to-first-token sample. */
    public void record(Duration sample) {
        double x = Math.max(0, sample.toNanos());
        while (true) {
            long bits = average.get();
            double old = Double.longBitsToDouble(bits);
            double next = bits == NONE ? x : old + alpha * (x - old);
            if (average.compareAndSet(bits, Double.doubleToRawLongBits(next))) break;
        }
        lastSample.set(ticker.read());
    }

    /** Whether there is a sample younger than {@code staleAfter}. */
    public boolean measured() {
        return average.get() != NONE && ticker.read() - lastSample.get() < staleAfterNanos;
    }

    /** The average in nanoseconds; 0 when {@linkplain #measured() unmeasured}. */
    public long averageNanos() {
        if (!measured()) return 0;
        return Math.round(Double.longBitsToDouble(average.get()));
    }
}
