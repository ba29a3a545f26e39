package io.stellarchat.server.gateway.resilience;

import io.stellarchat.server.gateway.resilience.UpstreamPicker.Candidate;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * {@code weighted} routing: weighted random without replacement, standbys (weight 0) after in random order.
 * O(n²) in the number of upstreams, which is a handful. Stateless apart from the random generator.
 */
final class WeightedPicker implements UpstreamPicker {
    private final RandomGenerator random;

    WeightedPicker(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public <T> List<T> order(List<Candidate<T>> candidates) {
        List<Candidate<T>> weighted = new ArrayList<>();
        List<Candidate<T>> standby = new ArrayList<>();
        long total = 0;
        for (Candidate<T> c : candidates) {
            if (!c.available()) continue;
            if (c.weight() > 0) {
                weighted.add(c);
                total += c.weight();
            } else {
                standby.add(c);
            }
        }
        List<T> out = new ArrayList<>(weighted.size() + standby.size());
        while (!weighted.isEmpty()) {
            long r = random.nextLong(total);
            int i = 0;
            while (r >= weighted.get(i).weight()) r -= weighted.get(i++).weight();
            Candidate<T> picked = weighted.remove(i);
            total -= picked.weight();
            out.add(picked.target());
        }
        while (!standby.isEmpty()) out.add(standby.remove(random.nextInt(standby.size())).target());
        return out;
    }
}
