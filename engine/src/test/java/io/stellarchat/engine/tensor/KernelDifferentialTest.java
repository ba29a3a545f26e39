package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scalar kernels vs Vector API kernels (forced 128/256/512-bit species and the preferred one) vs a float64 dot of
 * the dequantized row, on random blocks of every type.
 *
 * <p>Tolerance: a float sum of n products of exact inputs is within (n + 2) * 2^-24 * sum|w_i x_i| of the exact
 * sum (recursive summation bound, two extra roundings for the per-block scale); we use that bound.
 */
class KernelDifferentialTest {

    static final int ROWS = 7; // one tile of 4 plus a tail of 3

    static Stream<Arguments> typesAndSpecies() {
        List<Arguments> args = new ArrayList<>();
        for (GgmlType t : RandomTensors.TYPES) {
            for (int bits : new int[] {128, 256, 512}) {
                args.add(Arguments.of(t, bits));
            }
        }
        return args.stream();
    }

    static double tolerance(Tensor w, int row, float[] x, int xOff) {
        float[] deq = new float[w.cols()];
        Kernels.scalar().dequantizeRow(w, row, deq, 0);
        double abs = 0;
        for (int i = 0; i < deq.length; i++) {
            abs += Math.abs((double) deq[i] * x[xOff + i]);
        }
        return (w.cols() + 2) * Math.pow(2, -24) * abs + 1e-30;
    }

    static double exactDot(Tensor w, int row, float[] x, int xOff) {
        float[] deq = new float[w.cols()];
        Kernels.scalar().dequantizeRow(w, row, deq, 0);
        double s = 0;
        for (int i = 0; i < deq.length; i++) {
            s += (double) deq[i] * x[xOff + i];
        }
        return s;
    }

    @ParameterizedTest(name = "{0} at {1} bits")
    @MethodSource("typesAndSpecies")
    void dotAgreesWithFloat64ReferenceOnRandomBlocks(GgmlType type, int bits) {
        Kernels scalar = Kernels.scalar();
        Kernels vector = Kernels.vector(bits);
        try (Arena arena = Arena.ofConfined()) {
            int cols = RandomTensors.cols(type);
            Tensor w = RandomTensors.random(arena, type, ROWS, cols, 1000 + type.id());
            float[] x = RandomTensors.randomFloats(cols + 3, 7);
            for (int r = 0; r < ROWS; r++) {
                double ref = exactDot(w, r, x, 3);
                double tol = tolerance(w, r, x, 3);
                float s = scalar.dot(w, r, x, 3);
                float v = vector.dot(w, r, x, 3);
                assertEquals(ref, s, tol, "scalar " + type + " row " + r);
                assertEquals(ref, v, tol, "vector " + type + " " + bits + "-bit row " + r);
            }
        }
    }

    @ParameterizedTest(name = "{0} at {1} bits")
    @MethodSource("typesAndSpecies")
    void matVecEqualsRepeatedDotAndTouchesOnlyItsRows(GgmlType type, int bits) {
        for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.vector(bits)}) {
            try (Arena arena = Arena.ofConfined()) {
                int cols = RandomTensors.cols(type);
                Tensor w = RandomTensors.random(arena, type, ROWS, cols, 2000 + type.id());
                float[] x = RandomTensors.randomFloats(cols, 8);
                float[] out = new float[ROWS + 2];
                java.util.Arrays.fill(out, Float.NaN);
                k.matVec(w, x, 0, out, 2, 1, ROWS - 1);
                assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[1]) && Float.isNaN(out[2 + ROWS - 1]),
                        "rows outside the range untouched");
                for (int r = 1; r < ROWS - 1; r++) {
                    assertEquals(k.dot(w, r, x, 0), out[2 + r], 0f, k.description() + " row " + r);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} at {1} bits")
    @MethodSource("typesAndSpecies")
    void matMulAgreesWithDotForEveryActivationRow(GgmlType type, int bits) {
        // n = 1 and 3: below one tile of activation rows; n = 6: a tile of 4 and a tail of 2
        for (int n : new int[] {1, 3, 6}) {
            matMulCase(type, bits, n);
        }
    }

    void matMulCase(GgmlType type, int bits, int n) {
        for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.vector(bits)}) {
            try (Arena arena = Arena.ofConfined()) {
                int cols = RandomTensors.cols(type);
                Tensor w = RandomTensors.random(arena, type, ROWS, cols, 3000 + type.id());
                float[] x = RandomTensors.randomFloats(n * cols, 9); // (n, cols)
                float[] out = new float[n * ROWS];                    // (n, rows)
                java.util.Arrays.fill(out, Float.NaN);
                int start = 1; // rows 1..6: the range does not start at 0
                k.matMul(w, x, n, out, start, ROWS);
                float[] odd = new float[n * ROWS];  // rows 2..6: an odd count of weight rows
                k.matMul(w, x, n, odd, 2, ROWS);
                for (int i = 0; i < n; i++) {
                    for (int r = 2; r < ROWS; r++) {
                        assertEquals(out[i * ROWS + r], odd[i * ROWS + r], tolerance(w, r, x, i * cols),
                                k.description() + " " + type + " odd range, batch " + i + " row " + r);
                    }
                }
                for (int i = 0; i < n; i++) {
                    assertTrue(Float.isNaN(out[i * ROWS]), "row 0 is outside the range");
                    for (int r = start; r < ROWS; r++) {
                        double ref = exactDot(w, r, x, i * cols);
                        assertEquals(ref, out[i * ROWS + r], tolerance(w, r, x, i * cols),
                                k.description() + " " + type + " batch " + i + " row " + r);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} at {1} bits")
    @MethodSource("typesAndSpecies")
    void vectorDequantizeRowIsBitIdenticalToScalar(GgmlType type, int bits) {
        try (Arena arena = Arena.ofConfined()) {
            int cols = RandomTensors.cols(type);
            Tensor w = RandomTensors.random(arena, type, 2, cols, 4000 + type.id());
            float[] a = new float[cols + 1];
            float[] b = new float[cols + 1];
            Kernels.scalar().dequantizeRow(w, 1, a, 1);
            Kernels.vector(bits).dequantizeRow(w, 1, b, 1);
            assertTrue(java.util.Arrays.equals(a, b));
        }
    }

    /**
     * The vector F16 and BF16 widening (bit tricks in int lanes) against {@link Float#float16ToFloat} and the BF16
     * shift, bit for bit, over all 65536 patterns: zeros, subnormals, normals, infinities and NaN payloads.
     */
    @ParameterizedTest(name = "{0}-bit")
    @org.junit.jupiter.params.provider.ValueSource(ints = {128, 256, 512})
    void halfWideningIsBitIdenticalForEveryPattern(int bits) {
        try (Arena arena = Arena.ofConfined()) {
            int cols = 65536;
            java.lang.foreign.MemorySegment data = arena.allocate(2L * cols);
            for (int i = 0; i < cols; i++) {
                data.set(BlockDecoder.LE16, 2L * i, (short) i);
            }
            for (GgmlType type : new GgmlType[] {GgmlType.F16, GgmlType.BF16}) {
                Tensor w = new Tensor("all-" + type, type, new long[] {cols, 1}, data);
                float[] got = new float[cols];
                Kernels.vector(bits).dequantizeRow(w, 0, got, 0);
                for (int i = 0; i < cols; i++) {
                    float want = type == GgmlType.F16 ? Float.float16ToFloat((short) i) : Float.intBitsToFloat(i << 16);
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]),
                            type + " pattern 0x" + Integer.toHexString(i));
                }
            }
        }
    }
}
