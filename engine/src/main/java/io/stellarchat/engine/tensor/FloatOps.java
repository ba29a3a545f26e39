package io.stellarchat.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise float operations of the forward pass (RMSNorm, softmax, SiLU, residual add, ...), each with
 * a scalar twin. An instance is either scalar ({@link #scalar()}) or bound to one vector species
 * ({@link #vector(VectorSpecies)}); get the one matching the chosen kernels from {@link Kernels#ops()}.
 *
 * <p>All arrays are plain {@code float[]} with explicit offsets; {@code n} elements are touched. Instances are
 * immutable and thread-safe. Index errors surface as the JDK's {@link IndexOutOfBoundsException}.
 */
public final class FloatOps {
    private static final FloatOps SCALAR = new FloatOps(null);

    /** Null for the scalar path. */
    private final VectorSpecies<Float> species;

    private FloatOps(VectorSpecies<Float> species) {
        this.species = species;
    }

    /** The scalar reference operations. */
    public static FloatOps scalar() {
        return SCALAR;
    }

    /** Vector operations over {@code species}. */
    public static FloatOps vector(VectorSpecies<Float> species) {
        return new FloatOps(species);
    }

    /** Whether this instance uses the Vector API. */
    public boolean isVector() {
        return species != null;
    }

    /** {@code sum(a[aOff+i] * b[bOff+i])} for i in [0, n). */
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (species == null) {
            float s = 0f;
            for (int i = 0; i < n; i++) {
                s += a[aOff + i] * b[bOff + i];
            }
            return s;
        }
        FloatVector acc = FloatVector.zero(species);
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            acc = FloatVector.fromArray(species, a, aOff + i).fma(FloatVector.fromArray(species, b, bOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
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
        if (species == null) {
            for (int i = 0; i < n; i++) {
                out[outOff + i] = weight[wOff + i] * (x[xOff + i] * inv);
            }
            return;
        }
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector.fromArray(species, x, xOff + i).mul(inv)
                    .mul(FloatVector.fromArray(species, weight, wOff + i))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = weight[wOff + i] * (x[xOff + i] * inv);
        }
    }

    /** {@link #rmsnorm(float[], int, float[], int, float[], int, float, int)} with zero offsets. */
    public void rmsnorm(float[] out, float[] x, float[] weight, float eps, int n) {
        rmsnorm(out, 0, x, 0, weight, 0, eps, n);
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
        float sum = 0f;
        int i = 0;
        if (species != null) {
            FloatVector acc = FloatVector.zero(species);
            int upper = species.loopBound(n);
            for (; i < upper; i += species.length()) {
                FloatVector e = FloatVector.fromArray(species, x, off + i).sub(max).lanewise(VectorOperators.EXP);
                e.intoArray(x, off + i);
                acc = acc.add(e);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, n, 1f / sum);
    }

    /** {@code x[off+i] *= s}. */
    public void scale(float[] x, int off, int n, float s) {
        int i = 0;
        if (species != null) {
            int upper = species.loopBound(n);
            for (; i < upper; i += species.length()) {
                FloatVector.fromArray(species, x, off + i).mul(s).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /** {@code y[yOff+i] += a * x[xOff+i]}. */
    public void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        if (species != null) {
            int upper = species.loopBound(n);
            for (; i < upper; i += species.length()) {
                FloatVector.fromArray(species, x, xOff + i)
                        .mul(a)
                        .add(FloatVector.fromArray(species, y, yOff + i))
                        .intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** Element-wise product in place: {@code a[aOff+i] *= b[bOff+i]}. */
    public void mul(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        if (species != null) {
            int upper = species.loopBound(n);
            for (; i < upper; i += species.length()) {
                FloatVector.fromArray(species, a, aOff + i).mul(FloatVector.fromArray(species, b, bOff + i))
                        .intoArray(a, aOff + i);
            }
        }
        for (; i < n; i++) {
            a[aOff + i] *= b[bOff + i];
        }
    }

    /** Element-wise sum in place (the residual connection): {@code a[aOff+i] += b[bOff+i]}. */
    public void add(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        if (species != null) {
            int upper = species.loopBound(n);
            for (; i < upper; i += species.length()) {
                FloatVector.fromArray(species, a, aOff + i).add(FloatVector.fromArray(species, b, bOff + i))
                        .intoArray(a, aOff + i);
            }
        }
        for (; i < n; i++) {
            a[aOff + i] += b[bOff + i];
        }
    }

    /** SiLU in place: {@code x = x / (1 + exp(-x))}. */
    public void silu(float[] x, int off, int n) {
        int i = 0;
        if (species != null) {
            int upper = species.loopBound(n);
            for (; i < upper; i += species.length()) {
                FloatVector v = FloatVector.fromArray(species, x, off + i);
                v.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) {
            float v = x[off + i];
            x[off + i] = v / (1f + (float) Math.exp(-v));
        }
    }

    @Override
    public String toString() {
        return species == null ? "FloatOps[scalar]" : "FloatOps[" + species.vectorBitSize() + "-bit]";
    }
}
