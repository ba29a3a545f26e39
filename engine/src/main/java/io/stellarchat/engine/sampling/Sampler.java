package io.stellarchat.engine.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Chooses each next token of one request from a row of logits, following {@link SamplingParams}.
 *
 * <h2>Design</h2>
 * <b>Ownership.</b> One sampler per request, owned by whoever runs that request's generation (the
 * scheduler thread). It is not thread-safe and needs no lock: its state is the request's alone — the
 * random generator (an {@code L64X128MixRandom} seeded from {@link SamplingParams#seed()}, never a shared
 * {@code Random}), the penalty window of recent tokens, and scratch buffers reused between steps.
 *
 * <p><b>One step</b> ({@link #sample}), in llama.cpp's order:
 * <ol>
 *   <li>logit bias: {@code logits[t] += bias[t]};</li>
 *   <li>penalties over the last {@code penaltyLastN} accepted tokens, per distinct token {@code t} seen
 *       {@code c} times: {@code l = l <= 0 ? l * repeat : l / repeat}, then
 *       {@code l -= frequency * c + presence};</li>
 *   <li>the grammar mask, when the caller passes one ({@link #sample(float[], long[])}): every token whose
 *       bit is clear gets {@code -infinity}, so truncation, temperature and the draw see only legal tokens
 *       and the probabilities renormalise over them;</li>
 *   <li>if {@code temperature == 0} or {@code topK == 1}: the argmax, ties to the lower id, O(V);</li>
 *   <li>otherwise top-k, then top-p, then min-p, each on the distribution at temperature 1 as llama.cpp's
 *       default chain does, then temperature on the survivors, then one draw from the random generator.</li>
 * </ol>
 * Steps 1 and 2 write into the caller's array, and nothing after them does: when {@code sample} returns,
 * {@code logits} holds the <em>processed</em> logits (after bias and penalties), the row that
 * {@link #logprobs} reads. Truncation and temperature work on scratch arrays.
 *
 * <p><b>Cost per step</b> for a vocabulary of V tokens. Greedy: one pass. Top-k with {@code k < V}: a
 * bounded heap, O(V log k), then work on k candidates. Top-p without top-k: two passes over V build a
 * histogram of probability mass by logit, and only the tokens down to the bucket where the mass reaches p
 * are sorted — a handful for a peaked distribution, most of V only for a nearly flat one (llama.cpp also
 * buckets here). Neither top-k nor top-p: no sorting at all; min-p is a threshold
 * {@code l >= max + ln(minP)} applied in the draw's pass. Scratch: up to {@code 12 * V} bytes (keys and
 * weights), allocated on first use by the paths that need it, plus 12 KiB of histogram.
 *
 * <p><b>Log-probabilities</b> ({@link #logprobs}, {@link #sampleWithLogprobs}) are the log-softmax of the
 * processed logits at temperature 1, over the whole vocabulary, before truncation: the model's own
 * distribution after the request's bias and penalties, which is what OpenAI reports. A token that
 * temperature or truncation made impossible can therefore still show a finite log-probability; a token
 * chosen at temperature 0.1 shows the probability it had at temperature 1. They cost one extra pass of
 * V exponentials, so {@link #sample} alone does not compute them.
 *
 * <p><b>Bad rows.</b> A row of the wrong length, a NaN or +infinity logit, or a row with no finite logit
 * after bias and penalties throws {@link IllegalArgumentException}; the caller ends the request.
 */
public final class Sampler {
    /** Histogram buckets used by top-p over the whole vocabulary. */
    private static final int TOP_P_BUCKETS = 1024;

    private final SamplingParams params;
    private final int vocabSize;
    private final RandomGenerator random;
    // Logit bias as two parallel arrays, (biasCount): faster to apply than boxing through the map.
    private final int[] biasTokens;
    private final float[] biasValues;
    private final boolean penaltiesOn;

    // Penalty window: the last min(accepted, penaltyLastN) tokens, in no particular order. While it is not
    // full, tokens are appended (the array grows); once full, windowNext is the slot to overwrite.
    private int[] window = new int[0];
    private int windowSize;
    private int windowNext;
    private int[] windowSorted = new int[0]; // scratch for counting, (windowSize)

    // Scratch, allocated on first use and grown as needed: candidate keys (<= V) and weights (<= V).
    private long[] keys = new long[0];
    private float[] weights = new float[0];
    // Scratch for top-p over the vocabulary: probability mass and token count per bucket, (TOP_P_BUCKETS).
    private final double[] bucketMass = new double[TOP_P_BUCKETS];
    private final int[] bucketCount = new int[TOP_P_BUCKETS];

    // The result of truncate(): either every token whose logit is >= threshold (allTokens; no sort was
    // needed), or the first `candidates` keys of `keys`, sorted by descending logit.
    private boolean allTokens;
    private float threshold;
    private int candidates;

    /**
     * @param params    the request's sampling settings
     * @param vocabSize the length of every logits row, &gt; 0; every token id in {@code params.logitBias()}
     *                  must be below it
     */
    public Sampler(SamplingParams params, int vocabSize) {
        if (params == null) {
            throw new IllegalArgumentException("params must not be null");
        }
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        }
        this.params = params;
        this.vocabSize = vocabSize;
        this.random = RandomGeneratorFactory.of("L64X128MixRandom").create(params.seed());
        int n = params.logitBias().size();
        this.biasTokens = new int[n];
        this.biasValues = new float[n];
        int i = 0;
        // Sorted so that the order in which biases are added never depends on the map's iteration order.
        for (Map.Entry<Integer, Float> e : params.logitBias().entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            int token = e.getKey();
            if (token >= vocabSize) {
                throw new IllegalArgumentException("logitBias token id " + token
                        + " is outside the vocabulary [0, " + vocabSize + ")");
            }
            biasTokens[i] = token;
            biasValues[i] = e.getValue();
            i++;
        }
        this.penaltiesOn = !params.penaltiesOff();
    }

    public SamplingParams params() {
        return params;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /**
     * Records a token for the penalties: each generated token after it is chosen, and, if the caller wants
     * the prompt penalised too (llama.cpp does), each prompt token. Only the last {@code penaltyLastN}
     * are kept; with the penalties off nothing is kept.
     */
    public void accept(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException(
                    "token " + token + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        if (!penaltiesOn) {
            return;
        }
        int lastN = params.penaltyLastN();
        if (windowSize < lastN) {
            if (windowSize == window.length) {
                window = Arrays.copyOf(window, Math.min(lastN, Math.max(16, 2 * window.length)));
            }
            window[windowSize++] = token;
        } else {
            window[windowNext] = token;
            windowNext = windowNext + 1 == lastN ? 0 : windowNext + 1;
        }
    }

    /** {@link #accept}s every token of {@code tokens}, in order. */
    public void acceptAll(int[] tokens) {
        for (int t : tokens) {
            accept(t);
        }
    }

    /**
     * Chooses the next token. Applies logit bias and penalties to {@code logits} in place (afterwards the
     * array holds the processed row, see the class comment), then picks greedily or draws. Does not
     * {@link #accept} the chosen token: the caller does, once it keeps it.
     *
     * @param logits one row, length {@link #vocabSize()}; modified in place
     */
    public int sample(float[] logits) {
        process(logits);
        return choose(logits);
    }

    /**
     * {@link #sample}, choosing only among the tokens whose bit is set in {@code allowed} (bit {@code i & 63}
     * of word {@code i >>> 6}; tokens beyond the mask are not allowed). A token whose bit is clear is never
     * chosen: its logit becomes {@code -infinity} after bias and penalties.
     *
     * @throws IllegalArgumentException when no allowed token is left
     */
    public int sample(float[] logits, long[] allowed) {
        process(logits);
        applyMask(logits, allowed);
        return choose(logits);
    }

    /** {@link #sampleWithLogprobs(float[])} under a mask, as {@link #sample(float[], long[])}. */
    public SampledToken sampleWithLogprobs(float[] logits, long[] allowed) {
        process(logits);
        applyMask(logits, allowed);
        int chosen = choose(logits);
        return logprobs(logits, chosen);
    }

    private void applyMask(float[] logits, long[] allowed) {
        int n = logits.length;
        for (int w = 0; w * 64 < n; w++) {
            long bits = w < allowed.length ? allowed[w] : 0L;
            if (bits == -1L) {
                continue;
            }
            int end = Math.min(n, w * 64 + 64);
            for (int i = w * 64; i < end; i++) {
                if (((bits >>> (i & 63)) & 1L) == 0) {
                    logits[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /**
     * {@link #sample}, plus the chosen token's log-probability and the {@code topLogprobs} most likely
     * alternatives, computed from the processed row as {@link #logprobs} does.
     */
    public SampledToken sampleWithLogprobs(float[] logits) {
        process(logits);
        int chosen = choose(logits);
        return logprobs(logits, chosen);
    }

    /**
     * The log-probability of {@code chosen} and the {@code topLogprobs} most likely tokens (most likely
     * first, ties to the lower id), from the log-softmax of {@code processedLogits} over the whole
     * vocabulary at temperature 1. Pass the row as {@link #sample} left it. Does not modify the row.
     */
    public SampledToken logprobs(float[] processedLogits, int chosen) {
        checkRow(processedLogits);
        if (chosen < 0 || chosen >= vocabSize) {
            throw new IllegalArgumentException(
                    "chosen token " + chosen + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        float max = processedLogits[argmaxChecked(processedLogits)];
        double sum = 0;
        for (float l : processedLogits) {
            sum += Math.exp(l - max);
        }
        // log Z = max + ln(sum); sum >= 1 because the max term is exp(0).
        double logZ = max + Math.log(sum);
        int n = params.topLogprobs();
        List<TokenLogprob> top = new ArrayList<>(n);
        if (n > 0) {
            long[] best = new long[Math.min(n, vocabSize)];
            int count = LogitOrder.top(processedLogits, n, best);
            for (int i = 0; i < count; i++) {
                int t = LogitOrder.token(best[i]);
                if (processedLogits[t] == Float.NEGATIVE_INFINITY) {
                    break; // masked out by a grammar: not an alternative
                }
                top.add(new TokenLogprob(t, logprob(processedLogits[t], logZ)));
            }
        }
        return new SampledToken(chosen, logprob(processedLogits[chosen], logZ), top);
    }

    private static float logprob(float logit, double logZ) {
        // Clamp the rounding that could make the best token's value a hair above 0.
        return (float) Math.min(0.0, logit - logZ);
    }

    // ---- steps 1 and 2: bias and penalties, in place ----

    private void process(float[] logits) {
        checkRow(logits);
        for (int i = 0; i < biasTokens.length; i++) {
            logits[biasTokens[i]] += biasValues[i];
        }
        if (penaltiesOn && windowSize > 0) {
            applyPenalties(logits);
        }
    }

    private void applyPenalties(float[] logits) {
        // Count each distinct token of the window by sorting a copy: O(n log n) for a window of n tokens,
        // no per-vocabulary table, no allocation after the first steps.
        if (windowSorted.length < windowSize) {
            windowSorted = new int[window.length];
        }
        System.arraycopy(window, 0, windowSorted, 0, windowSize);
        Arrays.sort(windowSorted, 0, windowSize);
        float repeat = params.repeatPenalty();
        float presence = params.presencePenalty();
        float frequency = params.frequencyPenalty();
        int i = 0;
        while (i < windowSize) {
            int token = windowSorted[i];
            int j = i + 1;
            while (j < windowSize && windowSorted[j] == token) {
                j++;
            }
            int count = j - i;
            float l = logits[token];
            if (repeat != 1f) {
                l = l <= 0f ? l * repeat : l / repeat;
            }
            logits[token] = l - (count * frequency + presence);
            i = j;
        }
    }

    // ---- steps 3 and 4: choose ----

    private int choose(float[] logits) {
        int best = argmaxChecked(logits);
        if (params.temperature() == 0f || params.topK() == 1) {
            return best;
        }
        float max = logits[best];
        truncate(logits, max);
        return allTokens ? drawAll(logits, max) : drawSorted(logits, max);
    }

    /** Top-k, then top-p, then min-p, on the processed logits at temperature 1; {@code max} is their max. */
    private void truncate(float[] logits, float max) {
        int topK = params.topK();
        boolean topP = params.topP() < 1f;
        if (topK > 0 && topK < vocabSize) {
            allTokens = false;
            candidates = LogitOrder.top(logits, topK, keys(topK));
            if (topP) {
                candidates = topPOfSortedCandidates(logits, max);
            }
        } else if (topP) {
            allTokens = false;
            candidates = topPOfVocabulary(logits, max);
        } else {
            allTokens = true;
            threshold = params.minP() > 0f ? minPThreshold(max) : Float.NEGATIVE_INFINITY;
            return;
        }
        if (params.minP() > 0f) {
            float t = minPThreshold(max);
            int kept = 1; // the best token always survives
            while (kept < candidates && logits[LogitOrder.token(keys[kept])] >= t) {
                kept++;
            }
            candidates = kept;
        }
    }

    /**
     * Top-p over the sorted candidates (here from top-k), normalised over them as llama.cpp's top-p after
     * top-k: the smallest prefix whose probability reaches p. Always keeps at least one.
     */
    private int topPOfSortedCandidates(float[] logits, float max) {
        double total = 0;
        for (int i = 0; i < candidates; i++) {
            total += Math.exp(logits[LogitOrder.token(keys[i])] - max);
        }
        double target = params.topP() * total;
        double cumulative = 0;
        for (int i = 0; i < candidates; i++) {
            cumulative += Math.exp(logits[LogitOrder.token(keys[i])] - max);
            if (cumulative >= target) {
                return i + 1;
            }
        }
        return candidates; // only rounding can get here
    }

    /**
     * Top-p over the whole vocabulary: the smallest prefix, by descending logit, whose probability
     * reaches p, without sorting the vocabulary. A histogram of the probability mass over
     * {@value #TOP_P_BUCKETS} equal-width buckets of {@code max - logit} finds the bucket where the
     * cumulative mass reaches p; only the tokens in that bucket and the ones above it are keyed and sorted,
     * and the exact cut is walked among them. Bucketing is monotone in the logit, so those tokens are exactly
     * a prefix of the full order. Cost: two passes over V plus a sort of the collected tokens — few for a
     * peaked distribution, most of V only for a nearly flat one. Leaves the kept keys sorted in
     * {@code keys} and returns their number.
     */
    private int topPOfVocabulary(float[] logits, float max) {
        float[] w = weights(vocabSize);
        float min = max;
        double total = 0;
        for (int i = 0; i < vocabSize; i++) {
            float l = logits[i];
            float e = (float) Math.exp(l - max);
            w[i] = e;
            total += e;
            if (l < min && l != Float.NEGATIVE_INFINITY) {
                min = l;
            }
        }
        double target = params.topP() * total;
        if (vocabSize <= TOP_P_BUCKETS) {
            // A small vocabulary: one sort is cheaper than the histogram.
            int n = LogitOrder.top(logits, vocabSize, keys(vocabSize));
            return prefixReaching(w, n, target);
        }
        float range = max - min;
        float scale = range > 0f ? TOP_P_BUCKETS / range : 0f;
        double[] mass = bucketMass;
        int[] count = bucketCount;
        Arrays.fill(mass, 0.0);
        Arrays.fill(count, 0);
        for (int i = 0; i < vocabSize; i++) {
            int b = bucket(logits[i], max, scale);
            mass[b] += w[i];
            count[b]++;
        }
        int last = 0; // the bucket where the cumulative mass reaches p
        int collected = count[0];
        double cumulative = mass[0];
        while (cumulative < target && last < TOP_P_BUCKETS - 1) {
            last++;
            cumulative += mass[last];
            collected += count[last];
        }
        long[] k = keys(collected);
        int n = 0;
        for (int i = 0; i < vocabSize; i++) {
            if (bucket(logits[i], max, scale) <= last) {
                k[n++] = LogitOrder.key(logits[i], i);
            }
        }
        Arrays.sort(k, 0, n);
        return prefixReaching(w, n, target);
    }

    /** The length of the shortest prefix of the n sorted keys whose weights {@code w[token]} reach target. */
    private int prefixReaching(float[] w, int n, double target) {
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += w[LogitOrder.token(keys[i])];
            if (cumulative >= target) {
                return i + 1;
            }
        }
        return n; // only rounding can get here
    }

    private static int bucket(float logit, float max, float scale) {
        float offset = (max - logit) * scale; // >= 0; +infinity (or NaN when scale is 0) for a -infinity logit
        return offset < TOP_P_BUCKETS - 1 ? (int) offset : TOP_P_BUCKETS - 1;
    }

    /** Temperature and the draw over the sorted candidates, most likely first. */
    private int drawSorted(float[] logits, float max) {
        int n = candidates;
        float[] w = weights(n);
        double invTemp = 1.0 / params.temperature();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float weight = (float) Math.exp((logits[LogitOrder.token(keys[i])] - max) * invTemp);
            w[i] = weight;
            sum += weight;
        }
        double r = random.nextDouble() * sum;
        double acc = 0;
        int last = 0;
        for (int i = 0; i < n; i++) {
            acc += w[i];
            if (w[i] > 0f) {
                last = i;
            }
            if (r < acc) {
                return LogitOrder.token(keys[i]);
            }
        }
        return LogitOrder.token(keys[last]); // r landed in the rounding gap at the end (never a masked token)
    }

    /** Temperature and the draw over every token at or above the min-p threshold, by id. */
    private int drawAll(float[] logits, float max) {
        float[] w = weights(vocabSize);
        double invTemp = 1.0 / params.temperature();
        double sum = 0;
        int last = 0;
        for (int i = 0; i < vocabSize; i++) {
            float l = logits[i];
            float weight = l >= threshold ? (float) Math.exp((l - max) * invTemp) : 0f;
            w[i] = weight;
            sum += weight;
            if (weight > 0f) {
                last = i;
            }
        }
        double r = random.nextDouble() * sum;
        double acc = 0;
        for (int i = 0; i < vocabSize; i++) {
            acc += w[i];
            if (r < acc) {
                return i;
            }
        }
        return last; // r landed in the rounding gap at the end
    }

    /**
     * The tokens that survive top-k, top-p and min-p for an already processed row, ascending by id: the
     * set the draw chooses from. For tests of the truncation rules; draws nothing.
     */
    int[] keptTokens(float[] processedLogits) {
        checkRow(processedLogits);
        int best = argmaxChecked(processedLogits);
        if (params.temperature() == 0f || params.topK() == 1) {
            return new int[] {best};
        }
        float max = processedLogits[best];
        truncate(processedLogits, max);
        int[] kept;
        if (allTokens) {
            kept = java.util.stream.IntStream.range(0, vocabSize)
                    .filter(i -> processedLogits[i] >= threshold).toArray();
        } else {
            kept = new int[candidates];
            for (int i = 0; i < candidates; i++) {
                kept[i] = LogitOrder.token(keys[i]);
            }
            Arrays.sort(kept);
        }
        return kept;
    }

    /** min-p keeps tokens with p >= minP * p_max, i.e. l >= max + ln(minP). */
    private float minPThreshold(float max) {
        return (float) (max + Math.log(params.minP()));
    }

    private long[] keys(int n) {
        if (keys.length < n) {
            keys = new long[n];
        }
        return keys;
    }

    private float[] weights(int n) {
        if (weights.length < n) {
            weights = new float[n];
        }
        return weights;
    }

    private void checkRow(float[] logits) {
        if (logits == null) {
            throw new IllegalArgumentException("logits must not be null");
        }
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException(
                    "logits has length " + logits.length + ", expected the vocabulary size " + vocabSize);
        }
    }

    /**
     * The index of the largest logit, ties to the lower id (strictly-greater scan from id 0, as llama.cpp's
     * greedy sampler). Rejects NaN and +infinity, and a row with no finite value.
     */
    private static int argmaxChecked(float[] logits) {
        int best = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            float l = logits[i];
            if (l > max) {
                max = l;
                best = i;
            } else if (Float.isNaN(l)) {
                throw new IllegalArgumentException("logits[" + i + "] is NaN");
            }
        }
        if (max == Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("logits[" + best + "] is +infinity");
        }
        if (max == Float.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException("no token can be chosen: every logit is -infinity");
        }
        return best;
    }
}
