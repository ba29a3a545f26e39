package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Activation quantization (Q8_0, Q8_K) and the integer dot kernels: hand-computed blocks, scalar twin vs vector
 * path, and a float64 dot of the dequantized operands.
 *
 * <p>Tolerance of a dot: the block sums are exact integers, so only the float scaling and summation round: within
 * (blocks + 2) * 2^-24 * sum|w_i x_i| of the exact sum; we allow four times the element-count form of that bound,
 * (cols + 2) * 2^-22 * sum|w_i x_i| (a K-quant weight d * sc * q - dmin * m is itself rounded once by the
 * decoder we compare against). A wrong nibble, bit or scale moves the result by a sizeable fraction of the sum.
 */
class IntKernelTest {

    static final List<GgmlType> INT_TYPES = List.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K);

    static Stream<Arguments> intTypesAndSpecies() {
        List<Arguments> args = new ArrayList<>();
        for (GgmlType t : INT_TYPES) {
            for (int bits : new int[] {128, 256, 512}) {
                args.add(Arguments.of(t, bits));
            }
        }
        return args.stream();
    }

    @Test
    void q8_0BlockMatchesHandComputedValues() {
        // Block 0: amax 127 gives d = 1 (exact in fp16), so q = x rounded to nearest, ties to even, clamped.
        // Block 1: all zeros gives d = 0 and q = 0. Block 2: amax 1 gives d = fp16(1/127).
        float[] x = new float[96];
        float[] b0 = {127f, -2.5f, 3.5f, 0.49f, -0.5f, 1.5f, -126.6f, 0.51f, -127f};
        System.arraycopy(b0, 0, x, 0, b0.length);
        x[64] = 1f;
        x[65] = -0.5f;
        int[] want0 = {127, -2, 4, 0, 0, 2, -127, 1, -127};
        for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.vector(256), Kernels.vector(512)}) {
            QuantizedRows q = k.quantize(QuantizedRows.Format.Q8_0, x, 1, 96);
            assertEquals(1f, q.scale(0, 0), k.description());
            for (int j = 0; j < want0.length; j++) {
                assertEquals(want0[j], q.value(0, j), k.description() + " value " + j);
            }
            assertEquals(0, q.value(0, 20));
            assertEquals(0f, q.scale(0, 1));
            for (int j = 32; j < 64; j++) {
                assertEquals(0, q.value(0, j));
            }
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(1f / 127f)), q.scale(0, 2));
            assertEquals(127, q.value(0, 64));
            // -0.5 * 127 = -63.5: ties to even gives -64 (the quotient uses the unrounded 1 / d = 127).
            assertEquals(-64, q.value(0, 65));
        }
    }

    @Test
    void q8_KBlockCarriesFloatScaleAndGroupSums() {
        float[] x = new float[256];
        x[0] = 254f;  // amax 254: d = 2, 1/d = 0.5
        x[1] = 5f;    // 2.5 -> 2 (ties to even)
        x[2] = -7f;   // -3.5 -> -4
        x[17] = 3f;   // 1.5 -> 2, group 1
        x[255] = -1f; // -0.5 -> 0
        for (Kernels k : new Kernels[] {Kernels.scalar(), Kernels.vector(256)}) {
            QuantizedRows q = k.quantize(QuantizedRows.Format.Q8_K, x, 1, 256);
            assertEquals(2f, q.scale(0, 0));
            assertEquals(127, q.value(0, 0));
            assertEquals(2, q.value(0, 1));
            assertEquals(-4, q.value(0, 2));
            assertEquals(2, q.value(0, 17));
            assertEquals(0, q.value(0, 255));
            assertEquals(127 + 2 - 4, q.groupSum(0, 0));
            assertEquals(2, q.groupSum(0, 1));
            assertEquals(0, q.groupSum(0, 15));
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(QuantizedRows.Format.class)
    void vectorQuantizationIsBitIdenticalToScalar(QuantizedRows.Format format) {
        int cols = 1024;
        int n = 3;
        float[] x = RandomTensors.gaussian(n * cols, 1.0, 11);
        x[5] = 0f;
        java.util.Arrays.fill(x, 256, 512, 0f); // an all-zero block (and, for Q8_K, super-block)
        QuantizedRows a = Kernels.scalar().quantize(format, x, n, cols);
        for (int bits : new int[] {128, 256, 512}) {
            QuantizedRows b = Kernels.vector(bits).quantize(format, x, n, cols);
            assertArrayEquals(a.q, b.q, bits + "-bit values");
            assertArrayEquals(a.d, b.d, bits + "-bit scales");
            assertArrayEquals(a.sums, b.sums, bits + "-bit sums");
        }
        // Dequantized, every value is within half a step of the input.
        for (int i = 0; i < n * cols; i++) {
            int r = i / cols;
            int c = i % cols;
            float step = a.scale(r, c / format.blockSize());
            double slack = format == QuantizedRows.Format.Q8_0 ? step * 0.51 + Math.abs(x[i]) * 1e-3 : step * 0.5001;
            assertEquals(x[i], a.dequantized(r, c), slack, "value " + i);
        }
    }

    static double exactDot(Tensor w, int row, QuantizedRows x, int xRow) {
        float[] deq = new float[w.cols()];
        Kernels.scalar().dequantizeRow(w, row, deq, 0);
        double s = 0;
        for (int i = 0; i < deq.length; i++) {
            s += (double) deq[i] * x.dequantized(xRow, i);
        }
        return s;
    }

    static double tolerance(Tensor w, int row, QuantizedRows x, int xRow) {
        float[] deq = new float[w.cols()];
        Kernels.scalar().dequantizeRow(w, row, deq, 0);
        double abs = 0;
        for (int i = 0; i < deq.length; i++) {
            abs += Math.abs((double) deq[i] * x.dequantized(xRow, i));
        }
        return (w.cols() + 2) * Math.pow(2, -22) * abs + 1e-30;
    }

    @ParameterizedTest(name = "{0} at {1} bits")
    @MethodSource("intTypesAndSpecies")
    void integerDotAgreesWithFloat64DotOfDequantizedOperands(GgmlType type, int bits) {
        QuantizedRows.Format format = ActivationPrecision.Q8.formatFor(type);
        try (Arena arena = Arena.ofConfined()) {
            int cols = 1024;
            int rows = 5;
            Tensor w = RandomTensors.random(arena, type, rows, cols, 5000 + type.id());
            float[] x = RandomTensors.gaussian(2 * cols, 1.0, 12);
            Kernels scalar = Kernels.scalar();
            Kernels vector = Kernels.vector(bits);
            QuantizedRows q = scalar.quantize(format, x, 2, cols);
            for (int i = 0; i < 2; i++) {
                for (int r = 0; r < rows; r++) {
                    double ref = exactDot(w, r, q, i);
                    double tol = tolerance(w, r, q, i);
                    assertEquals(ref, scalar.dot(w, r, q, i), tol, "scalar " + type + " row " + r);
                    assertEquals(ref, vector.dot(w, r, q, i), tol, "vector " + type + " " + bits + "-bit row " + r);
                }
            }
        }
    }

    @Test
    void integerKernelsRefuseMismatchedOperands() {
        Kernels k = Kernels.vector(256);
        try (Arena arena = Arena.ofConfined()) {
            Tensor q4 = RandomTensors.random(arena, GgmlType.Q4_0, 2, 256, 1);
            Tensor f16 = RandomTensors.random(arena, GgmlType.F16, 2, 256, 1);
            QuantizedRows q8k = k.quantize(QuantizedRows.Format.Q8_K, new float[256], 1, 256);
            QuantizedRows q80 = k.quantize(QuantizedRows.Format.Q8_0, new float[512], 1, 512);
            QuantizedRows ok = k.quantize(QuantizedRows.Format.Q8_0, new float[512], 2, 256);
            assertThrows(UnsupportedOperationException.class, () -> k.dot(q4, 0, q8k, 0));
            assertThrows(UnsupportedOperationException.class, () -> k.dot(f16, 0, ok, 0));
            assertThrows(IllegalArgumentException.class, () -> k.dot(q4, 0, q80, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> k.dot(q4, 0, ok, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> k.matVec(q4, ok, 0, new float[2], 0, 0, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> k.matMul(q4, ok, new float[3], 0, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> k.quantize(QuantizedRows.Format.Q8_K, new float[512], 1, 100));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> k.quantize(QuantizedRows.Format.Q8_0, new float[31], 1, 32));
            assertNull(ActivationPrecision.Q8.formatFor(GgmlType.F16));
            assertNull(ActivationPrecision.F32.formatFor(GgmlType.Q4_0));
        }
    }

    @Test
    void activationPrecisionComesFromItsProperty() {
        String old = System.getProperty(ActivationPrecision.PROPERTY);
        try {
            System.setProperty(ActivationPrecision.PROPERTY, "f32");
            assertEquals(ActivationPrecision.F32, Kernels.select().activations());
            System.setProperty(ActivationPrecision.PROPERTY, "q8");
            assertEquals(ActivationPrecision.Q8, Kernels.select().activations());
            System.setProperty(ActivationPrecision.PROPERTY, "int4");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Kernels::select);
            assertTrue(e.getMessage().contains(ActivationPrecision.PROPERTY));
        } finally {
            if (old == null) {
                System.clearProperty(ActivationPrecision.PROPERTY);
            } else {
                System.setProperty(ActivationPrecision.PROPERTY, old);
            }
        }
        assertEquals(ActivationPrecision.F32, Kernels.vector(256).withActivations(ActivationPrecision.F32).activations());
    }
}
