package io.stellarchat.engine.model;

import io.stellarchat.engine.tensor.ComputePool;
import io.stellarchat.engine.tensor.FloatOps;
import io.stellarchat.engine.tensor.Kernels;
import io.stellarchat.engine.tensor.Tensor;
import java.util.List;

/**
 * The forward pass of a BERT-family encoder over a batch of whole inputs, padding-free: the tokens of every
 * input are laid end to end in one activation matrix (T rows), every weight is multiplied once for all of
 * them, and attention runs per input (a token attends to every token of its own input and no other).
 *
 * <p>With T tokens, dim d, per-input positions p (shapes in brackets):
 * <pre>
 *   x   = tok_embd[t] + token_types[0] (+ position_embd[p], bert)      [T, d]
 *   x   = LayerNorm(x) * token_embd_norm + b
 *   per block:
 *     q, k, v = x · Wq + bq, x · Wk + bk, x · Wv + bv       (bert)      [T, d] each
 *             | split(x · Wqkv), then RoPE(p) on q, k      (nomic-bert, NEOX pairs: i with i + hd/2)
 *     att = softmax(q_h · K_h^T / sqrt(hd)) · V_h          per head h, over the tokens of the same input only
 *     x   = LayerNorm(x + att · Wo (+ bo)) * attn_output_norm + b          (post-norm)
 *     f   = gelu(x · Wup + bup) · Wdown + bdown            (bert, GELU tanh form, {@link FloatOps#gelu})
 *         | (silu(x · Wgate) * (x · Wup)) · Wdown          (nomic-bert, SwiGLU)
 *     x   = LayerNorm(x + f) * layer_output_norm + b
 *   pool per input: mean of its rows | its first row (CLS) | its last row (LAST)
 *                   | RANK: tanh(row0 · Wcls + bcls) · Wcls_out + bcls_out  (the cross-encoder's score)
 *   then L2-normalised when asked (never for RANK)
 * </pre>
 * Token type 0 is used for every token, as llama.cpp does (a cross-encoder's pair is one sentence-A input).
 *
 * <p>Matrices use the kernels' prompt form ({@link Kernels#matMulPrompt}): a row's result depends on that row
 * alone, so an input's vector is the same whatever else shares its batch.
 *
 * <p>Threads: one owner thread calls {@link #encode}; it alone touches the scratch buffers between pool calls.
 * Inside a pool call each worker writes a disjoint range. Not reentrant.
 */
public final class Encoder {
    private final EncoderConfig c;
    private final EncoderWeights w;
    private final Kernels kernels;
    private final ComputePool pool;
    private final double[] invFreq; // (headDim/2): rotation frequency of each pair (rotary only)

    // Scratch buffers, grown on demand (owner thread only).
    private int capacity;
    private float[] x, q, k, v, qkv, att, proj, up, gate;

    public Encoder(EncoderConfig config, EncoderWeights weights, Kernels kernels, ComputePool pool) {
        this.c = config;
        this.w = weights;
        this.kernels = kernels;
        this.pool = pool;
        int pairs = config.headDim() / 2;
        this.invFreq = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            invFreq[i] = Math.pow(config.ropeTheta(), -2.0 * i / config.headDim());
        }
    }

    public EncoderConfig config() {
        return c;
    }

    /** Width of one result: {@code dim}, or the classifier's labels for rank pooling. */
    public int outputSize() {
        return c.pooling() == Pooling.RANK ? w.labels() : c.dim();
    }

    /**
     * Encodes the inputs in one forward pass.
     *
     * @param inputs    token ids of each input, each non-empty and at most {@code contextLength} long
     * @param normalize scale each pooled vector to unit L2 norm (ignored for rank pooling, whose result is a score)
     * @return one vector per input, in input order: {@link #outputSize()} floats each
     * @throws IllegalArgumentException for an empty or too long input or a token outside the vocabulary
     */
    public float[][] encode(List<int[]> inputs, boolean normalize) {
        int s = inputs.size();
        if (s == 0) {
            return new float[0][];
        }
        int[] start = new int[s + 1]; // input j owns rows [start[j], start[j + 1])
        for (int j = 0; j < s; j++) {
            int[] in = inputs.get(j);
            if (in.length == 0) {
                throw new IllegalArgumentException("input " + j + " is empty");
            }
            if (in.length > c.contextLength()) {
                throw new IllegalArgumentException("input " + j + " has " + in.length + " tokens; the model takes at most "
                        + c.contextLength());
            }
            for (int t : in) {
                if (t < 0 || t >= c.vocabSize()) {
                    throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, " + c.vocabSize() + ")");
                }
            }
            start[j + 1] = start[j] + in.length;
        }
        int n = start[s];
        int d = c.dim();
        ensureCapacity(n);
        int[] pos = new int[n];   // (T): the row's position within its input
        float[] type0 = new float[d];
        kernels.dequantizeRow(w.tokenTypes(), 0, type0, 0);
        float[] row = new float[d];
        for (int j = 0; j < s; j++) {
            int[] in = inputs.get(j);
            for (int p = 0; p < in.length; p++) {
                int i = start[j] + p;
                pos[i] = p;
                kernels.dequantizeRow(w.tokenEmbedding(), in[p], x, i * d);
                for (int e = 0; e < d; e++) {
                    x[i * d + e] += type0[e];
                }
                if (w.positions() != null) {
                    kernels.dequantizeRow(w.positions(), p, row, 0);
                    for (int e = 0; e < d; e++) {
                        x[i * d + e] += row[e];
                    }
                }
            }
        }
        layerNormRows(x, x, n, w.embedNorm(), w.embedNormBias());
        for (EncoderWeights.Layer lw : w.layers()) {
            block(lw, n, start, pos);
        }
        float[][] out = new float[s][];
        for (int j = 0; j < s; j++) {
            out[j] = pool(start[j], start[j + 1]);
            if (normalize && c.pooling() != Pooling.RANK) {
                l2Normalize(out[j]);
            }
        }
        return out;
    }

    private void block(EncoderWeights.Layer lw, int n, int[] start, int[] pos) {
        int d = c.dim();
        if (lw.wqkv() != null) {
            matMul(lw.wqkv(), x, n, qkv);
            for (int i = 0; i < n; i++) { // [T, 3d] → q, k, v [T, d]
                System.arraycopy(qkv, i * 3 * d, q, i * d, d);
                System.arraycopy(qkv, i * 3 * d + d, k, i * d, d);
                System.arraycopy(qkv, i * 3 * d + 2 * d, v, i * d, d);
            }
        } else {
            matMulFused(x, n, new Tensor[] {lw.wq(), lw.wk(), lw.wv()}, new float[][] {q, k, v});
            addBias(q, n, lw.bq());
            addBias(k, n, lw.bk());
            addBias(v, n, lw.bv());
        }
        if (c.rotary()) {
            int hd = c.headDim();
            for (int i = 0; i < n; i++) {
                for (int h = 0; h < c.heads(); h++) {
                    ropeNeox(q, i * d + h * hd, pos[i]);
                    ropeNeox(k, i * d + h * hd, pos[i]);
                }
            }
        }
        int inputs = start.length - 1;
        pool.parallelFor(inputs * c.heads(), (s, e) -> attention(s, e, start));
        matMul(lw.wo(), att, n, proj);
        addBias(proj, n, lw.bo());
        addInPlace(proj, x, n * d);
        layerNormRows(proj, x, n, lw.attnNorm(), lw.attnNormBias());

        int f = c.ffnDim();
        if (c.gatedFfn()) {
            matMulFused(x, n, new Tensor[] {lw.wGate(), lw.wUp()}, new float[][] {gate, up});
            pool.parallelFor(n, (s, e) -> {
                for (int i = s * f; i < e * f; i++) {
                    float g = gate[i];
                    up[i] = g / (1f + (float) Math.exp(-g)) * up[i];
                }
            });
        } else {
            matMul(lw.wUp(), x, n, up);
            addBias(up, n, lw.bUp());
            FloatOps ops = kernels.ops();
            pool.parallelFor(n, (s, e) -> ops.gelu(up, s * f, (e - s) * f));
        }
        matMul(lw.wDown(), up, n, proj);
        addBias(proj, n, lw.bDown());
        addInPlace(proj, x, n * d);
        layerNormRows(proj, x, n, lw.outNorm(), lw.outNormBias());
    }

    /**
     * Attention for the (input, head) pairs [s, e): {@code att_h = softmax(q_h · K_h^T / sqrt(hd)) · V_h} over the
     * rows of the input (no mask within it: bidirectional). The head's keys and values are gathered transposed,
     * (hd, len), so a query's scores are hd long axpys over the input and its output hd dots of length len — long
     * vector loops instead of one short (hd) dot and axpy per key.
     */
    private void attention(int s, int e, int[] start) {
        int d = c.dim();
        int hd = c.headDim();
        int heads = c.heads();
        float scale = (float) (1.0 / Math.sqrt(hd));
        FloatOps ops = kernels.ops();
        float[] kt = null;     // (hd, len): K_h transposed
        float[] vt = null;     // (hd, len): V_h transposed
        float[] scores = null; // (len)
        for (int idx = s; idx < e; idx++) {
            int j = idx / heads;
            int h = idx % heads;
            int from = start[j];
            int len = start[j + 1] - from;
            if (scores == null || scores.length < len) {
                int cap = Math.max(len, 64);
                scores = new float[cap];
                kt = new float[hd * cap];
                vt = new float[hd * cap];
            }
            for (int t = 0; t < len; t++) {
                int src = (from + t) * d + h * hd;
                for (int x0 = 0; x0 < hd; x0++) {
                    kt[x0 * len + t] = k[src + x0];
                    vt[x0 * len + t] = v[src + x0];
                }
            }
            for (int i = from; i < from + len; i++) {
                int qo = i * d + h * hd;
                java.util.Arrays.fill(scores, 0, len, 0f);
                for (int x0 = 0; x0 < hd; x0++) {
                    ops.axpy(q[qo + x0] * scale, kt, x0 * len, scores, 0, len);
                }
                ops.softmax(scores, 0, len);
                for (int x0 = 0; x0 < hd; x0++) {
                    att[qo + x0] = ops.dot(scores, 0, vt, x0 * len, len);
                }
            }
        }
    }

    /** The pooled result of rows [from, to) of the final activations. */
    private float[] pool(int from, int to) {
        int d = c.dim();
        switch (c.pooling()) {
            case CLS -> {
                return java.util.Arrays.copyOfRange(x, from * d, from * d + d);
            }
            case LAST -> {
                return java.util.Arrays.copyOfRange(x, (to - 1) * d, to * d);
            }
            case RANK -> {
                return classify(java.util.Arrays.copyOfRange(x, from * d, from * d + d));
            }
            default -> { // MEAN, and NONE (a file without a pooling choice): the average of the input's rows
                double[] sum = new double[d];
                for (int i = from; i < to; i++) {
                    for (int e = 0; e < d; e++) {
                        sum[e] += x[i * d + e];
                    }
                }
                float[] out = new float[d];
                for (int e = 0; e < d; e++) {
                    out[e] = (float) (sum[e] / (to - from));
                }
                return out;
            }
        }
    }

    /** The classifier head on the first token's output: {@code tanh(h · Wcls + b) (· Wout + bout)}. */
    private float[] classify(float[] h) {
        int d = c.dim();
        float[] hidden = new float[d];
        kernels.matVec(w.cls(), h, 0, hidden, 0, 0, d);
        for (int e = 0; e < d; e++) {
            hidden[e] = (float) Math.tanh(hidden[e] + w.clsBias()[e]);
        }
        if (w.clsOut() == null) {
            return hidden;
        }
        int labels = w.clsOut().rows();
        float[] out = new float[labels];
        kernels.matVec(w.clsOut(), hidden, 0, out, 0, 0, labels);
        for (int l = 0; l < labels; l++) {
            out[l] += w.clsOutBias()[l];
        }
        return out;
    }

    /** NEOX RoPE on one head at {@code buf[off..]}: dim i pairs with i + hd/2. */
    private void ropeNeox(float[] buf, int off, int p) {
        int pairs = c.headDim() / 2;
        for (int i = 0; i < pairs; i++) {
            double angle = p * invFreq[i];
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            float x0 = buf[off + i];
            float x1 = buf[off + i + pairs];
            buf[off + i] = x0 * cos - x1 * sin;
            buf[off + i + pairs] = x0 * sin + x1 * cos;
        }
    }

    /** out row i = (in row i - mean) / sqrt(var + eps) * weight + bias, for n rows of dim (rows split over the pool). */
    private void layerNormRows(float[] in, float[] out, int n, float[] weight, float[] bias) {
        int d = c.dim();
        float eps = c.normEps();
        pool.parallelFor(n, (s, e) -> {
            for (int i = s; i < e; i++) {
                int o = i * d;
                double mean = 0;
                for (int j = 0; j < d; j++) {
                    mean += in[o + j];
                }
                mean /= d;
                double var = 0;
                for (int j = 0; j < d; j++) {
                    double t = in[o + j] - mean;
                    var += t * t;
                }
                float scale = (float) (1.0 / Math.sqrt(var / d + eps));
                for (int j = 0; j < d; j++) {
                    out[o + j] = (float) (in[o + j] - mean) * scale * weight[j] + bias[j];
                }
            }
        });
    }

    static void l2Normalize(float[] v) {
        double ss = 0;
        for (float f : v) {
            ss += (double) f * f;
        }
        if (ss == 0) {
            return;
        }
        float inv = (float) (1.0 / Math.sqrt(ss));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
    }

    private static void addBias(float[] buf, int n, float[] bias) {
        if (bias == null) {
            return;
        }
        int m = bias.length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                buf[i * m + j] += bias[j];
            }
        }
    }

    private static void addInPlace(float[] dst, float[] src, int len) {
        for (int i = 0; i < len; i++) {
            dst[i] += src[i];
        }
    }

    /** out (n, weight.rows()) = in (n, cols) · weight^T on the prompt form, weight rows split over the pool. */
    private void matMul(Tensor weight, float[] in, int n, float[] out) {
        pool.parallelFor(weight.rows(), (s, e) -> kernels.matMulPrompt(weight, in, n, out, s, e));
    }

    /** Several weights times the same activations in one pool call (q, k, v; gate, up). */
    private void matMulFused(float[] in, int n, Tensor[] weights, float[][] outs) {
        int m = weights.length;
        int[] first = new int[m + 1]; // weight j owns rows [first[j], first[j + 1]) of the joint range
        for (int j = 0; j < m; j++) {
            first[j + 1] = first[j] + weights[j].rows();
        }
        pool.parallelFor(first[m], (s, e) -> {
            for (int j = 0; j < m; j++) {
                int lo = Math.max(s, first[j]);
                int hi = Math.min(e, first[j + 1]);
                if (lo < hi) {
                    kernels.matMulPrompt(weights[j], in, n, outs[j], lo - first[j], hi - first[j]);
                }
            }
        });
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        capacity = n;
        int d = c.dim();
        x = new float[n * d];
        q = new float[n * d];
        k = new float[n * d];
        v = new float[n * d];
        qkv = c.fusedQkv() ? new float[n * 3 * d] : null;
        att = new float[n * d];
        proj = new float[n * d];
        up = new float[n * c.ffnDim()];
        gate = c.gatedFfn() ? new float[n * c.ffnDim()] : null;
    }
}
