package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The native kernels (module engine-native) against their Java twins. Skipped, not failed, where the libraries
 * were not built (no C compiler) or the CPU has no level they target: the engine then runs the Java kernels.
 *
 * <p>Exactness: the native and Java kernels sum each block's int8 products exactly in integers and differ only
 * in the float accumulation order. With power-of-two scales and small values every float step is exact too, so
 * there the results must be equal bit for bit to the scalar and vector Java kernels; with random data they must
 * agree within the integer kernels' float tolerance ({@link IntKernelTest}). The two native levels compute the
 * same int32 lanes (maddubs+madd and dpbusd both sum four neighbouring products) and the same float operations,
 * so they agree bit for bit on any data.
 */
class NativeKernelsTest {

    static final List<GgmlType> TYPES = List.of(GgmlType.Q8_0, GgmlType.Q4_0);

    static Optional<NativeKernelLibrary> library(String level) {
        String dir = System.getProperty(NativeKernelLibrary.PATH_PROPERTY, "");
        Set<String> flags = NativeKernelLibrary.cpuFlags();
        if (dir.isEmpty() || !NativeKernelLibrary.levels(flags).contains(level)) {
            return Optional.empty();
        }
        Set<String> only = level.equals("avx2") ? Set.of("avx2", "fma", "f16c") : flags;
        return NativeKernelLibrary.load(Path.of(dir), only).filter(l -> l.level().equals(level));
    }

    static Kernels nativeKernels(String level) {
        Optional<NativeKernelLibrary> lib = library(level);
        assumeTrue(lib.isPresent(), "no native " + level + " library for this machine (engine-native not built?)");
        return new NativeKernels(Kernels.vector(), lib.get());
    }

    /** Weights of {@code type} with power-of-two scales (2^-3 or 2^-4) and random quants. */
    static Tensor exactWeights(Arena arena, GgmlType type, int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long bytes = type.byteSize((long) rows * cols);
        MemorySegment data = arena.allocate(bytes, 64);
        for (long i = 0; i < bytes; i++) {
            data.set(BlockDecoder.I8, i, (byte) rnd.nextInt(256));
        }
        for (long b = 0; b < bytes / type.typeSize(); b++) {
            float d = rnd.nextBoolean() ? 0.125f : -0.0625f;
            data.set(BlockDecoder.LE16, b * type.typeSize(), Float.floatToFloat16(d));
        }
        return new Tensor("exact." + type, type, new long[] {cols, rows}, data);
    }

    /** Q8_0 activations with values in [-7, 7] and power-of-two scales (2^-6 or 2^-7), bytes packed. */
    static QuantizedRows exactActivations(int n, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        QuantizedRows x = new QuantizedRows(QuantizedRows.Format.Q8_0, n, cols);
        for (int i = 0; i < x.q.length; i++) {
            x.q[i] = (short) (rnd.nextInt(15) - 7);
        }
        for (int i = 0; i < x.d.length; i++) {
            x.d[i] = rnd.nextBoolean() ? 0x1p-6f : 0x1p-7f;
        }
        x.packInt8();
        return x;
    }

    @Test
    void levelsFollowTheCpuFlags() {
        assertEquals(List.of(), NativeKernelLibrary.levels(Set.of("sse4_2", "avx")));
        assertEquals(List.of("avx2"), NativeKernelLibrary.levels(Set.of("avx2", "fma", "f16c", "avx512f")));
        assertEquals(List.of("avx512vnni", "avx2"), NativeKernelLibrary.levels(
                Set.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni")));
    }

    @Test
    void aDirectoryWithoutLibrariesMeansJavaKernels(@org.junit.jupiter.api.io.TempDir Path empty) {
        assertTrue(NativeKernelLibrary.load(empty, Set.of("avx2", "fma", "f16c")).isEmpty());
        assertTrue(NativeKernelLibrary.load(empty, Set.of()).isEmpty());
    }

    @Test
    void thePropertyOffSwitchesNativeKernelsOff() {
        String before = System.getProperty(Kernels.NATIVE_PROPERTY);
        try {
            System.setProperty(Kernels.NATIVE_PROPERTY, "off");
            assertTrue(Kernels.withNative(Kernels.vector()).isEmpty());
            assertTrue(Kernels.select().kernelSet().startsWith("java"), Kernels.select().kernelSet());
        } finally {
            if (before == null) {
                System.clearProperty(Kernels.NATIVE_PROPERTY);
            } else {
                System.setProperty(Kernels.NATIVE_PROPERTY, before);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void exactDataGivesTheJavaKernelsBitsAtEveryLevel(GgmlType type) {
        for (String level : List.of("avx2", "avx512vnni")) {
            if (library(level).isEmpty()) {
                continue;
            }
            Kernels nat = nativeKernels(level);
            try (Arena arena = Arena.ofConfined()) {
                int rows = 37;
                int cols = 1024 + 32; // an odd block count: the kernels' tail block
                Tensor w = exactWeights(arena, type, rows, cols, 11 + type.id());
                QuantizedRows x = exactActivations(3, cols, 7);
                for (Kernels java : List.of(Kernels.scalar(), Kernels.vector())) {
                    for (int i = 0; i < x.rows(); i++) {
                        float[] want = new float[rows];
                        float[] got = new float[rows];
                        java.matVec(w, x, i, want, 0, 0, rows);
                        nat.matVec(w, x, i, got, 0, 0, rows);
                        assertArrayEquals(want, got, level + " " + type + " against " + java.kernelSet() + ", row " + i);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void randomDataAgreesWithTheScalarTwinWithinTheIntegerKernelTolerance(GgmlType type) {
        Kernels nat = nativeKernels(best());
        Kernels scalar = Kernels.scalar();
        try (Arena arena = Arena.ofConfined()) {
            int rows = 9;
            int cols = 2048;
            Tensor w = RandomTensors.random(arena, type, rows, cols, 300 + type.id());
            float[] xf = RandomTensors.gaussian(2 * cols, 1.0, 5);
            QuantizedRows x = nat.quantize(QuantizedRows.Format.Q8_0, xf, 2, cols);
            for (int i = 0; i < 2; i++) {
                for (int r = 0; r < rows; r++) {
                    double abs = 0;
                    float[] deq = new float[cols];
                    scalar.dequantizeRow(w, r, deq, 0);
                    for (int c = 0; c < cols; c++) {
                        abs += Math.abs((double) deq[c] * x.dequantized(i, c));
                    }
                    double tol = (cols + 2) * Math.pow(2, -22) * abs + 1e-30;
                    assertEquals(scalar.dot(w, r, x, i), nat.dot(w, r, x, i), tol, type + " row " + r + " x " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q6_K"})
    void batchedRowsEqualTheRowAloneBitForBit(GgmlType type) {
        Kernels nat = nativeKernels(best());
        try (Arena arena = Arena.ofConfined()) {
            int rows = 45;
            int cols = type == GgmlType.Q6_K ? 768 : 512 + 32;
            Tensor w = RandomTensors.random(arena, type, rows, cols, 40 + type.id());
            for (int n : new int[] {1, 3, 4, 8, 13, 70}) { // tiles of 8, 4 and 1; more than one group of 64
                float[] xf = RandomTensors.gaussian(n * cols, 1.0, n);
                QuantizedRows x = nat.quantize(ActivationPrecision.Q8.formatFor(type), xf, n, cols);
                float[] batch = new float[n * rows];
                nat.matMul(w, x, batch, 0, 19);   // two chunks, as two pool threads would run them
                nat.matMul(w, x, batch, 19, rows);
                for (int i = 0; i < n; i++) {
                    float[] alone = new float[rows + 5];
                    nat.matVec(w, x, i, alone, 5, 0, rows);
                    for (int r = 0; r < rows; r++) {
                        assertEquals(Float.floatToRawIntBits(alone[5 + r]), Float.floatToRawIntBits(batch[i * rows + r]),
                                type + " n=" + n + " row " + i + " weight row " + r);
                        assertEquals(Float.floatToRawIntBits(alone[5 + r]), Float.floatToRawIntBits(nat.dot(w, r, x, i)));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q6_K"})
    void bothLevelsGiveTheSameBits(GgmlType type) {
        assumeTrue(library("avx512vnni").isPresent() && library("avx2").isPresent(), "needs both levels");
        Kernels a = nativeKernels("avx2");
        Kernels b = nativeKernels("avx512vnni");
        try (Arena arena = Arena.ofConfined()) {
            int rows = 33;
            int cols = type == GgmlType.Q6_K ? 1280 : 1024 + 32; // odd block count: the tail block
            Tensor w = RandomTensors.random(arena, type, rows, cols, 90 + type.id());
            QuantizedRows x = a.quantize(ActivationPrecision.Q8.formatFor(type), RandomTensors.gaussian(9 * cols, 1.0, 9), 9, cols);
            float[] oa = new float[9 * rows];
            float[] ob = new float[9 * rows];
            a.matMul(w, x, oa, 0, rows);
            b.matMul(w, x, ob, 0, rows);
            assertArrayEquals(oa, ob);
        }
    }

    @Test
    void otherTypesAndFloatActivationsStayOnTheJavaKernels() {
        Kernels nat = nativeKernels(best());
        assertFalse(nat.integerPrompt(GgmlType.Q5_K));
        assertTrue(nat.integerPrompt(GgmlType.Q4_0));
        assertTrue(nat.integerPrompt(GgmlType.Q4_K));
        assertFalse(nat.withActivations(ActivationPrecision.F32).integerPrompt(GgmlType.Q4_0));
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = RandomTensors.random(arena, GgmlType.Q5_K, 4, 256, 3); // no integer kernel: float path
            float[] x = RandomTensors.gaussian(256, 1.0, 3);
            float[] want = new float[4];
            float[] got = new float[4];
            Kernels.vector().matVec(w, x, 0, want, 0, 0, 4);
            nat.matVec(w, x, 0, got, 0, 0, 4);
            assertArrayEquals(want, got);
        }
    }

    /** The K-quants take the scalar twin's float order: equal to it bit for bit, at both levels, for any batch. */
    @ParameterizedTest
    @EnumSource(names = {"Q4_K", "Q6_K"})
    void kQuantsEqualTheScalarTwinBitForBitAtEveryLevelAndBatch(GgmlType type) {
        for (String level : List.of("avx2", "avx512vnni")) {
            if (library(level).isEmpty()) {
                continue;
            }
            Kernels nat = nativeKernels(level);
            Kernels scalar = Kernels.scalar();
            try (Arena arena = Arena.ofConfined()) {
                int rows = 21;
                int cols = type == GgmlType.Q6_K ? 2048 : 1280; // eight and five super-blocks
                Tensor w = RandomTensors.random(arena, type, rows, cols, 60 + type.id());
                for (int n : new int[] {1, 3, 4, 5, 8, 13}) { // tiles of 8, 4 and 1
                    QuantizedRows x = nat.quantize(QuantizedRows.Format.Q8_K, RandomTensors.gaussian(n * cols, 1.0, n), n, cols);
                    float[] want = new float[n * rows];
                    float[] got = new float[n * rows];
                    scalar.matMul(w, x, want, 0, rows);
                    nat.matMul(w, x, got, 0, 7);
                    nat.matMul(w, x, got, 7, rows);
                    assertArrayEquals(want, got, level + " " + type + " n=" + n);
                    float[] alone = new float[rows];
                    nat.matVec(w, x, n - 1, alone, 0, 0, rows);
                    assertArrayEquals(java.util.Arrays.copyOfRange(want, (n - 1) * rows, n * rows), alone,
                            level + " " + type + " n=" + n);
                }
            }
        }
    }

    @Test
    void f16DecodeRowsGiveTheSameBitsAloneBatchedAndAtBothLevelsAndAgreeWithTheJavaKernels() {
        Kernels nat = nativeKernels(best());
        try (Arena arena = Arena.ofConfined()) {
            int rows = 37;
            int cols = 1000; // chunks of 16, one of 8 and a scalar tail of 0 (1000 = 62 * 16 + 8)
            for (int c : new int[] {cols, 1003}) {
                Tensor w = RandomTensors.random(arena, GgmlType.F16, rows, c, 77 + c);
                for (int n : new int[] {1, 3, 4, 9}) {
                    float[] x = RandomTensors.gaussian(n * c, 1.0, 5 + n);
                    float[] batch = new float[n * rows];
                    nat.matMul(w, x, n, batch, 0, 16);
                    nat.matMul(w, x, n, batch, 16, rows);
                    for (int i = 0; i < n; i++) {
                        float[] alone = new float[rows];
                        nat.matVec(w, x, i * c, alone, 0, 0, rows);
                        for (int r = 0; r < rows; r++) {
                            assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(batch[i * rows + r]),
                                    "cols " + c + " n=" + n + " row " + i + " weight row " + r);
                            assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(nat.dot(w, r, x, i * c)));
                            double abs = 0;
                            float[] deq = new float[c];
                            Kernels.scalar().dequantizeRow(w, r, deq, 0);
                            for (int k = 0; k < c; k++) {
                                abs += Math.abs((double) deq[k] * x[i * c + k]);
                            }
                            assertEquals(Kernels.scalar().dot(w, r, x, i * c), alone[r], (c + 2) * Math.pow(2, -23) * abs + 1e-30);
                        }
                    }
                }
                if (library("avx2").isPresent() && library("avx512vnni").isPresent()) {
                    float[] x = RandomTensors.gaussian(3 * c, 1.0, 1);
                    float[] a = new float[3 * rows];
                    float[] b = new float[3 * rows];
                    nativeKernels("avx2").matMul(w, x, 3, a, 0, rows);
                    nativeKernels("avx512vnni").matMul(w, x, 3, b, 0, rows);
                    assertArrayEquals(a, b);
                }
            }
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> nat.matVec(RandomTensors.random(arena, GgmlType.F16, 4, 64, 1), new float[63], 0, new float[4], 0, 0, 4));
        }
    }

    @Test
    void badIndicesThrowBeforeAnyNativeCall() {
        Kernels nat = nativeKernels(best());
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = RandomTensors.random(arena, GgmlType.Q8_0, 4, 64, 1);
            QuantizedRows x = nat.quantize(QuantizedRows.Format.Q8_0, new float[128], 2, 64);
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> nat.matMul(w, x, new float[7], 0, 4));
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> nat.matVec(w, x, 2, new float[4], 0, 0, 4));
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> nat.matVec(w, x, 0, new float[4], 1, 0, 4));
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> nat.matMul(w, x, new float[8], 0, 5));
            Tensor shortData = new Tensor("short", GgmlType.Q8_0, new long[] {64, 4}, w.data().asSlice(0, 100));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> nat.matMul(shortData, x, new float[8], 0, 4));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void interleavedWeightsEqualTheScalarTwinBitForBitAtEveryLevelAndBatch(GgmlType type) {
        for (String level : List.of("avx2", "avx512vnni")) {
            if (library(level).isEmpty()) {
                continue;
            }
            Kernels nat = nativeKernels(level);
            Kernels scalar = Kernels.scalar();
            try (Arena arena = Arena.ofConfined()) {
                int rows = 48;
                int cols = 1024 + 32; // an odd block count
                Tensor w = RandomTensors.random(arena, type, rows, cols, 500 + type.id());
                Tensor x16 = nat.prepareWeights(w, arena);
                assertEquals(Tensor.Layout.INTERLEAVED_16, x16.layout(), level);
                for (int n : new int[] {1, 2, 3, 5, 8, 9, 17}) { // tiles of 8, 4, 2, 1 (AVX2: 4, 2, 1)
                    QuantizedRows x = nat.quantize(QuantizedRows.Format.Q8_0,
                            RandomTensors.gaussian(n * cols, 1.0, 70 + n), n, cols);
                    float[] want = new float[n * rows];
                    scalar.matMul(w, x, want, 0, rows);
                    float[] got = new float[n * rows];
                    // ranges that cut groups of 16 rows, as pool chunks may
                    nat.matMul(x16, x, got, 0, 5);
                    nat.matMul(x16, x, got, 5, 37);
                    nat.matMul(x16, x, got, 37, rows);
                    assertArrayEquals(want, got, level + " " + type + " n=" + n);
                    for (int i = 0; i < n; i++) {
                        float[] alone = new float[rows + 3];
                        nat.matVec(x16, x, i, alone, 3, 0, rows);
                        for (int r = 0; r < rows; r++) {
                            assertEquals(Float.floatToRawIntBits(want[i * rows + r]), Float.floatToRawIntBits(alone[3 + r]),
                                    level + " " + type + " n=" + n + " row " + i + " weight row " + r);
                        }
                        assertEquals(Float.floatToRawIntBits(want[i * rows + 17]), Float.floatToRawIntBits(nat.dot(x16, 17, x, i)));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0"})
    void interleavedRowsDecodeToTheFileOrdersFloats(GgmlType type) {
        Kernels nat = nativeKernels(best());
        try (Arena arena = Arena.ofConfined()) {
            int rows = 32;
            int cols = 96;
            Tensor w = RandomTensors.random(arena, type, rows, cols, 8 + type.id());
            Tensor x16 = nat.prepareWeights(w, arena);
            float[] xf = RandomTensors.gaussian(2 * cols, 1.0, 4);
            for (int r = 0; r < rows; r++) {
                float[] want = new float[cols];
                float[] got = new float[cols + 1];
                Kernels.scalar().dequantizeRow(w, r, want, 0);
                nat.dequantizeRow(x16, r, got, 1);
                assertArrayEquals(want, java.util.Arrays.copyOfRange(got, 1, cols + 1), type + " row " + r);
                // float activations (not the hot path) read the same weights
                float f = nat.dot(x16, r, xf, cols);
                assertEquals(Kernels.scalar().dot(w, r, xf, cols), f, 1e-4f * (1 + Math.abs(f)), type + " float row " + r);
            }
            float[] mm = new float[2 * rows];
            nat.matMulPrompt(x16, xf, 2, mm, 0, rows);
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.floatToRawIntBits(nat.dot(x16, r, xf, cols)), Float.floatToRawIntBits(mm[rows + r]));
            }
        }
    }

    @Test
    void onlyQ4_0AndQ8_0InWholeGroupsOf16RowsAreInterleavedAndTheJavaKernelsRefuseThem() {
        Kernels nat = nativeKernels(best());
        try (Arena arena = Arena.ofConfined()) {
            Tensor q6 = RandomTensors.random(arena, GgmlType.Q6_K, 16, 256, 1);
            Tensor odd = RandomTensors.random(arena, GgmlType.Q4_0, 20, 64, 2);
            Tensor q4 = RandomTensors.random(arena, GgmlType.Q4_0, 16, 64, 3);
            assertTrue(nat.prepareWeights(q6, arena) == q6);
            assertTrue(nat.prepareWeights(odd, arena) == odd);
            assertTrue(nat.withActivations(ActivationPrecision.F32).prepareWeights(q4, arena) == q4);
            assertTrue(Kernels.vector().prepareWeights(q4, arena) == q4);
            Tensor x16 = nat.prepareWeights(q4, arena);
            assertEquals(q4.data().byteSize(), x16.data().byteSize());
            String before = System.getProperty(NativeKernels.INTERLEAVE_PROPERTY);
            System.setProperty(NativeKernels.INTERLEAVE_PROPERTY, "off");
            try {
                assertTrue(nat.prepareWeights(q4, arena) == q4);
            } finally {
                if (before == null) {
                    System.clearProperty(NativeKernels.INTERLEAVE_PROPERTY);
                } else {
                    System.setProperty(NativeKernels.INTERLEAVE_PROPERTY, before);
                }
            }
            QuantizedRows x = nat.quantize(QuantizedRows.Format.Q8_0, new float[64], 1, 64);
            for (Kernels java : List.of(Kernels.scalar(), Kernels.vector())) {
                UnsupportedOperationException e = org.junit.jupiter.api.Assertions.assertThrows(
                        UnsupportedOperationException.class, () -> java.matVec(x16, x, 0, new float[16], 0, 0, 16));
                assertTrue(e.getMessage().contains("INTERLEAVED_16"), e.getMessage());
            }
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> nat.matVec(x16, x, 0, new float[16], 1, 0, 16));
            org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                    () -> nat.matMul(x16, x, new float[16], 0, 17));
        }
    }

    private static String best() {
        return library("avx512vnni").isPresent() ? "avx512vnni" : "avx2";
    }
}
