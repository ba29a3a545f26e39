package io.stellarchat.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {

    /** Temperature 1, no truncation, no penalties: draws follow the softmax of the logits. */
    private static final SamplingParams PURE = SamplingParams.greedy().withTemperature(1f).withSeed(1234);

    private static float[] gaussianRow(long seed, int n, double sd) {
        Random r = new Random(seed);
        float[] row = new float[n];
        for (int i = 0; i < n; i++) {
            row[i] = (float) (r.nextGaussian() * sd);
        }
        return row;
    }

    private static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static int[] histogram(Sampler s, float[] logits, int draws) {
        int[] counts = new int[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[s.sample(logits.clone())]++;
        }
        return counts;
    }

    /** Each empirical frequency within 5 standard deviations of its expected probability (seeded: deterministic). */
    private static void assertMatches(double[] expected, int[] counts, int draws) {
        for (int t = 0; t < expected.length; t++) {
            double p = expected[t];
            double f = (double) counts[t] / draws;
            double bound = 5 * Math.sqrt(p * (1 - p) / draws) + 1e-9;
            assertTrue(Math.abs(f - p) <= bound,
                    "token " + t + ": frequency " + f + " vs probability " + p + " (bound " + bound + ")");
        }
    }

    // ---- greedy ----

    @Test
    void greedyPicksArgmaxWithTiesToLowerId() {
        Sampler s = new Sampler(SamplingParams.greedy(), 6);
        assertEquals(2, s.sample(new float[] {1f, 2f, 3f, 3f, -1f, 3f}));
        assertEquals(0, s.sample(new float[] {5f, 5f, 5f, 5f, 5f, 5f}));
        assertEquals(5, s.sample(new float[] {Float.NEGATIVE_INFINITY, -3f, -3f, -3f, -3f, -2.5f}));
        // -0.0 and +0.0 tie, so the lower id wins whichever sign it carries.
        assertEquals(1, s.sample(new float[] {-1f, -0f, 0f, -2f, -2f, -2f}));
    }

    @Test
    void temperatureNearZeroEqualsGreedy() {
        Sampler greedy = new Sampler(SamplingParams.greedy(), 1000);
        Sampler cold = new Sampler(SamplingParams.defaults().withTemperature(1e-6f).withTopK(0).withTopP(1f)
                .withMinP(0f).withSeed(99), 1000);
        for (int row = 0; row < 50; row++) {
            float[] logits = gaussianRow(row, 1000, 3);
            assertEquals(greedy.sample(logits.clone()), cold.sample(logits.clone()), "row " + row);
        }
    }

    @Test
    void topKOneIsGreedyAtAnyTemperature() {
        Sampler greedy = new Sampler(SamplingParams.greedy(), 500);
        Sampler topOne = new Sampler(SamplingParams.defaults().withTemperature(2f).withTopK(1).withSeed(5), 500);
        for (int row = 0; row < 50; row++) {
            float[] logits = gaussianRow(100 + row, 500, 0.3);
            assertEquals(greedy.sample(logits.clone()), topOne.sample(logits.clone()), "row " + row);
        }
    }

    // ---- seeds ----

    private static int[] draws(SamplingParams p, float[] logits, int n) {
        Sampler s = new Sampler(p, logits.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(logits.clone());
            s.accept(out[i]);
        }
        return out;
    }

    @Test
    void sameSeedGivesSameSequenceAndOtherSeedsDiffer() {
        float[] logits = gaussianRow(7, 2000, 1.0);
        for (SamplingParams base : List.of(PURE, SamplingParams.defaults(),
                SamplingParams.defaults().withTopK(0), SamplingParams.defaults().withRepeatPenalty(1.3f))) {
            int[] a = draws(base.withSeed(42), logits, 100);
            int[] b = draws(base.withSeed(42), logits, 100);
            int[] c = draws(base.withSeed(43), logits, 100);
            assertArrayEquals(a, b, "same seed, " + base);
            assertTrue(Arrays.stream(a).distinct().count() > 5, "the draws vary at all: " + Arrays.toString(a));
            assertNotEquals(Arrays.toString(a), Arrays.toString(c), "seeds 42 and 43, " + base);
        }
    }

    @Test
    void interleavedSamplersDoNotDisturbEachOther() {
        float[] logits = gaussianRow(8, 300, 1.0);
        int[] alone = draws(PURE.withSeed(3), logits, 100);
        Sampler a = new Sampler(PURE.withSeed(3), 300);
        Sampler other = new Sampler(PURE.withSeed(3), 300);
        for (int i = 0; i < 100; i++) {
            other.sample(logits.clone());
            assertEquals(alone[i], a.sample(logits.clone()), "draw " + i);
        }
    }

    // ---- distributions ----

    @Test
    void drawsFollowSoftmaxOfLogits() {
        float[] logits = {2f, 1f, 0.5f, 0f, -1f, -3f, 1.5f};
        int n = 100_000;
        assertMatches(softmax(logits, 1), histogram(new Sampler(PURE, logits.length), logits, n), n);
    }

    @Test
    void drawsFollowSoftmaxAtTemperature() {
        float[] logits = {2f, 1f, 0.5f, 0f, -1f, -3f, 1.5f};
        int n = 100_000;
        assertMatches(softmax(logits, 0.5), histogram(new Sampler(PURE.withTemperature(0.5f), 7), logits, n), n);
        assertMatches(softmax(logits, 2.0), histogram(new Sampler(PURE.withTemperature(2f), 7), logits, n), n);
    }

    @Test
    void topKDrawsFollowSoftmaxRenormalisedOverTheKBest() {
        float[] logits = {0.3f, 2f, -1f, 1f, 1.8f, 0f};
        int n = 100_000;
        int[] counts = histogram(new Sampler(PURE.withTopK(3), logits.length), logits, n);
        double[] expected = softmax(new float[] {1f, 2f, 1.8f}, 1);
        assertMatches(new double[] {0, expected[1], 0, expected[0], expected[2], 0}, counts, n);
    }

    @Test
    void topPThenTemperatureDrawsFollowSoftmaxAtTemperatureOverTheKeptSet() {
        float[] logits = {2f, 1f, 0.5f, 0f, -1f, -3f, 1.5f};
        int[] kept = topPByFullSort(logits, 0.8); // truncation is decided at temperature 1
        assertArrayEquals(new int[] {0, 1, 6}, kept);
        double[] q = softmax(new float[] {2f, 1f, 1.5f}, 0.7);
        int n = 100_000;
        int[] counts = histogram(new Sampler(PURE.withTopP(0.8f).withTemperature(0.7f), logits.length), logits, n);
        assertMatches(new double[] {q[0], q[1], 0, 0, 0, 0, q[2]}, counts, n);
    }

    // ---- truncation rules ----

    @Test
    void topKKeepsTheKBestWithTiesToLowerIds() {
        Sampler s = new Sampler(PURE.withTopK(3), 8);
        assertArrayEquals(new int[] {1, 4, 6}, s.keptTokens(new float[] {0, 5, 1, 2, 7, -1, 3, 0}));
        assertArrayEquals(new int[] {0, 1, 2}, s.keptTokens(new float[8]));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probabilities 0.5, 0.3, 0.15, 0.05 (in a shuffled id order)
        float[] logits = {(float) Math.log(0.15), (float) Math.log(0.5), (float) Math.log(0.05), (float) Math.log(0.3)};
        assertArrayEquals(new int[] {1}, new Sampler(PURE.withTopP(0.45f), 4).keptTokens(logits));
        assertArrayEquals(new int[] {1, 3}, new Sampler(PURE.withTopP(0.75f), 4).keptTokens(logits));
        assertArrayEquals(new int[] {0, 1, 3}, new Sampler(PURE.withTopP(0.85f), 4).keptTokens(logits));
        assertArrayEquals(new int[] {0, 1, 2, 3}, new Sampler(PURE.withTopP(0.99f), 4).keptTokens(logits));
        assertArrayEquals(new int[] {1}, new Sampler(PURE.withTopP(0f), 4).keptTokens(logits));
        // after top-k = 3 the probabilities are renormalised over {0.5, 0.3, 0.15}: 0.53, 0.32, 0.16
        assertArrayEquals(new int[] {1, 3}, new Sampler(PURE.withTopK(3).withTopP(0.8f), 4).keptTokens(logits));
        assertArrayEquals(new int[] {0, 1, 3}, new Sampler(PURE.withTopK(3).withTopP(0.9f), 4).keptTokens(logits));
    }

    /**
     * Independent oracle: sort all logit values, walk the cumulative probability to the n-th value, then
     * take every id above that value and the lowest ids equal to it.
     */
    private static int[] topPByFullSort(float[] logits, double p) {
        double[] prob = softmax(logits, 1);
        double[] probSorted = prob.clone();
        Arrays.sort(probSorted); // ascending: walk from the end
        double cumulative = 0;
        int n = 0;
        while (n < probSorted.length) {
            cumulative += probSorted[probSorted.length - 1 - n++];
            if (cumulative >= p) {
                break;
            }
        }
        double boundary = probSorted[probSorted.length - n];
        int above = (int) Arrays.stream(prob).filter(q -> q > boundary).count();
        int[] equal = IntStream.range(0, logits.length).filter(i -> prob[i] == boundary).limit(n - above).toArray();
        return IntStream.concat(IntStream.range(0, logits.length).filter(i -> prob[i] > boundary),
                Arrays.stream(equal)).sorted().toArray();
    }

    @Test
    void topPOverALargeVocabularyMatchesAFullSort() {
        // Over a 150k vocabulary: a peaked row (a few tokens), a flatter one (thousands) and a nearly flat
        // one (most of the vocabulary); then a row of coarse steps with many exact ties and banned tokens.
        int v = 150_000;
        List<float[]> rows = new java.util.ArrayList<>();
        for (double sd : new double[] {6, 2.5, 0.5}) {
            rows.add(gaussianRow((long) (sd * 10), v, sd));
        }
        float[] coarse = gaussianRow(77, v, 1.5);
        for (int i = 0; i < v; i++) {
            coarse[i] = i % 97 == 0 ? Float.NEGATIVE_INFINITY : Math.round(coarse[i] * 4) / 4f;
        }
        rows.add(coarse);
        for (int r = 0; r < rows.size(); r++) {
            float[] logits = rows.get(r);
            for (float p : new float[] {0.5f, 0.9f}) {
                int[] expected = topPByFullSort(logits, p);
                int[] kept = new Sampler(PURE.withTopP(p), v).keptTokens(logits);
                // the token at the boundary may differ by float vs double rounding of the cumulative sum;
                // both are prefixes of the same order, so beyond that they must agree
                String what = "row " + r + ", p " + p + ": " + kept.length + " kept, oracle " + expected.length;
                assertTrue(Math.abs(expected.length - kept.length) <= 1, what);
                int[] smaller = kept.length <= expected.length ? kept : expected;
                int[] larger = kept.length <= expected.length ? expected : kept;
                assertTrue(Arrays.stream(smaller).allMatch(t -> Arrays.binarySearch(larger, t) >= 0), what);
            }
        }
    }

    @Test
    void minPKeepsTokensWithinFactorOfTheBest() {
        // min-p 0.1: keep p >= 0.1 * p_max, i.e. logit >= max + ln 0.1 = max - 2.3026
        float[] logits = {-2.2f, 0f, -5f, -1f, -2.4f, -2.30f};
        int[] expected = {0, 1, 3, 5};
        assertArrayEquals(expected, new Sampler(PURE.withMinP(0.1f), 6).keptTokens(logits));
        assertArrayEquals(expected, new Sampler(PURE.withMinP(0.1f).withTopK(5), 6).keptTokens(logits));
        assertArrayEquals(expected, new Sampler(PURE.withMinP(0.1f).withTopP(0.9999f), 6).keptTokens(logits));
        assertArrayEquals(new int[] {1}, new Sampler(PURE.withMinP(1f), 6).keptTokens(logits));
        // and the draws never leave the kept set
        int[] counts = histogram(new Sampler(PURE.withMinP(0.1f), 6), logits, 20_000);
        assertEquals(0, counts[2] + counts[4]);
        assertTrue(counts[0] > 0 && counts[5] > 0);
    }

    // ---- penalties and bias ----

    private static float[] processed(SamplingParams p, int[] history, float[] logits) {
        Sampler s = new Sampler(p.withTemperature(0f), logits.length);
        s.acceptAll(history);
        float[] row = logits.clone();
        s.sample(row);
        return row;
    }

    @Test
    void repeatPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
        float[] logits = {1f, 2f, -1f, 0.5f, -0.5f};
        float[] out = processed(SamplingParams.greedy().withRepeatPenalty(2f).withPenaltyLastN(64),
                new int[] {1, 1, 2}, logits);
        assertArrayEquals(new float[] {1f, 1f, -2f, 0.5f, -0.5f}, out);
    }

    @Test
    void presencePenaltySubtractsOncePerSeenToken() {
        float[] out = processed(SamplingParams.greedy().withPresencePenalty(0.5f).withPenaltyLastN(64),
                new int[] {1, 1, 2}, new float[] {1f, 2f, -1f, 0.5f});
        assertArrayEquals(new float[] {1f, 1.5f, -1.5f, 0.5f}, out);
    }

    @Test
    void frequencyPenaltySubtractsPerOccurrence() {
        float[] out = processed(SamplingParams.greedy().withFrequencyPenalty(0.5f).withPenaltyLastN(64),
                new int[] {1, 1, 2}, new float[] {1f, 2f, -1f, 0.5f});
        assertArrayEquals(new float[] {1f, 1f, -1.5f, 0.5f}, out);
    }

    @Test
    void penaltiesCombineRepeatFirstThenFrequencyAndPresence() {
        // token 1 seen twice: 2 / 2 = 1, then - (2 * 0.25 + 0.5) = 0
        float[] out = processed(SamplingParams.greedy().withRepeatPenalty(2f).withFrequencyPenalty(0.25f)
                .withPresencePenalty(0.5f).withPenaltyLastN(64), new int[] {1, 1}, new float[] {1f, 2f});
        assertArrayEquals(new float[] {1f, 0f}, out);
    }

    @Test
    void penaltiesOnlySeeTheLastNTokens() {
        // window of 2 over 1, 1, 2, 3 holds {2, 3}: token 1 is no longer penalised
        float[] out = processed(SamplingParams.greedy().withFrequencyPenalty(1f).withPenaltyLastN(2),
                new int[] {1, 1, 2, 3}, new float[] {0f, 0f, 0f, 0f});
        assertArrayEquals(new float[] {0f, 0f, -1f, -1f}, out);
        // a window of 0 disables the penalties
        float[] off = processed(SamplingParams.greedy().withFrequencyPenalty(1f).withPenaltyLastN(0),
                new int[] {1, 2}, new float[] {0f, 0f, 0f});
        assertArrayEquals(new float[] {0f, 0f, 0f}, off);
    }

    @Test
    void repeatPenaltyChangesTheGreedyChoice() {
        Sampler s = new Sampler(SamplingParams.greedy().withRepeatPenalty(1.5f).withPenaltyLastN(8), 3);
        float[] logits = {1.0f, 1.4f, 0.2f};
        assertEquals(1, s.sample(logits.clone()));
        s.accept(1);
        assertEquals(0, s.sample(logits.clone())); // 1.4 / 1.5 < 1.0
    }

    @Test
    void logitBiasMinus100BansAToken() {
        float[] logits = {0.5f, 1f, 6f, 0f, 2f};
        SamplingParams p = PURE.withLogitBias(Map.of(2, -100f));
        assertEquals(4, new Sampler(p.withTemperature(0f), 5).sample(logits.clone()));
        int[] counts = histogram(new Sampler(p, 5), logits, 20_000);
        assertEquals(0, counts[2], "banned token drawn");
        assertTrue(counts[0] > 0 && counts[1] > 0 && counts[4] > 0);
    }

    @Test
    void positiveLogitBiasCanForceAToken() {
        Sampler s = new Sampler(SamplingParams.greedy().withLogitBias(Map.of(3, 10f)), 5);
        float[] row = {0.5f, 1f, 6f, 0f, 2f};
        assertEquals(3, s.sample(row));
        assertEquals(10f, row[3]);
    }

    // ---- logprobs ----

    @Test
    void logprobsExponentiateToOneOverTheVocabularyAndTopIsSorted() {
        int v = 300;
        float[] logits = gaussianRow(11, v, 2.0);
        Sampler s = new Sampler(SamplingParams.defaults().withTopLogprobs(20).withSeed(1), v);
        SampledToken chosen = s.sampleWithLogprobs(logits); // processes in place (no bias/penalty here)
        double total = 0;
        for (int t = 0; t < v; t++) {
            total += Math.exp(s.logprobs(logits, t).logprob());
        }
        assertEquals(1.0, total, 1e-4);
        List<TokenLogprob> top = chosen.top();
        assertEquals(20, top.size());
        for (int i = 1; i < top.size(); i++) {
            assertTrue(top.get(i - 1).logprob() >= top.get(i).logprob(), "sorted at " + i);
        }
        // the top list is the 20 largest logits, and each entry agrees with the single-token value
        int[] byLogit = IntStream.range(0, v).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i))
                .limit(20).mapToInt(Integer::intValue).toArray();
        assertArrayEquals(byLogit, top.stream().mapToInt(TokenLogprob::token).toArray());
        for (TokenLogprob t : top) {
            assertEquals(s.logprobs(logits, t.token()).logprob(), t.logprob());
        }
        assertEquals(s.logprobs(logits, chosen.token()).logprob(), chosen.logprob());
    }

    @Test
    void logprobsAreTakenBeforeTemperatureAndTruncationButAfterBias() {
        float[] logits = {1f, 2f, 0f, -1f};
        double[] p = softmax(logits, 1);
        SampledToken hot = new Sampler(SamplingParams.greedy().withTemperature(0f).withTopLogprobs(4), 4)
                .sampleWithLogprobs(logits.clone());
        SampledToken cold = new Sampler(PURE.withTemperature(0.05f).withTopK(1).withTopLogprobs(4), 4)
                .sampleWithLogprobs(logits.clone());
        assertEquals(1, hot.token());
        assertEquals(1, cold.token());
        assertEquals(Math.log(p[1]), hot.logprob(), 1e-6);
        assertEquals(hot.logprob(), cold.logprob());
        assertEquals(hot.top(), cold.top());
        assertEquals(Math.log(p[3]), hot.top().get(3).logprob(), 1e-6); // truncated away, still reported
        SampledToken biased = new Sampler(SamplingParams.greedy().withLogitBias(Map.of(0, 1f)), 4)
                .sampleWithLogprobs(logits.clone());
        assertEquals(Math.log(softmax(new float[] {2f, 2f, 0f, -1f}, 1)[0]), biased.logprob(), 1e-6);
        assertEquals(0, biased.token()); // 0 and 1 tie at 2.0 after the bias: the lower id
        assertTrue(biased.top().isEmpty());
    }

    // ---- bad input ----

    @Test
    void badRowsAndTokensAreRejectedPrecisely() {
        Sampler s = new Sampler(SamplingParams.defaults(), 4);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.sample(new float[3]))
                .getMessage().contains("length 3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.sample(new float[] {0, Float.NaN, 0, 0}))
                .getMessage().contains("logits[1] is NaN"));
        float ninf = Float.NEGATIVE_INFINITY;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.sample(new float[] {ninf, ninf, ninf, ninf}))
                .getMessage().contains("-infinity"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> s.sample(new float[] {0, 0, Float.POSITIVE_INFINITY, 0})).getMessage().contains("logits[2]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.accept(4)).getMessage().contains("token 4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.accept(-1)).getMessage().contains("token -1"));
        assertThrows(IllegalArgumentException.class, () -> s.logprobs(new float[4], 9));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new Sampler(SamplingParams.greedy().withLogitBias(Map.of(4, 1f)), 4))
                .getMessage().contains("logitBias token id 4"));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(SamplingParams.greedy(), 0));
    }
}
