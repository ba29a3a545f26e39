package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scalar and vector float operations against float64 formulas. Tolerance: 1e-6 relative (plus 1e-7 absolute)
 * for the element-wise ops, n * 2^-24 of the absolute sum for reductions.
 */
class FloatOpsTest {

    static FloatOps[] both(int bits) {
        return new FloatOps[] {FloatOps.scalar(), FloatOps.vector(bits)};
    }

    static void close(double want, float got, String what) {
        assertEquals(want, got, 1e-6 * Math.abs(want) + 1e-7, what);
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void rmsnormSoftmaxSiluMatchFloat64(int bits) {
        for (FloatOps ops : both(bits)) {
            for (int n : new int[] {1, 7, 64, 173}) {
                float[] x = RandomTensors.randomFloats(n + 2, n);
                float[] w = RandomTensors.randomFloats(n, n + 1);
                float eps = 1e-5f;
                double ss = IntStream.range(0, n).mapToDouble(i -> (double) x[2 + i] * x[2 + i]).sum();
                double inv = 1 / Math.sqrt(ss / n + eps);
                float[] out = new float[n + 1];
                ops.rmsnorm(out, 1, x, 2, w, 0, eps, n);
                for (int i = 0; i < n; i++) {
                    close(x[2 + i] * inv * w[i], out[1 + i], ops + " rmsnorm " + i);
                }

                float[] logits = RandomTensors.randomFloats(n, 3 * n);
                for (int i = 0; i < n; i++) {
                    logits[i] *= 30; // large values: the max must be subtracted
                }
                double max = IntStream.range(0, n).mapToDouble(i -> logits[i]).max().orElseThrow();
                double z = IntStream.range(0, n).mapToDouble(i -> Math.exp(logits[i] - max)).sum();
                float[] p = logits.clone();
                ops.softmax(p, 0, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(Math.exp(logits[i] - max) / z, p[i], 2e-6 * Math.exp(logits[i] - max) / z + 1e-9,
                            ops + " softmax " + i);
                }

                float[] s = x.clone();
                ops.silu(s, 2, n);
                for (int i = 0; i < n; i++) {
                    double v = x[2 + i] * 8.0; // also exercise the tails of exp
                    float[] one = {(float) v};
                    ops.silu(one, 0, 1);
                    close(v / (1 + Math.exp(-v)), one[0], ops + " silu " + v);
                    close(x[2 + i] / (1 + Math.exp(-x[2 + i])), s[2 + i], ops + " silu " + i);
                }

                float[] g = x.clone();
                ops.gelu(g, 2, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(gelu64(x[2 + i]), g[2 + i], 1e-6, ops + " gelu " + i); // 1 + tanh cancels for x << 0
                    double v = x[2 + i] * 8.0; // the tails: tanh saturates to ±1 without NaN
                    float[] one = {(float) v};
                    ops.gelu(one, 0, 1);
                    assertEquals(gelu64(v), one[0], 1e-6 * Math.abs(v) + 1e-6, ops + " gelu " + v);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void dotAxpyMulAddScaleMatchFloat64(int bits) {
        for (FloatOps ops : both(bits)) {
            for (int n : new int[] {0, 3, 16, 100}) {
                float[] a = RandomTensors.randomFloats(n + 1, 5 * n + 1);
                float[] b = RandomTensors.randomFloats(n + 2, 5 * n + 2);
                double d = 0;
                double abs = 0;
                for (int i = 0; i < n; i++) {
                    d += (double) a[1 + i] * b[2 + i];
                    abs += Math.abs((double) a[1 + i] * b[2 + i]);
                }
                assertEquals(d, ops.dot(a, 1, b, 2, n), (n + 1) * 0x1p-24 * abs + 1e-30, ops + " dot");

                float[] y = b.clone();
                ops.axpy(0.75f, a, 1, y, 2, n);
                for (int i = 0; i < n; i++) {
                    close(b[2 + i] + 0.75 * a[1 + i], y[2 + i], ops + " axpy");
                }
                float[] m = a.clone();
                ops.mul(m, 1, b, 2, n);
                float[] s = a.clone();
                ops.add(s, 1, b, 2, n);
                float[] c = a.clone();
                ops.scale(c, 1, n, -3f);
                for (int i = 0; i < n; i++) {
                    close((double) a[1 + i] * b[2 + i], m[1 + i], ops + " mul");
                    close((double) a[1 + i] + b[2 + i], s[1 + i], ops + " add");
                    close(-3.0 * a[1 + i], c[1 + i], ops + " scale");
                }
                assertEquals(a[0], m[0]);
            }
            assertThrows(IllegalArgumentException.class, () -> ops.dot(new float[2], new float[3]));
        }
    }

    /**
     * The attention products: scalar and vector give the same bits (both are fma chains in one order), each value
     * is within float rounding of float64, and a key's score or a row's sum does not depend on the other keys or
     * rows in the call (odd row counts and key counts that leave vector tails).
     */
    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void columnDotsAndWeightedRowsAreOneFmaChainAtEverySpecies(int bits) {
        FloatOps scalar = FloatOps.scalar();
        FloatOps vector = FloatOps.vector(bits);
        int hd = 40; // not a multiple of 16: weightedRows' masked tail
        for (int rows : new int[] {1, 4, 7}) {
            for (int n : new int[] {1, 5, 16, 19}) {
                int ktStride = (n + 15) / 16 * 16;
                float[] q = RandomTensors.randomFloats(rows * hd + 3, 11 + rows);
                float[] kt = RandomTensors.randomFloats(hd * ktStride, 12 + n);
                float[] a = new float[rows * 24 + n];
                float[] b = new float[rows * 24 + n];
                scalar.columnDots(q, 3, rows, hd, kt, ktStride, hd, 0.125f, a, 1, 24, n);
                vector.columnDots(q, 3, rows, hd, kt, ktStride, hd, 0.125f, b, 1, 24, n);
                org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, bits + " rows " + rows + " n " + n);
                float[] one = new float[1];
                for (int r = 0; r < rows; r++) {
                    for (int s = 0; s < n; s++) {
                        double want = 0;
                        double abs = 0;
                        for (int d = 0; d < hd; d++) {
                            want += (double) q[3 + r * hd + d] * kt[d * ktStride + s];
                            abs += Math.abs((double) q[3 + r * hd + d] * kt[d * ktStride + s]);
                        }
                        assertEquals(want * 0.125, a[1 + r * 24 + s], 0.125 * hd * Math.pow(2, -23) * abs + 1e-30);
                    }
                    vector.columnDots(q, 3 + r * hd, 1, hd, kt, ktStride, hd, 0.125f, one, 0, 1, 1); // row alone
                    assertEquals(Float.floatToRawIntBits(a[1 + r * 24]), Float.floatToRawIntBits(one[0]));
                }
                float[] p = RandomTensors.randomFloats(rows * 20 + 2, 13 + n);
                float[] v = RandomTensors.randomFloats(n * hd + 5, 14 + rows);
                float[] accA = RandomTensors.randomFloats(rows * hd, 15);
                float[] accB = accA.clone();
                float[] start = accA.clone();
                scalar.weightedRows(p, 2, rows, 20, v, 5, hd, n, accA, 0, hd);
                vector.weightedRows(p, 2, rows, 20, v, 5, hd, n, accB, 0, hd);
                org.junit.jupiter.api.Assertions.assertArrayEquals(accA, accB, bits + " rows " + rows + " n " + n);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < hd; c++) {
                        double want = start[r * hd + c];
                        double abs = Math.abs(want);
                        for (int s = 0; s < Math.min(n, 20); s++) {
                            want += (double) p[2 + r * 20 + s] * v[5 + s * hd + c];
                            abs += Math.abs((double) p[2 + r * 20 + s] * v[5 + s * hd + c]);
                        }
                        if (n <= 20) {
                            assertEquals(want, accA[r * hd + c], (n + 1) * Math.pow(2, -23) * abs + 1e-30);
                        }
                    }
                }
            }
        }
    }

    /**
     * The engine's own exp: within 2e-7 of Math.exp over the whole range, and the scalar and vector forms (and so
     * softmax, SiLU and GELU on both paths, vector body or scalar tail) give the same bits: nothing depends on
     * whether C2 has compiled a loop yet or on where an element falls in a row.
     */
    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void expIsAccurateAndTheSameBitsOnBothPaths(int bits) {
        FloatOps vector = FloatOps.vector(bits);
        FloatOps scalar = FloatOps.scalar();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        int n = 4099;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i < 3 ? new float[] {0f, -87.3f, 87.9f}[i] : (float) (rnd.nextDouble() * 175 - 87);
        }
        for (float v : x) {
            double want = Math.exp(v);
            assertEquals(want, FloatOps.exp(v), 2e-7 * want, "exp(" + v + ")");
        }
        for (String op : new String[] {"softmax", "silu", "gelu"}) {
            float[] a = java.util.Arrays.copyOf(x, n);
            float[] b = java.util.Arrays.copyOf(x, n);
            for (int i = 0; i < n; i++) { // keep silu and gelu inputs in a useful range
                a[i] /= 10f;
                b[i] /= 10f;
            }
            switch (op) {
                case "softmax" -> { scalar.softmax(a, 1, n - 1); vector.softmax(b, 1, n - 1); }
                case "silu" -> { scalar.silu(a, 1, n - 1); vector.silu(b, 1, n - 1); }
                default -> { scalar.gelu(a, 1, n - 1); vector.gelu(b, 1, n - 1); }
            }
            if (op.equals("softmax")) { // the sums run in another order: the same values within rounding
                for (int i = 1; i < n; i++) {
                    assertEquals(a[i], b[i], n * 0x1p-24f * a[i], op + " " + i); // two sums of n terms
                }
            } else {
                org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, op);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void kernelsHandTheirOwnOps(int bits) {
        assertEquals(false, Kernels.scalar().ops().isVector());
        assertEquals(true, Kernels.vector(bits).ops().isVector());
        assertEquals(FloatVector.SPECIES_PREFERRED.vectorBitSize() > 0, Kernels.vector().ops().isVector());
    }

    /** F16 widening (the KV cache's entries) equals Float.float16ToFloat for all 65536 patterns, at any offset. */
    @ParameterizedTest
    @ValueSource(ints = {64, 128, 256, 512})
    void widenHalvesIsFloat16ToFloatBitForBit(int bits) {
        short[] all = new short[65536 + 3];
        for (int i = 0; i < 65536; i++) {
            all[i + 3] = (short) i;
        }
        for (FloatOps ops : both(bits)) {
            float[] out = new float[65536 + 1];
            ops.widenHalves(all, 3, out, 1, 65536);
            for (int i = 0; i < 65536; i++) {
                assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) i)), Float.floatToRawIntBits(out[1 + i]),
                        ops + " pattern 0x" + Integer.toHexString(i));
            }
        }
    }

    /** GELU, tanh form, in float64. */
    private static double gelu64(double v) {
        return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
    }
}
