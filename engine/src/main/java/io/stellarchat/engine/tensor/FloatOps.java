package io.stellarchat.engine.tensor;

/**
 * The element-wise float operations of the forward pass (RMSNorm, softmax, SiLU, residual add, ...), each with
 * a scalar twin. An instance is either scalar ({@link #scalar()}) or bound to one vector species
 * ({@link #vector(int)}); get the one matching the chosen kernels from {@link Kernels#ops()}.
 *
 * <p>All arrays are plain {@code float[]} with explicit offsets; {@code n} elements are touched. Instances are
 * immutable and thread-safe. Index errors surface as the JDK's {@link IndexOutOfBoundsException}.
 *
 * <p>This class names no {@code jdk.incubator.vector} type (the vector loops live in {@link VectorFloatOps}),
 * so the scalar path runs on a JVM started without the vector module.
 */
public final class FloatOps {
    private static final FloatOps SCALAR = new FloatOps(null);

    /**
     * Null for the scalar path. The species is read through {@link VectorKernels#species()} (a constant per
     * subclass) rather than stored here: a species in an instance field defeats C2's vector intrinsics.
     */
    private final VectorKernels vec;

    private FloatOps(VectorKernels vec) {
        this.vec = vec;
    }

    /** The scalar reference operations. */
    public static FloatOps scalar() {
        return SCALAR;
    }

    /**
     * Vector operations over a float species of {@code bits} bits (64, 128, 256 or 512); the same as
     * {@code Kernels.vector(bits).ops()}.
     *
     * @throws IllegalArgumentException when {@code bits} names no vector shape
     */
    public static FloatOps vector(int bits) {
        return Kernels.vector(bits).ops();
    }

    static FloatOps vector(VectorKernels kernels) {
        return new FloatOps(kernels);
    }

    /** Whether this instance uses the Vector API. */
    public boolean isVector() {
        return vec != null;
    }

    /** {@code sum(a[aOff+i] * b[bOff+i])} for i in [0, n). */
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (vec != null) {
            return VectorFloatOps.dot(vec, a, aOff, b, bOff, n);
        }
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** {@code dot(a, 0, b, 0, a.length)}; the arrays must have the same length. */
    public float dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("dot of float[" + a.length + "] and float[" + b.length + "]");
        }
        return dot(a, 0, b, 0, a.length);
    }

    /** Sum of squares of {@code x[off .. off+n)}. */
    public float sumOfSquares(float[] x, int off, int n) {
        return dot(x, off, x, off, n);
    }

    /**
     * RMSNorm: {@code out[i] = weight[i] * (x[i] / sqrt(mean(x^2) + eps))} for i in [0, n).
     * {@code out} may be {@code x}.
     */
    public void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int wOff, float eps, int n) {
        float inv = (float) (1.0 / Math.sqrt(sumOfSquares(x, xOff, n) / n + eps));
        if (vec != null) {
            VectorFloatOps.scaleMul(vec, out, outOff, x, xOff, inv, weight, wOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            out[outOff + i] = weight[wOff + i] * (x[xOff + i] * inv);
        }
    }

    /** {@link #rmsnorm(float[], int, float[], int, float[], int, float, int)} with zero offsets. */
    public void rmsnorm(float[] out, float[] x, float[] weight, float eps, int n) {
        rmsnorm(out, 0, x, 0, weight, 0, eps, n);
    }

    // exp: x = n ln2 + r (n rounded to nearest with the 1.5 * 2^23 trick, ln2 split in two for an exact-ish r),
    // e^r by its Taylor polynomial to r^7 in Horner form (|r| <= ln2/2: relative error below 2e-7), times 2^n
    // built in the exponent bits. Every step is a float operation or a fused multiply-add with one rounding, so
    // the vector form (VectorFloatOps.exp) gives the same bits lane for lane, whenever and wherever it runs: the
    // JDK's lanewise EXP does not (its results change when C2 compiles the loop, and the scalar tails used
    // Math.exp), which made attention and the encoder's outputs depend on warm-up and on the row's length.
    static final float EXP_LO = -87.33654f; // e^x still a normal float
    static final float EXP_HI = 88.0f;      // 2^127 at most
    static final float LOG2E = 1.44269504f;
    static final float ROUND_MAGIC = 0x1.8p23f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final int ROUND_MAGIC_BITS = Float.floatToRawIntBits(ROUND_MAGIC);

    /** e^x for x clamped to [{@value #EXP_LO}, {@value #EXP_HI}], within 2e-7 relative; the vector twin's bits. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(x, LOG2E, ROUND_MAGIC); // n in its low mantissa bits
        float nn = -(t - ROUND_MAGIC);
        float r = Math.fma(nn, LN2_HI, x);
        r = Math.fma(nn, LN2_LO, r);
        float p = 1f / 5040;
        p = Math.fma(p, r, 1f / 720);
        p = Math.fma(p, r, 1f / 120);
        p = Math.fma(p, r, 1f / 24);
        p = Math.fma(p, r, 1f / 6);
        p = Math.fma(p, r, 0.5f);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUND_MAGIC_BITS - 127)) << 23);
    }

    /** Softmax of {@code x[off .. off+n)} in place (max-subtracted, so large logits do not overflow). */
    public void softmax(float[] x, int off, int n) {
        if (n == 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum;
        if (vec != null) {
            sum = VectorFloatOps.expMinusMax(vec, x, off, n, max);
        } else {
            sum = 0f;
            for (int i = 0; i < n; i++) {
                float e = exp(x[off + i] - max);
                x[off + i] = e;
                sum += e;
            }
        }
        scale(x, off, n, 1f / sum);
    }

    /** {@code x[off+i] *= s}. */
    public void scale(float[] x, int off, int n, float s) {
        if (vec != null) {
            VectorFloatOps.scale(vec, x, off, n, s);
            return;
        }
        for (int i = 0; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /** {@code y[yOff+i] += a * x[xOff+i]}. */
    public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        if (vec != null) {
            VectorFloatOps.axpy(vec, a, x, xOff, y, yOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /**
     * Attention scores of {@code rows} query rows against {@code n} keys stored transposed:
     * {@code out[outOff + r * outStride + s] = scale * sum_d q[qOff + r * qStride + d] * kt[d * ktStride + s]}
     * for r in [0, rows), s in [0, n), d in [0, hd). Each sum is one chain of fused multiply-adds over d in order,
     * starting from 0, so the scalar and vector forms give the same bits, and a key's score does not depend on
     * its place in the block or on the other rows. {@code kt} rows may be read up to {@code ktStride} values
     * (the vector form loads whole vectors): {@code ktStride} must be at least {@code n} rounded up to
     * {@link #lanes()}.
     */
    public void columnDots(float[] q, int qOff, int rows, int qStride, float[] kt, int ktStride, int hd, float scale,
                           float[] out, int outOff, int outStride, int n) {
        if (vec != null) {
            VectorFloatOps.columnDots(vec, q, qOff, rows, qStride, kt, ktStride, hd, scale, out, outOff, outStride, n);
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < n; s++) {
                float acc = 0f;
                for (int d = 0; d < hd; d++) {
                    acc = Math.fma(kt[d * ktStride + s], q[qOff + r * qStride + d], acc);
                }
                out[outOff + r * outStride + s] = acc * scale;
            }
        }
    }

    /**
     * Weighted sums of value rows, added to {@code rows} accumulators:
     * {@code acc[accOff + r * accStride + c] = fma chain over s in order of p[pOff + r * pStride + s] *
     * v[vOff + s * hd + c]}, starting from the accumulator's value, for r in [0, rows), c in [0, hd), s in [0, n).
     * The scalar and vector forms give the same bits (one fused multiply-add per value, in position order).
     */
    public void weightedRows(float[] p, int pOff, int rows, int pStride, float[] v, int vOff, int hd, int n,
                             float[] acc, int accOff, int accStride) {
        if (vec != null) {
            VectorFloatOps.weightedRows(vec, p, pOff, rows, pStride, v, vOff, hd, n, acc, accOff, accStride);
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < hd; c++) {
                float a = acc[accOff + r * accStride + c];
                for (int s = 0; s < n; s++) {
                    a = Math.fma(v[vOff + s * hd + c], p[pOff + r * pStride + s], a);
                }
                acc[accOff + r * accStride + c] = a;
            }
        }
    }

    /** Floats per vector of this instance (1 for the scalar path). */
    public int lanes() {
        return vec != null ? vec.species().length() : 1;
    }

    /** Element-wise product in place: {@code a[aOff+i] *= b[bOff+i]}. */
    public void mul(float[] a, int aOff, float[] b, int bOff, int n) {
        if (vec != null) {
            VectorFloatOps.mul(vec, a, aOff, b, bOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            a[aOff + i] *= b[bOff + i];
        }
    }

    /** Element-wise sum in place (the residual connection): {@code a[aOff+i] += b[bOff+i]}. */
    public void add(float[] a, int aOff, float[] b, int bOff, int n) {
        if (vec != null) {
            VectorFloatOps.add(vec, a, aOff, b, bOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            a[aOff + i] += b[bOff + i];
        }
    }

    /** SiLU in place: {@code x = x / (1 + exp(-x))}. */
    public void silu(float[] x, int off, int n) {
        if (vec != null) {
            VectorFloatOps.silu(vec, x, off, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            x[off + i] = v / (1f + exp(-v));
        }
    }

    /**
     * GELU in place, tanh form (BERT's, and ggml's {@code gelu}): {@code x = 0.5 x (1 + tanh(u))} with
     * {@code u = sqrt(2/pi) (x + 0.044715 x^3)}, tanh taken as {@code 1 - 2 / (1 + exp(2u))} (exact at both tails:
     * exp overflowing to infinity gives 1, underflowing to 0 gives -1).
     */
    public void gelu(float[] x, int off, int n) {
        if (vec != null) {
            VectorFloatOps.gelu(vec, x, off, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            x[off + i] = geluScalar(x[off + i]);
        }
    }

    static float geluScalar(float v) {
        float u = (v * v * v * GELU_A + v) * GELU_C; // the vector form's operations, in its order
        float t = 1f - 2f / (exp(2f * u) + 1f);
        return 0.5f * v * (1f + t);
    }

    static final float GELU_C = 0.7978845608f; // sqrt(2 / pi)
    static final float GELU_A = 0.044715f;

    /** {@code dst[dstOff ..+n) = Float.float16ToFloat(src[off ..+n))}, bit for bit: F16 bits widened to floats. */
    public void widenHalves(short[] src, int off, float[] dst, int dstOff, int n) {
        if (vec != null) {
            vec.widenHalves(src, off, dst, dstOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src[off + i]);
        }
    }

    @Override
    public String toString() {
        return vec == null ? "FloatOps[scalar]" : "FloatOps[" + vec.description() + "]";
    }
}
