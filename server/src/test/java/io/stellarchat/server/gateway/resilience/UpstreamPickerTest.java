package io.stellarchat.server.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.ModelEntry.Routing;
import io.stellarchat.server.gateway.resilience.UpstreamPicker.Candidate;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UpstreamPickerTest {
    private final SplittableRandom random = new SplittableRandom(7);

    private static Candidate<String> weighted(String name, int weight) {
        return new Candidate<>(name, weight, 0, 0, false, true);
    }

    private static Candidate<String> busy(String name, int inFlight) {
        return new Candidate<>(name, 1, inFlight, 0, false, true);
    }

    private static Candidate<String> latency(String name, long millis) {
        return new Candidate<>(name, 1, 0, Duration.ofMillis(millis).toNanos(), true, true);
    }

    private static Candidate<String> unavailable(String name) {
        return new Candidate<>(name, 1, 0, 0, false, false);
    }

    @Test
    void weightsThreeToOneGiveAboutThreeQuartersOfFirstPicks() {
        UpstreamPicker p = UpstreamPicker.of(Routing.WEIGHTED, random);
        List<Candidate<String>> c = List.of(weighted("gpu", 3), weighted("backup", 1));
        int gpu = 0;
        for (int i = 0; i < 10_000; i++) {
            List<String> order = p.order(c);
            assertEquals(2, order.size(), "the other one is the retry order");
            if (order.getFirst().equals("gpu")) gpu++;
        }
        // 7500 expected; the standard deviation is sqrt(10000 × 0.75 × 0.25) ≈ 43, so ±200 is > 4.5 sigma.
        assertTrue(Math.abs(gpu - 7500) < 200, "gpu first " + gpu + " times of 10000");
    }

    @Test
    void weightedRetryOrderIsDrawnFromTheRemainingByWeight() {
        UpstreamPicker p = UpstreamPicker.of(Routing.WEIGHTED, random);
        List<Candidate<String>> c = List.of(weighted("a", 6), weighted("b", 3), weighted("c", 1));
        Map<String, Integer> secondWhenAFirst = new HashMap<>();
        int aFirst = 0;
        for (int i = 0; i < 20_000; i++) {
            List<String> order = p.order(c);
            assertEquals(Set.of("a", "b", "c"), new HashSet<>(order));
            if (order.getFirst().equals("a")) {
                aFirst++;
                secondWhenAFirst.merge(order.get(1), 1, Integer::sum);
            }
        }
        // With a taken, b and c compete 3:1.
        double bShare = secondWhenAFirst.get("b") / (double) aFirst;
        assertTrue(Math.abs(bShare - 0.75) < 0.03, "b second in " + bShare + " of the orders that start with a");
    }

    @Test
    void zeroWeightUpstreamsComeOnlyAfterEveryPositiveOne() {
        UpstreamPicker p = UpstreamPicker.of(Routing.WEIGHTED, random);
        List<Candidate<String>> c = List.of(weighted("standby", 0), weighted("a", 1), weighted("b", 1000));
        for (int i = 0; i < 1000; i++) assertEquals("standby", p.order(c).getLast());
    }

    @Test
    void leastBusyPicksTheIdleOneAndOrdersTheRestByLoad() {
        UpstreamPicker p = UpstreamPicker.of(Routing.LEAST_BUSY, random);
        assertEquals(List.of("idle", "some", "busy"), p.order(List.of(busy("busy", 9), busy("idle", 0), busy("some", 4))));
    }

    @Test
    void leastBusyBreaksTiesAtRandom() {
        UpstreamPicker p = UpstreamPicker.of(Routing.LEAST_BUSY, random);
        List<Candidate<String>> c = List.of(busy("a", 2), busy("b", 2), busy("c", 5));
        int aFirst = 0;
        for (int i = 0; i < 10_000; i++) {
            List<String> order = p.order(c);
            assertEquals("c", order.getLast());
            if (order.getFirst().equals("a")) aFirst++;
        }
        assertTrue(Math.abs(aFirst - 5000) < 300, "a first " + aFirst + " times of 10000");
    }

    @Test
    void lowestLatencyPicksTheFastOne() {
        UpstreamPicker p = UpstreamPicker.of(Routing.LOWEST_LATENCY, random);
        assertEquals(List.of("fast", "medium", "slow"),
                p.order(List.of(latency("slow", 900), latency("fast", 40), latency("medium", 300))));
    }

    @Test
    void lowestLatencyTriesAnUnmeasuredUpstreamFirstSoItGetsMeasured() {
        UpstreamPicker p = UpstreamPicker.of(Routing.LOWEST_LATENCY, random);
        Candidate<String> fresh = new Candidate<>("new", 1, 0, 0, false, true);
        assertEquals(List.of("new", "fast", "slow"), p.order(List.of(latency("slow", 900), latency("fast", 40), fresh)));
    }

    @Test
    void candidatesReadFromLiveCountersCarryLoadLatencyAndAFullBulkheadAsUnavailable() {
        ManualTicker ticker = new ManualTicker();
        Bulkhead free = new Bulkhead(2);
        Bulkhead full = new Bulkhead(1);
        assertTrue(full.tryEnter());
        LatencyEwma measured = LatencyEwma.standard(ticker);
        measured.record(Duration.ofMillis(80));
        Candidate<String> a = Candidate.of("a", 2, free, measured, true);
        assertEquals(new Candidate<>("a", 2, 0, 80_000_000, true, true), a);
        Candidate<String> b = Candidate.of("b", 1, full, LatencyEwma.standard(ticker), true);
        assertEquals(new Candidate<>("b", 1, 1, 0, false, false), b);
    }

    @Test
    void unavailableCandidatesAreLeftOutInEveryStrategy() {
        for (Routing r : Routing.values()) {
            UpstreamPicker p = UpstreamPicker.of(r, random);
            assertEquals(List.of("up"), p.order(List.of(unavailable("open"), busy("up", 3))), r.name());
            assertEquals(List.of(), p.order(List.of(unavailable("open"))), r.name());
            assertEquals(List.of(), p.order(List.<Candidate<String>>of()), r.name());
        }
    }
}
