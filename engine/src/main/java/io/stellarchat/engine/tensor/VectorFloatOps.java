package io.stellarchat.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API loops behind {@link FloatOps}; each finishes its tail with the scalar formula of the twin.
 * The species comes from {@code k.species()}, a constant once the call is inlined (see {@link VectorKernels}).
 */
final class VectorFloatOps {
    private VectorFloatOps() {}

    static float dot(VectorKernels k, float[] a, int aOff, float[] b, int bOff, int n) {
        VectorSpecies<Float> species = k.species();
        FloatVector acc = FloatVector.zero(species);
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            acc = FloatVector.fromArray(species, a, aOff + i).fma(FloatVector.fromArray(species, b, bOff + i), acc);
        }
        float s = VectorKernels.sumLanes(acc);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    // out[i] = weight[i] * (x[i] * inv)
    static void scaleMul(VectorKernels k, float[] out, int outOff, float[] x, int xOff, float inv, float[] weight,
            int wOff, int n) {
        VectorSpecies<Float> species = k.species();
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector.fromArray(species, weight, wOff + i)
                    .mul(FloatVector.fromArray(species, x, xOff + i).mul(inv))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = weight[wOff + i] * (x[xOff + i] * inv);
        }
    }

    // x[i] = exp(x[i] - max); returns the sum
    static float expMinusMax(VectorKernels k, float[] x, int off, int n, float max) {
        VectorSpecies<Float> species = k.species();
        FloatVector acc = FloatVector.zero(species);
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector e = exp(k, FloatVector.fromArray(species, x, off + i).sub(max));
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        float sum = VectorKernels.sumLanes(acc);
        for (; i < n; i++) {
            float e = FloatOps.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }

    static void scale(VectorKernels k, float[] x, int off, int n, float s) {
        VectorSpecies<Float> species = k.species();
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector.fromArray(species, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    static void axpy(VectorKernels k, float a, float[] x, int xOff, float[] y, int yOff, int n) {
        VectorSpecies<Float> species = k.species();
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector.fromArray(species, x, xOff + i).mul(a)
                    .add(FloatVector.fromArray(species, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /**
     * {@link FloatOps#exp} lane for lane (the same operations, so the same bits). The species comes from
     * {@code k.species()} like every loop here (a species passed as a plain argument left C2 without a constant
     * and the whole function ran the Vector API's Java fallback); 2^n is built from the rounding sum's own bits
     * (its low bits hold n), with no float-to-int conversion.
     */
    static FloatVector exp(VectorKernels k, FloatVector v) {
        VectorSpecies<Float> species = k.species();
        FloatVector x = v.max(FloatOps.EXP_LO).min(FloatOps.EXP_HI);
        FloatVector t = x.fma(FloatVector.broadcast(species, FloatOps.LOG2E), FloatVector.broadcast(species, FloatOps.ROUND_MAGIC));
        FloatVector nn = t.sub(FloatOps.ROUND_MAGIC).neg();
        FloatVector r = nn.fma(FloatVector.broadcast(species, FloatOps.LN2_HI), x);
        r = nn.fma(FloatVector.broadcast(species, FloatOps.LN2_LO), r);
        FloatVector p = FloatVector.broadcast(species, 1f / 5040);
        p = p.fma(r, FloatVector.broadcast(species, 1f / 720));
        p = p.fma(r, FloatVector.broadcast(species, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(species, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(species, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(species, 0.5f));
        p = p.fma(r, FloatVector.broadcast(species, 1f));
        p = p.fma(r, FloatVector.broadcast(species, 1f));
        // reinterpretShape with the kernels' constant species (not viewAs...Lanes, whose result class C2 could not
        // see: the multiply below then ran the Java fallback)
        IntVector bits = (IntVector) t.reinterpretShape(k.ints(), 0);
        FloatVector scale = (FloatVector) bits.sub(FloatOps.ROUND_MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                .reinterpretShape(species, 0);
        return p.mul(scale);
    }

    // Rows in groups of four share each key vector; the tail of n is stored through a mask.
    static void columnDots(VectorKernels k, float[] q, int qOff, int rows, int qStride, float[] kt, int ktStride, int hd,
                           float scale, float[] out, int outOff, int outStride, int n) {
        VectorSpecies<Float> species = k.species();
        for (int s = 0; s < n; s += species.length()) {
            VectorMask<Float> m = species.indexInRange(s, n);
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int q0 = qOff + r * qStride;
                FloatVector a0 = FloatVector.zero(species);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int d = 0; d < hd; d++) {
                    FloatVector kv = FloatVector.fromArray(species, kt, d * ktStride + s);
                    a0 = kv.fma(FloatVector.broadcast(species, q[q0 + d]), a0);
                    a1 = kv.fma(FloatVector.broadcast(species, q[q0 + qStride + d]), a1);
                    a2 = kv.fma(FloatVector.broadcast(species, q[q0 + 2 * qStride + d]), a2);
                    a3 = kv.fma(FloatVector.broadcast(species, q[q0 + 3 * qStride + d]), a3);
                }
                int o = outOff + r * outStride + s;
                a0.mul(scale).intoArray(out, o, m);
                a1.mul(scale).intoArray(out, o + outStride, m);
                a2.mul(scale).intoArray(out, o + 2 * outStride, m);
                a3.mul(scale).intoArray(out, o + 3 * outStride, m);
            }
            for (; r < rows; r++) {
                int q0 = qOff + r * qStride;
                FloatVector a0 = FloatVector.zero(species);
                for (int d = 0; d < hd; d++) {
                    a0 = FloatVector.fromArray(species, kt, d * ktStride + s).fma(FloatVector.broadcast(species, q[q0 + d]), a0);
                }
                a0.mul(scale).intoArray(out, outOff + r * outStride + s, m);
            }
        }
    }

    // Rows in groups of four share each value vector; a tail of hd (none for the usual head sizes) goes through a
    // mask, whole vectors through plain loads and stores (a masked load in the loop cost as much as the fma).
    static void weightedRows(VectorKernels k, float[] p, int pOff, int rows, int pStride, float[] v, int vOff, int hd,
                             int n, float[] acc, int accOff, int accStride) {
        VectorSpecies<Float> species = k.species();
        int whole = species.loopBound(hd);
        for (int c = 0; c < whole; c += species.length()) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int o = accOff + r * accStride + c;
                int p0 = pOff + r * pStride;
                FloatVector a0 = FloatVector.fromArray(species, acc, o);
                FloatVector a1 = FloatVector.fromArray(species, acc, o + accStride);
                FloatVector a2 = FloatVector.fromArray(species, acc, o + 2 * accStride);
                FloatVector a3 = FloatVector.fromArray(species, acc, o + 3 * accStride);
                for (int s = 0; s < n; s++) {
                    FloatVector vv = FloatVector.fromArray(species, v, vOff + s * hd + c);
                    a0 = vv.fma(FloatVector.broadcast(species, p[p0 + s]), a0);
                    a1 = vv.fma(FloatVector.broadcast(species, p[p0 + pStride + s]), a1);
                    a2 = vv.fma(FloatVector.broadcast(species, p[p0 + 2 * pStride + s]), a2);
                    a3 = vv.fma(FloatVector.broadcast(species, p[p0 + 3 * pStride + s]), a3);
                }
                a0.intoArray(acc, o);
                a1.intoArray(acc, o + accStride);
                a2.intoArray(acc, o + 2 * accStride);
                a3.intoArray(acc, o + 3 * accStride);
            }
            for (; r < rows; r++) {
                int o = accOff + r * accStride + c;
                int p0 = pOff + r * pStride;
                FloatVector a0 = FloatVector.fromArray(species, acc, o);
                for (int s = 0; s < n; s++) {
                    a0 = FloatVector.fromArray(species, v, vOff + s * hd + c).fma(FloatVector.broadcast(species, p[p0 + s]), a0);
                }
                a0.intoArray(acc, o);
            }
        }
        if (whole < hd) {
            VectorMask<Float> m = species.indexInRange(whole, hd);
            for (int r = 0; r < rows; r++) {
                int o = accOff + r * accStride + whole;
                int p0 = pOff + r * pStride;
                FloatVector a0 = FloatVector.fromArray(species, acc, o, m);
                for (int s = 0; s < n; s++) {
                    a0 = FloatVector.fromArray(species, v, vOff + s * hd + whole, m)
                            .fma(FloatVector.broadcast(species, p[p0 + s]), a0);
                }
                a0.intoArray(acc, o, m);
            }
        }
    }

    static void mul(VectorKernels k, float[] a, int aOff, float[] b, int bOff, int n) {
        VectorSpecies<Float> species = k.species();
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector.fromArray(species, a, aOff + i).mul(FloatVector.fromArray(species, b, bOff + i))
                    .intoArray(a, aOff + i);
        }
        for (; i < n; i++) {
            a[aOff + i] *= b[bOff + i];
        }
    }

    static void add(VectorKernels k, float[] a, int aOff, float[] b, int bOff, int n) {
        VectorSpecies<Float> species = k.species();
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector.fromArray(species, a, aOff + i).add(FloatVector.fromArray(species, b, bOff + i))
                    .intoArray(a, aOff + i);
        }
        for (; i < n; i++) {
            a[aOff + i] += b[bOff + i];
        }
    }

    // x = x / (1 + exp(-x))
    static void silu(VectorKernels k, float[] x, int off, int n) {
        VectorSpecies<Float> species = k.species();
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector v = FloatVector.fromArray(species, x, off + i);
            v.div(exp(k, v.neg()).add(1f)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            float v = x[off + i];
            x[off + i] = v / (1f + FloatOps.exp(-v));
        }
    }

    static void gelu(VectorKernels k, float[] x, int off, int n) {
        VectorSpecies<Float> species = k.species();
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector v = FloatVector.fromArray(species, x, off + i);
            FloatVector u = v.mul(v).mul(v).mul(FloatOps.GELU_A).add(v).mul(FloatOps.GELU_C);
            FloatVector e = exp(k, u.mul(2f)).add(1f); // 1 + exp(2u)
            FloatVector t = FloatVector.broadcast(species, 2f).div(e).neg().add(1f); // tanh(u)
            v.mul(0.5f).mul(t.add(1f)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = FloatOps.geluScalar(x[off + i]);
        }
    }
}
