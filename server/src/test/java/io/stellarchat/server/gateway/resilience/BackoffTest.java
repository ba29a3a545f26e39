package io.stellarchat.server.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.ModelEntry.RetrySettings;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final Duration BASE = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(2);

    /** A generator that always draws the largest value below the bound (the top of the jitter range). */
    private static final RandomGenerator HIGHEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new AssertionError("Backoff must draw within a bound (nextLong(bound)), never an unbounded long");
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    @Test
    void theCapDoublesPerRetryUpToMaxBackoff() {
        Backoff b = new Backoff(BASE, MAX, new SplittableRandom(1));
        assertEquals(Duration.ofMillis(100), b.maxDelay(1));
        assertEquals(Duration.ofMillis(200), b.maxDelay(2));
        assertEquals(Duration.ofMillis(400), b.maxDelay(3));
        assertEquals(Duration.ofMillis(1600), b.maxDelay(5));
        assertEquals(MAX, b.maxDelay(6));
        assertEquals(MAX, b.maxDelay(1000), "no overflow for large retry numbers");
    }

    @Test
    void theDelayIsFullJitterBetweenZeroAndTheCapInclusive() {
        assertEquals(Duration.ofMillis(400), new Backoff(BASE, MAX, HIGHEST).delay(3));
        Backoff b = new Backoff(BASE, MAX, new SplittableRandom(42));
        long below = 0;
        for (int i = 0; i < 10_000; i++) {
            Duration d = b.delay(3);
            assertTrue(!d.isNegative() && d.compareTo(Duration.ofMillis(400)) <= 0, d.toString());
            if (d.compareTo(Duration.ofMillis(200)) < 0) below++;
        }
        assertTrue(below > 4700 && below < 5300, "uniform: about half below the middle, got " + below);
    }

    @Test
    void retryAfterWinsButIsCappedAtMaxBackoff() {
        Backoff b = new Backoff(BASE, MAX, new SplittableRandom(1));
        assertEquals(Duration.ofSeconds(1), b.delay(1, Duration.ofSeconds(1)));
        assertEquals(MAX, b.delay(1, Duration.ofSeconds(120)));
        assertEquals(Duration.ZERO, b.delay(1, Duration.ofSeconds(-5)));
    }

    @Test
    void zeroBackoffMeansRetryAtOnce() {
        Backoff b = Backoff.of(new RetrySettings(3, Duration.ZERO, Duration.ZERO), new SplittableRandom(1));
        assertEquals(Duration.ZERO, b.delay(1));
        assertEquals(Duration.ZERO, b.delay(7));
    }

    @Test
    void retriesAreNumberedFromOne() {
        Backoff b = new Backoff(BASE, MAX, new SplittableRandom(1));
        assertThrows(IllegalArgumentException.class, () -> b.delay(0));
        assertThrows(IllegalArgumentException.class, () -> b.delay(0, Duration.ofSeconds(1)));
    }
}
