package io.stellarchat.bench.soak;

import java.util.List;

/** Least-squares fit of a straight line through samples: the slope says whether a resource grows. */
final class Slope {
    private Slope() {}

    /**
     * The least-squares slope of {@code y} over {@code x} (units of y per unit of x); 0 for fewer than two
     * distinct x values.
     */
    static double of(List<Double> x, List<Double> y) {
        int n = Math.min(x.size(), y.size());
        if (n < 2) return 0;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x.get(i);
            my += y.get(i);
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = x.get(i) - mx;
            sxy += dx * (y.get(i) - my);
            sxx += dx * dx;
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }
}
