package io.stellarchat.engine.model;

import io.stellarchat.engine.tensor.ActivationPrecision;
import io.stellarchat.engine.tensor.ComputePool;
import io.stellarchat.engine.tensor.FloatOps;
import io.stellarchat.engine.tensor.Kernels;
import io.stellarchat.engine.tensor.QuantizedRows;
import io.stellarchat.engine.tensor.Tensor;
import io.stellarchat.engine.util.Checks;

/**
 * The forward pass of a Llama-family decoder over a batch of tokens that may come from several sequences.
 *
 * <p>Per block, for every token of the batch (T tokens, shapes in brackets):
 * <pre>
 *   xb  = RMSNorm(x) * attn_norm                          [T, dim]
 *   q   = xb · Wq (+ bq)   k = xb · Wk (+ bk)   v = xb · Wv (+ bv)
 *                                                        [T, qDim], [T, kvDim], [T, kvDim]
 *   q,k = RMSNorm per head * q_norm / k_norm   (qwen3 only)
 *   q,k = RoPE(position)                                  NORM: adjacent pairs; NEOX: halves
 *   K/V cache of the token's sequence ← k, v             position p: block table[p / B], slot p % B
 *   att = softmax(q_h · K_g^T / sqrt(headDim)) · V_g      per head h, KV group g = h / (heads / kvHeads),
 *                                                         over positions 0..pos of the same sequence
 *   x  += att · Wo                                        [T, dim]
 *   xb  = RMSNorm(x) * ffn_norm
 *   x  += (silu(xb · Wgate) * (xb · Wup)) · Wdown          SwiGLU, [T, ffnDim] → [T, dim]
 * </pre>
 * then {@code logits = RMSNorm(x) * output_norm · Wout} for the rows the caller asked for.
 *
 * <p>Each weight matrix is multiplied once for the whole batch ({@link Kernels#matMul}), its rows split over
 * the {@link ComputePool}; attention splits over (token, head) pairs. With {@link ActivationPrecision#Q8} (the
 * kernels' setting) an activation matrix is quantized to int8 blocks once and shared by the weights read with it,
 * for weight types with an integer kernel; a token's logits do not depend on the rest of its batch.
 *
 * <p>Threads: one owner thread calls {@link #forward}; it alone touches the scratch buffers between pool
 * calls. Inside a pool call each worker writes a disjoint range of the output. Not reentrant.
 */
public final class Transformer {
    private final ModelConfig c;
    private final ModelWeights w;
    private final Kernels kernels;
    private final ComputePool pool;
    private final double[] invFreq; // (ropeDims/2): rotation frequency of each pair

    // Scratch buffers, grown on demand (owner thread only).
    private int capacity;
    private float[] x, xb, q, k, v, att, ffnGate, ffnUp, proj;

    public Transformer(ModelConfig config, ModelWeights weights, Kernels kernels, ComputePool pool) {
        this.c = config;
        this.w = weights;
        this.kernels = kernels;
        this.pool = pool;
        int pairs = config.ropeDims() / 2;
        this.invFreq = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            double f = Math.pow(config.ropeTheta(), -2.0 * i / config.ropeDims());
            if (weights.ropeFreqs() != null) {
                f /= weights.ropeFreqs()[i];
            }
            invFreq[i] = f;
        }
    }

    public ModelConfig config() {
        return c;
    }

    /**
     * Runs the batch through the model, every row on the generated-token (decode) form of the kernels.
     * Same as {@link #forward(int[], int[], KvCache[], int[], boolean[])} with no prompt rows.
     */
    public float[] forward(int[] tokens, int[] positions, KvCache[] caches, int[] logitRows) {
        return forward(tokens, positions, caches, logitRows, null);
    }

    /**
     * Runs the batch through the model.
     *
     * @param tokens     token id of each batch row
     * @param positions  position of each row within its sequence; rows of one sequence must be in
     *                   increasing order and its cache must already hold positions 0..pos-1 (or receive them
     *                   earlier in this batch)
     * @param caches     the KV cache of each row's sequence
     * @param logitRows  batch rows whose logits are wanted, in the order they are returned
     * @param promptRows which rows are prompt tokens (null: none). Prompt rows are multiplied on the prompt form
     *                   ({@link Kernels#matMulPrompt}: float tiles, fastest for long batches), the others on
     *                   the decode form ({@link Kernels#matVec}/{@link Kernels#matMul}, int8 activations where
     *                   the weight type has an integer kernel). Each form is batch-invariant on its own, so a
     *                   caller that marks a position the same way every time (prompt token or generated token)
     *                   gets the same bits whether the row runs alone, batched, chunked or recomputed.
     * @return logits, (logitRows.length, vocab) row-major
     */
    public float[] forward(int[] tokens, int[] positions, KvCache[] caches, int[] logitRows, boolean[] promptRows) {
        Checks.require(promptRows == null || promptRows.length == tokens.length,
                "promptRows must have one flag per batch row");
        float[] sel = finalHidden(tokens, positions, caches, logitRows, promptRows);
        int m = logitRows.length;
        if (m == 0) {
            return new float[0];
        }
        boolean[] selPrompt = null;
        if (promptRows != null) {
            selPrompt = new boolean[m];
            for (int j = 0; j < m; j++) {
                selPrompt[j] = promptRows[logitRows[j]];
            }
        }
        float[] logits = new float[m * c.vocabSize()];
        matMul(w.output(), new Activations(sel, m, c.dim(), selPrompt), logits);
        return logits;
    }

    /**
     * Like {@link #forward}, but returns the final hidden states (after {@code output_norm}) of the requested
     * rows instead of logits: (hiddenRows.length, dim) row-major. Used for embeddings: every row is a prompt row.
     */
    public float[] hidden(int[] tokens, int[] positions, KvCache[] caches, int[] hiddenRows) {
        boolean[] all = new boolean[tokens.length];
        java.util.Arrays.fill(all, true);
        return finalHidden(tokens, positions, caches, hiddenRows, all);
    }

    private float[] finalHidden(int[] tokens, int[] positions, KvCache[] caches, int[] rows, boolean[] prompt) {
        int n = tokens.length;
        Checks.require(n > 0 && positions.length == n && caches.length == n, "batch arrays must have equal length > 0");
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary [0, "
                        + c.vocabSize() + ")");
            }
            if (positions[i] < 0 || positions[i] >= caches[i].capacity()) {
                throw new IllegalArgumentException("position " + positions[i] + " is outside the context of "
                        + caches[i].capacity() + " tokens");
            }
        }
        for (int r : rows) {
            Checks.require(r >= 0 && r < n, "requested row " + r + " is outside the batch of " + n);
        }
        ensureCapacity(n);
        int dim = c.dim();
        for (int i = 0; i < n; i++) {
            kernels.dequantizeRow(w.tokenEmbedding(), tokens[i], x, i * dim);
        }
        for (int l = 0; l < c.layers(); l++) {
            layer(l, w.layers().get(l), n, positions, caches, prompt);
        }
        int m = rows.length;
        float[] sel = new float[m * dim];
        for (int j = 0; j < m; j++) {
            rmsNorm(x, rows[j] * dim, w.outputNorm(), sel, j * dim, dim, c.rmsEps());
        }
        return sel;
    }

    private void layer(int l, LayerWeights lw, int n, int[] positions, KvCache[] caches, boolean[] prompt) {
        int dim = c.dim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        for (int i = 0; i < n; i++) {
            rmsNorm(x, i * dim, lw.attnNorm(), xb, i * dim, dim, c.rmsEps());
        }
        Activations attnIn = new Activations(xb, n, dim, prompt); // quantized at most once for q, k and v
        matMulFused(attnIn, new Tensor[] {lw.wq(), lw.wk(), lw.wv()}, new float[][] {q, k, v});
        for (int i = 0; i < n; i++) {
            if (lw.bq() != null) {
                addInPlace(q, i * qDim, lw.bq(), qDim);
                addInPlace(k, i * kvDim, lw.bk(), kvDim);
                addInPlace(v, i * kvDim, lw.bv(), kvDim);
            }
            for (int h = 0; h < c.heads(); h++) {
                int off = i * qDim + h * c.headDim();
                if (lw.qNorm() != null) {
                    rmsNorm(q, off, lw.qNorm(), q, off, c.headDim(), c.rmsEps());
                }
                rope(q, off, positions[i]);
            }
            for (int h = 0; h < c.kvHeads(); h++) {
                int off = i * kvDim + h * c.headDim();
                if (lw.kNorm() != null) {
                    rmsNorm(k, off, lw.kNorm(), k, off, c.headDim(), c.rmsEps());
                }
                rope(k, off, positions[i]);
            }
            // K/V of position p go to slot p % B of the sequence's block table[p / B]
            KvCache cache = caches[i];
            int p = positions[i];
            cache.pool().store(l, cache.blockOf(p), p % cache.pool().blockSize(), k, i * kvDim, v, i * kvDim);
        }
        int[] tiles = attentionTiles(positions, caches);
        int tileCount = tiles.length - 1;
        pool.parallelFor(tileCount * c.kvHeads(), (start, end) -> attention(l, start, end, tiles, positions, caches));
        matMul(lw.wo(), new Activations(att, n, qDim, prompt), proj);
        addInPlace(x, 0, proj, n * dim);

        for (int i = 0; i < n; i++) {
            rmsNorm(x, i * dim, lw.ffnNorm(), xb, i * dim, dim, c.rmsEps());
        }
        Activations ffnIn = new Activations(xb, n, dim, prompt); // quantized at most once for gate and up
        matMulFused(ffnIn, new Tensor[] {lw.wGate(), lw.wUp()}, new float[][] {ffnGate, ffnUp});
        // SwiGLU over the pool: one exp per value (8192 a token for a 1B model) was the largest serial step left
        // between two parallel mat-muls; each value's arithmetic is the same wherever it runs.
        pool.parallelFor(n * c.ffnDim(), (s, e) -> {
            for (int i = s; i < e; i++) {
                float g = ffnGate[i];
                ffnGate[i] = g / (1f + (float) Math.exp(-g)) * ffnUp[i];
            }
        });
        matMul(lw.wDown(), new Activations(ffnGate, n, c.ffnDim(), prompt), proj);
        addInPlace(x, 0, proj, n * dim);
    }

    /** Query tokens of one sequence that share each widened key and value block ({@link #attention}). */
    static final int ATTENTION_TILE = 16;

    /**
     * The batch cut into attention tiles: runs of at most {@value #ATTENTION_TILE} consecutive rows of the same
     * sequence (KV cache); tile k is rows [tiles[k], tiles[k + 1]). A prompt chunk gives full tiles, a batch of
     * decode rows (one per sequence) tiles of one.
     */
    static int[] attentionTiles(int[] positions, KvCache[] caches) {
        int n = positions.length;
        int[] starts = new int[n + 1];
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || caches[i] != caches[i - 1] || i - starts[count - 1] == ATTENTION_TILE) {
                starts[count++] = i;
            }
        }
        starts[count] = n;
        return java.util.Arrays.copyOf(starts, count + 1);
    }

    /**
     * Attention for the (tile, KV group) pairs {@code [start, end)} ({@link #attentionTiles}): for each token of the
     * tile and each query head h of the group, {@code att_h = softmax(q_h · K_g^T / sqrt(headDim)) · V_g} over the
     * positions 0..pos of the token's own sequence, walked block by block through its block table. Each key and
     * value block is read (and, for an F16 pool, widened) once for the whole tile and all heads of its group: for a
     * long history the widening had cost as much as the products, once per query token. The scores come from the
     * block's keys transposed ({@link FloatOps#columnDots}: no horizontal sum per key, the group's heads share each
     * key vector) and the values are summed into the heads' outputs in register tiles ({@link FloatOps#weightedRows});
     * both are chains of fused multiply-adds in a fixed order (scalar and vector forms alike). Per token and head,
     * the operations are those of the token alone (position order over the sequence's own entries only), so a row
     * gives the same bits alone or batched, in any tile, paged or contiguous.
     */
    private void attention(int l, int start, int end, int[] tiles, int[] positions, KvCache[] caches) {
        int hd = c.headDim();
        int qDim = c.qDim();
        int group = c.groupSize();
        float scale = (float) (1.0 / Math.sqrt(hd));
        FloatOps ops = kernels.ops();
        int span = positions.length == 0 ? 1 : maxPosition(positions) + 1;
        float[] scores = null;  // (tile tokens, group heads, positions)
        float[] scratch = null; // one F16 block of one KV head widened: (blockSize, headDim)
        float[] kt = null;      // one block of one KV head's keys transposed: (headDim, ktStride)
        int ktStride = 0;
        for (int idx = start; idx < end; idx++) {
            int i0 = tiles[idx / c.kvHeads()];
            int i1 = tiles[idx / c.kvHeads() + 1];
            int g = idx % c.kvHeads();
            int m = i1 - i0;
            int maxPos = 0;
            for (int i = i0; i < i1; i++) {
                maxPos = Math.max(maxPos, positions[i]);
            }
            if (scores == null || scores.length < m * group * span) {
                scores = new float[m * group * span];
            }
            KvCache cache = caches[i0];
            KvBlockPool kv = cache.pool();
            int bs = kv.blockSize();
            boolean f32 = kv.precision() == KvPrecision.F32;
            if (!f32 && (scratch == null || scratch.length < bs * hd)) {
                scratch = new float[bs * hd];
            }
            if (kt == null || ktStride < bs) {
                int lanes = ops.lanes();
                ktStride = (bs + lanes - 1) / lanes * lanes; // whole vectors: columnDots reads them
                kt = new float[hd * ktStride];
            }
            // scores[j][h][t] = q_h · k_t / sqrt(headDim), token j of the tile: the block's keys transposed once
            // (head dim major), then every head of the group against all of the token's slots at once
            for (int t0 = 0, b = 0; t0 <= maxPos; t0 += bs, b++) {
                int slotsMax = Math.min(bs, maxPos + 1 - t0);
                int base = kv.headOffset(cache.block(b), g);
                float[] rows = kv.keys32(l);
                if (!f32) {
                    kv.widenKeys(l, base, scratch, slotsMax * hd, ops);
                    rows = scratch;
                    base = 0;
                }
                for (int s = 0; s < slotsMax; s++) {
                    for (int d = 0; d < hd; d++) {
                        kt[d * ktStride + s] = rows[base + s * hd + d];
                    }
                }
                for (int j = 0; j < m; j++) {
                    int slots = Math.min(bs, positions[i0 + j] + 1 - t0);
                    if (slots > 0) {
                        int qBase = (i0 + j) * qDim + g * group * hd; // first query head of the group
                        ops.columnDots(q, qBase, group, hd, kt, ktStride, hd, scale, scores, j * group * span + t0, span,
                                slots);
                    }
                }
            }
            // softmax over positions 0..pos, per token and head
            for (int j = 0; j < m; j++) {
                int pos = positions[i0 + j];
                int qBase = (i0 + j) * qDim + g * group * hd;
                for (int h = 0; h < group; h++) {
                    ops.softmax(scores, (j * group + h) * span, pos + 1); // deterministic exp (FloatOps.exp)
                    java.util.Arrays.fill(att, qBase + h * hd, qBase + (h + 1) * hd, 0f);
                }
            }
            // att_h = sum_t scores[j][h][t] * v_t, every head of the group at once
            for (int t0 = 0, b = 0; t0 <= maxPos; t0 += bs, b++) {
                int base = kv.headOffset(cache.block(b), g);
                float[] rows = kv.values32(l);
                if (!f32) {
                    kv.widenValues(l, base, scratch, Math.min(bs, maxPos + 1 - t0) * hd, ops);
                    rows = scratch;
                    base = 0;
                }
                for (int j = 0; j < m; j++) {
                    int slots = Math.min(bs, positions[i0 + j] + 1 - t0);
                    if (slots > 0) {
                        int qBase = (i0 + j) * qDim + g * group * hd;
                        ops.weightedRows(scores, j * group * span + t0, group, span, rows, base, hd, slots, att, qBase, hd);
                    }
                }
            }
        }
    }

    private static int maxPosition(int[] positions) {
        int m = 0;
        for (int p : positions) {
            m = Math.max(m, p);
        }
        return m;
    }

    /** Rotates the first {@code ropeDims} dims of one head at {@code buf[off..]} by position {@code pos}. */
    private void rope(float[] buf, int off, int pos) {
        int pairs = c.ropeDims() / 2;
        double p = pos / (double) c.ropeScale();
        for (int i = 0; i < pairs; i++) {
            double angle = p * invFreq[i];
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            int a;
            int b;
            if (c.ropeType() == RopeType.NORM) {
                a = off + 2 * i;
                b = a + 1;
            } else {
                a = off + i;
                b = off + i + pairs;
            }
            float x0 = buf[a];
            float x1 = buf[b];
            buf[a] = x0 * cos - x1 * sin;
            buf[b] = x0 * sin + x1 * cos;
        }
    }

    /** out[outOff..+n) = in[inOff..+n) / rms(in) * weight; in and out may be the same range. */
    static void rmsNorm(float[] in, int inOff, float[] weight, float[] out, int outOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            float t = in[inOff + i];
            ss += (double) t * t;
        }
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = in[inOff + i] * scale * weight[i];
        }
    }

    private static void addInPlace(float[] dst, int off, float[] src, int n) {
        for (int i = 0; i < n; i++) {
            dst[off + i] += src[i];
        }
    }

    /**
     * One activation matrix {@code x} (n, cols) as the weights multiplied with it need it: the floats, and the
     * int8 blocks of each {@link QuantizedRows.Format} quantized on first use and then shared by every weight
     * read with it (q, k and v; gate and up). Lives for the call sites of one layer step (owner thread only).
     */
    private final class Activations {
        final float[] x;
        final int n;
        final int cols;
        final boolean[] prompt; // per row; null: no prompt rows
        final int promptCount;
        private QuantizedRows q8_0;
        private QuantizedRows q8K;
        private Activations promptPart; // mixed batches: the prompt rows and the other rows, gathered
        private Activations decodePart;

        Activations(float[] x, int n, int cols, boolean[] prompt) {
            this.x = x;
            this.n = n;
            this.cols = cols;
            int count = 0;
            if (prompt != null) {
                for (int i = 0; i < n; i++) {
                    count += prompt[i] ? 1 : 0;
                }
            }
            this.promptCount = count;
            this.prompt = count == 0 ? null : prompt;
        }

        QuantizedRows quantized(QuantizedRows.Format format) {
            if (format == QuantizedRows.Format.Q8_0) {
                return q8_0 != null ? q8_0 : (q8_0 = kernels.quantize(format, x, n, cols));
            }
            return q8K != null ? q8K : (q8K = kernels.quantize(format, x, n, cols));
        }

        /** The rows whose prompt flag is {@code want}, gathered in order (built once, shared by its weights). */
        Activations part(boolean want) {
            Activations p = want ? promptPart : decodePart;
            if (p == null) {
                int m = want ? promptCount : n - promptCount;
                float[] g = new float[m * cols];
                for (int i = 0, j = 0; i < n; i++) {
                    if (prompt[i] == want) {
                        System.arraycopy(x, i * cols, g, (j++) * cols, cols);
                    }
                }
                boolean[] flags = new boolean[m];
                java.util.Arrays.fill(flags, want);
                p = new Activations(g, m, cols, flags);
                if (want) {
                    promptPart = p;
                } else {
                    decodePart = p;
                }
            }
            return p;
        }
    }

    /**
     * out (n, weight.rows()) = in (n, cols) . weight^T, rows of the weight split over the pool. Prompt rows go
     * through {@link Kernels#matMulPrompt}; the other rows, with {@link ActivationPrecision#Q8} and a weight type
     * that has an integer kernel, are quantized (once per {@link Activations}) and multiplied in integers,
     * otherwise in float. A batch holding both kinds is split, each part multiplied on its own form, and the
     * results scattered back. Either way, row i is bit-identical to the same row computed alone.
     */
    private void matMul(Tensor weight, Activations in, float[] out) {
        int n = in.n;
        if (in.promptCount > 0 && in.promptCount < n) {
            int rows = weight.rows();
            Activations p = in.part(true);
            Activations d = in.part(false);
            float[] pOut = new float[p.n * rows];
            float[] dOut = new float[d.n * rows];
            matMul(weight, p, pOut);
            matMul(weight, d, dOut);
            for (int i = 0, pi = 0, di = 0; i < n; i++) {
                if (in.prompt[i]) {
                    System.arraycopy(pOut, (pi++) * rows, out, i * rows, rows);
                } else {
                    System.arraycopy(dOut, (di++) * rows, out, i * rows, rows);
                }
            }
            return;
        }
        QuantizedRows qx = quantizedFor(weight, in);
        pool.parallelFor(weight.rows(), (s, e) -> rowRange(weight, in, qx, out, s, e));
    }

    /**
     * Several weights times the same activations in one pool call (q, k and v; gate and up): the rows of all the
     * weights form one index range split over the pool, so the threads meet once instead of once per weight.
     * Each pool call ends with the threads waiting for the last chunk, and the small k and v matrices paid that
     * wait as often as q. Every row goes through the same kernel call as in {@link #matMul} (rows split at other
     * places, which changes no row's arithmetic), so the results are bit-identical. A batch mixing prompt and
     * decode rows takes the per-weight path.
     */
    private void matMulFused(Activations in, Tensor[] weights, float[][] outs) {
        int m = weights.length;
        if (in.promptCount > 0 && in.promptCount < in.n) {
            for (int j = 0; j < m; j++) {
                matMul(weights[j], in, outs[j]);
            }
            return;
        }
        int[] first = new int[m + 1]; // weight j owns rows [first[j], first[j + 1]) of the joint range
        QuantizedRows[] qx = new QuantizedRows[m];
        for (int j = 0; j < m; j++) {
            first[j + 1] = first[j] + weights[j].rows();
            qx[j] = quantizedFor(weights[j], in); // on the owner thread: Activations is not thread-safe
        }
        pool.parallelFor(first[m], (s, e) -> {
            for (int j = 0; j < m; j++) {
                int lo = Math.max(s, first[j]);
                int hi = Math.min(e, first[j + 1]);
                if (lo < hi) {
                    rowRange(weights[j], in, qx[j], outs[j], lo - first[j], hi - first[j]);
                }
            }
        });
    }

    /**
     * The int8 activations {@code weight} is multiplied with ({@code in} quantized once per format), or null when
     * it takes float activations: prompt rows (unless the kernels multiply this type's prompt rows in integers,
     * {@link Kernels#integerPrompt}), or a weight type without an integer kernel.
     */
    private QuantizedRows quantizedFor(Tensor weight, Activations in) {
        if (in.promptCount == in.n && !kernels.integerPrompt(weight.type())) {
            return null;
        }
        QuantizedRows.Format format = kernels.activations().formatFor(weight.type());
        return format == null ? null : in.quantized(format);
    }

    /** Weight rows [s, e) of {@code out} = {@code in} . weight^T on the form of {@code in}'s rows (all one kind). */
    private void rowRange(Tensor weight, Activations in, QuantizedRows qx, float[] out, int s, int e) {
        int n = in.n;
        if (in.promptCount == n && qx == null) {
            kernels.matMulPrompt(weight, in.x, n, out, s, e);
        } else if (qx != null) {
            if (n == 1) {
                kernels.matVec(weight, qx, 0, out, 0, s, e);
            } else {
                kernels.matMul(weight, qx, out, s, e);
            }
        } else if (n == 1) {
            kernels.matVec(weight, in.x, 0, out, 0, s, e);
        } else {
            kernels.matMul(weight, in.x, n, out, s, e);
        }
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        capacity = n;
        x = new float[n * c.dim()];
        xb = new float[n * c.dim()];
        q = new float[n * c.qDim()];
        k = new float[n * c.kvDim()];
        v = new float[n * c.kvDim()];
        att = new float[n * c.qDim()];
        ffnGate = new float[n * c.ffnDim()];
        ffnUp = new float[n * c.ffnDim()];
        proj = new float[n * c.dim()];
    }
}
