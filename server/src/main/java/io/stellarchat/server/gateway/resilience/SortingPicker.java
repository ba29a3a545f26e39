package io.stellarchat.server.gateway.resilience;

import io.stellarchat.server.gateway.resilience.UpstreamPicker.Candidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * {@code least_busy} and {@code lowest_latency} routing: positive weights before standbys, then by a key
 * (in-flight count, or measured-ness and latency), ties broken by one random draw per candidate. Stateless
 * apart from the random generator.
 */
final class SortingPicker implements UpstreamPicker {
    private final RandomGenerator random;
    private final Comparator<Candidate<?>> key;

    SortingPicker(RandomGenerator random, Comparator<Candidate<?>> key) {
        this.random = random;
        this.key = key;
    }

    private record Keyed<T>(Candidate<T> candidate, long tieBreak) {}

    @Override
    public <T> List<T> order(List<Candidate<T>> candidates) {
        List<Keyed<T>> keyed = new ArrayList<>();
        for (Candidate<T> c : candidates) {
            if (c.available()) keyed.add(new Keyed<>(c, random.nextLong()));
        }
        keyed.sort(Comparator.<Keyed<T>, Boolean>comparing(k -> k.candidate().weight() == 0) // standbys last
                .thenComparing(Keyed::candidate, key)
                .thenComparingLong(Keyed::tieBreak));
        return keyed.stream().map(k -> k.candidate().target()).toList();
    }
}
