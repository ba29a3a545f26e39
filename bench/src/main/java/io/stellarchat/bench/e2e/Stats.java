package io.stellarchat.bench.e2e;

import java.util.Arrays;

/**
 * Summary of repeated measurements (tokens/s or GB/s).
 *
 * @param samples the measurements, in run order
 * @param median  the median (mean of the middle two for an even count)
 * @param min     the smallest
 * @param max     the largest
 * @param stddev  sample standard deviation (0 for one sample)
 */
public record Stats(double[] samples, double median, double min, double max, double stddev) {

    public Stats {
        samples = samples.clone();
    }

    @Override
    public double[] samples() {
        return samples.clone();
    }

    /** Summarises at least one sample. */
    public static Stats of(double[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double[] s = samples.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        double mean = Arrays.stream(s).average().orElseThrow();
        double sq = 0;
        for (double x : s) {
            sq += (x - mean) * (x - mean);
        }
        double sd = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
        return new Stats(samples, median, s[0], s[n - 1], sd);
    }
}
