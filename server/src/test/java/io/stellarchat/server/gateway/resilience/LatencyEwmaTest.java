package io.stellarchat.server.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyEwmaTest {
    private final ManualTicker ticker = new ManualTicker();

    @Test
    void theFirstSampleIsTheAverageThenEachMovesItByAlpha() {
        LatencyEwma e = LatencyEwma.standard(ticker);
        assertFalse(e.measured());
        assertEquals(0, e.averageNanos());
        e.record(Duration.ofMillis(100));
        assertTrue(e.measured());
        assertEquals(100_000_000, e.averageNanos());
        e.record(Duration.ofMillis(200)); // 100 + 0.3 × 100
        assertEquals(130_000_000, e.averageNanos());
    }

    @Test
    void anAverageWithoutNewSamplesGoesStaleSoTheUpstreamIsMeasuredAgain() {
        LatencyEwma e = new LatencyEwma(0.3, Duration.ofSeconds(60), ticker);
        e.record(Duration.ofSeconds(5));
        ticker.advance(Duration.ofSeconds(59));
        assertTrue(e.measured());
        ticker.advance(Duration.ofSeconds(1));
        assertFalse(e.measured());
        e.record(Duration.ofSeconds(1)); // the old average still weighs in
        assertEquals(Duration.ofMillis(3800).toNanos(), e.averageNanos());
    }

    @Test
    void concurrentSamplesOfOneValueAverageToIt() throws InterruptedException {
        LatencyEwma e = LatencyEwma.standard(ticker);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 10_000; i++) e.record(Duration.ofMillis(50));
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(50_000_000, e.averageNanos());
    }
}
