package io.stellarchat.bench.serve;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one measured phase amounts to. Latencies are of the requests that got a reply (the admitted ones);
 * throughput counts their completion tokens over the phase's wall time, from the first request sent to the
 * last one ended.
 *
 * @param name             phase name ({@code baseline}, {@code stream}, {@code overload})
 * @param clients          concurrent clients
 * @param requests         requests sent
 * @param replies          requests that ended with a complete reply
 * @param rejected         429 answers (queue full)
 * @param unavailable      503 answers (waited too long)
 * @param timeouts         requests still unanswered at their deadline
 * @param errors           other statuses, error events, broken connections
 * @param errorsByStatus   every request that did not end with a reply, by HTTP status ({@code "429"},
 *                         {@code "500"}, …), {@code "timeout"} or {@code "transport"}
 * @param completionTokens tokens generated in the replies
 * @param wallSeconds      the phase's duration
 * @param aggregateTps     completion tokens / wall seconds
 * @param streamTpsMean    mean decode rate of one reply after its first token
 * @param ttftMean         mean time to first token, seconds
 * @param ttftP50          median time to first token
 * @param ttftP99          99th percentile time to first token
 * @param itlP50           median gap between consecutive tokens of a reply
 * @param itlP99           99th percentile of those gaps
 * @param promptTokensMean mean {@code usage.prompt_tokens}
 * @param cachedTokensMean mean {@code usage.prompt_tokens_details.cached_tokens}
 */
record PhaseSummary(String name, int clients, int requests, int replies, int rejected, int unavailable, int timeouts,
                    int errors, Map<String, Integer> errorsByStatus, long completionTokens, double wallSeconds,
                    double aggregateTps, double streamTpsMean, double ttftMean, double ttftP50, double ttftP99,
                    double itlP50, double itlP99, double promptTokensMean, double cachedTokensMean) {

    PhaseSummary {
        errorsByStatus = Map.copyOf(errorsByStatus);
    }

    static PhaseSummary of(String name, int clients, long wallNanos, List<RequestResult> results) {
        int replies = 0;
        int rejected = 0;
        int unavailable = 0;
        int timeouts = 0;
        int errors = 0;
        Map<String, Integer> byStatus = new TreeMap<>();
        long tokens = 0;
        double[] ttft = new double[results.size()];
        double[] rates = new double[results.size()];
        int rateCount = 0;
        double[] gaps = new double[0];
        double prompt = 0;
        double cached = 0;
        for (RequestResult r : results) {
            switch (r.outcome()) {
                case REPLY -> replies++;
                case REJECTED_429 -> rejected++;
                case UNAVAILABLE_503 -> unavailable++;
                case TIMEOUT -> timeouts++;
                case ERROR -> errors++;
            }
            if (r.outcome() != RequestResult.Outcome.REPLY) {
                String key = r.outcome() == RequestResult.Outcome.TIMEOUT ? "timeout"
                        : r.status() == 0 ? "transport" : Integer.toString(r.status());
                byStatus.merge(key, 1, Integer::sum);
                continue;
            }
            tokens += r.completionTokens();
            ttft[replies - 1] = r.ttftSeconds();
            double rate = r.streamTokensPerSecond();
            if (!Double.isNaN(rate)) {
                rates[rateCount++] = rate;
            }
            double[] g = r.interTokenSeconds();
            int at = gaps.length;
            gaps = Arrays.copyOf(gaps, at + g.length);
            System.arraycopy(g, 0, gaps, at, g.length);
            prompt += r.promptTokens();
            cached += r.cachedTokens();
        }
        double[] t = Arrays.stream(ttft, 0, replies).filter(v -> !Double.isNaN(v)).toArray();
        double wall = wallNanos / 1e9;
        return new PhaseSummary(name, clients, results.size(), replies, rejected, unavailable, timeouts, errors, byStatus,
                tokens, wall, wall > 0 ? tokens / wall : Double.NaN, mean(Arrays.copyOf(rates, rateCount)), mean(t),
                percentile(t, 0.50), percentile(t, 0.99), percentile(gaps, 0.50), percentile(gaps, 0.99),
                replies == 0 ? Double.NaN : prompt / replies, replies == 0 ? Double.NaN : cached / replies);
    }

    static double mean(double[] v) {
        return v.length == 0 ? Double.NaN : Arrays.stream(v).average().orElseThrow();
    }

    /** Nearest-rank percentile: the smallest value with at least {@code p} of the values at or below it. */
    static double percentile(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] s = values.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p * s.length);
        return s[Math.min(s.length, Math.max(1, rank)) - 1];
    }
}
