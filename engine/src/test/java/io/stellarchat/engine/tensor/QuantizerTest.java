package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QuantizerTest {

    /**
     * Relative RMS error bounds for N(0, 1) data. Uniform rounding error has RMS step / sqrt(12); with the step
     * set by the block's extreme value (about 2.5 sigma for 32 values) a b-bit symmetric code gives roughly
     * 5 / 2^b / 3.46: 8 bits 0.006, 6 bits 0.02, 5 bits 0.05, 4 bits 0.09, 3 bits 0.18, 2 bits 0.36.
     * The bounds leave about 30% over those estimates (the K-quants also round their sub-block scales).
     */
    static final Map<GgmlType, Double> BOUND = new EnumMap<>(Map.ofEntries(
            Map.entry(GgmlType.F32, 0.0), Map.entry(GgmlType.F16, 5e-4), Map.entry(GgmlType.BF16, 4e-3),
            Map.entry(GgmlType.Q8_0, 0.008), Map.entry(GgmlType.Q6_K, 0.026),
            Map.entry(GgmlType.Q5_0, 0.06), Map.entry(GgmlType.Q5_1, 0.06), Map.entry(GgmlType.Q5_K, 0.06),
            Map.entry(GgmlType.Q4_0, 0.12), Map.entry(GgmlType.Q4_1, 0.12), Map.entry(GgmlType.Q4_K, 0.12),
            Map.entry(GgmlType.Q3_K, 0.21), Map.entry(GgmlType.Q2_K, 0.42)));

    static float[] roundTrip(GgmlType type, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(Quantizer.rowBytes(type, x.length) + 5);
            Quantizer.quantizeRow(type, x, 0, x.length, seg, 5);
            Tensor t = new Tensor("q", type, new long[] {x.length}, seg.asSlice(5));
            float[] out = new float[x.length];
            Kernels.scalar().dequantizeRow(t, 0, out, 0);
            return out;
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K",
            "Q5_K", "Q6_K"})
    void quantizeThenDequantizeStaysWithinTheTypesError(GgmlType type) {
        float[] x = RandomTensors.gaussian(4096, 1.0, 42 + type.id());
        float[] y = roundTrip(type, x);
        double err2 = 0;
        double ref2 = 0;
        for (int i = 0; i < x.length; i++) {
            assertTrue(Float.isFinite(y[i]), "element " + i);
            err2 += (double) (y[i] - x[i]) * (y[i] - x[i]);
            ref2 += (double) x[i] * x[i];
        }
        double rel = Math.sqrt(err2 / ref2);
        assertTrue(rel <= BOUND.get(type), type + " relative RMS error " + rel);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void zerosStayZero(GgmlType type) {
        float[] y = roundTrip(type, new float[256]);
        for (float v : y) {
            assertEquals(0f, v, 0f);
        }
    }

    @Test
    void q8_0ErrorIsAtMostHalfAStepOfTheStoredScale() {
        float[] x = RandomTensors.gaussian(32, 3.0, 5);
        float amax = 0;
        for (float v : x) {
            amax = Math.max(amax, Math.abs(v));
        }
        float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
        float[] y = roundTrip(GgmlType.Q8_0, x);
        for (int i = 0; i < 32; i++) {
            assertTrue(Math.abs(y[i] - x[i]) <= 0.5f * d * 1.0001f, "element " + i);
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        // bf16 keeps 7 mantissa bits: spacing 2^-7 at 1.0.
        assertEquals(1f, roundTrip(GgmlType.BF16, new float[] {1f + 0x1p-8f})[0]);                 // tie -> even
        assertEquals(1f + 0x1p-6f, roundTrip(GgmlType.BF16, new float[] {1f + 3 * 0x1p-8f})[0]); // tie -> even
        assertEquals(1f + 0x1p-7f, roundTrip(GgmlType.BF16, new float[] {1f + 0x1p-8f + 0x1p-20f})[0]);
        assertTrue(Float.isNaN(roundTrip(GgmlType.BF16, new float[] {Float.NaN})[0]));
    }

    @Test
    void rowBytesFollowTheBlockLayout() {
        assertEquals(288, Quantizer.rowBytes(GgmlType.Q4_K, 512));
        assertEquals(34 * 3, Quantizer.rowBytes(GgmlType.Q8_0, 96));
        assertEquals(2 * 7, Quantizer.rowBytes(GgmlType.BF16, 7));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.rowBytes(GgmlType.Q6_K, 100));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.rowBytes(GgmlType.Q8_0, -32));
    }

    @Test
    void badArgumentsAreRejectedBeforeWriting() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(33);
            float[] x = new float[32];
            assertThrows(IllegalArgumentException.class,
                    () -> Quantizer.quantizeRow(GgmlType.Q8_0, x, 0, 32, small, 0));
            MemorySegment ok = arena.allocate(1024);
            assertThrows(IllegalArgumentException.class,
                    () -> Quantizer.quantizeRow(GgmlType.Q8_0, x, 1, 32, ok, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> Quantizer.quantizeRow(GgmlType.IQ2_XS, new float[256], 0, 256, ok, 0));
            assertThrows(IllegalArgumentException.class,
                    () -> Quantizer.quantizeRow(GgmlType.Q4_0, x, 0, 31, ok, 0));
        }
    }
}
