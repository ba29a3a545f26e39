package io.stellarchat.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
            FloatVector e = FloatVector.fromArray(species, x, off + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        float sum = VectorKernels.sumLanes(acc);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
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
            v.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            float v = x[off + i];
            x[off + i] = v / (1f + (float) Math.exp(-v));
        }
    }

    static void gelu(VectorKernels k, float[] x, int off, int n) {
        VectorSpecies<Float> species = k.species();
        int upper = species.loopBound(n);
        int i = 0;
        for (; i < upper; i += species.length()) {
            FloatVector v = FloatVector.fromArray(species, x, off + i);
            FloatVector u = v.mul(v).mul(v).mul(FloatOps.GELU_A).add(v).mul(FloatOps.GELU_C);
            FloatVector e = u.mul(2f).lanewise(VectorOperators.EXP).add(1f); // 1 + exp(2u)
            FloatVector t = FloatVector.broadcast(species, 2f).div(e).neg().add(1f); // tanh(u)
            v.mul(0.5f).mul(t.add(1f)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = FloatOps.geluScalar(x[off + i]);
        }
    }
}
