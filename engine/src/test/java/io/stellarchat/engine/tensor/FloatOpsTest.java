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
