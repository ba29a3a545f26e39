package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Batch invariance, needed by continuous batching: row i of {@code matMul} over a batch of n activation rows is
 * bit-identical ({@code ==} on the float bits) to {@code matVec} of activation row i alone, for every type, for
 * the scalar and the vector kernels (forced 128/256/512-bit species), on the float path and on the integer path,
 * for n in {1, 2, 3, 5, 8} (below, at, and between tiles of activation rows).
 */
class BatchInvarianceTest {
    static final int ROWS = 7;
    static final int[] BATCHES = {1, 2, 3, 5, 8, 13}; // 13: an 8-row tile, a 4-row tile and a lone row

    static Stream<Arguments> typesAndKernels() {
        List<Arguments> args = new ArrayList<>();
        for (GgmlType t : RandomTensors.TYPES) {
            args.add(Arguments.of(t, "scalar"));
            for (String bits : new String[] {"128", "256", "512"}) {
                args.add(Arguments.of(t, bits));
            }
        }
        return args.stream();
    }

    static Kernels kernels(String name) {
        return name.equals("scalar") ? Kernels.scalar() : Kernels.vector(Integer.parseInt(name));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndKernels")
    void floatMatMulRowEqualsMatVecOfThatRow(GgmlType type, String which) {
        Kernels k = kernels(which);
        try (Arena arena = Arena.ofConfined()) {
            int cols = RandomTensors.cols(type);
            Tensor w = RandomTensors.random(arena, type, ROWS, cols, 6000 + type.id());
            for (int n : BATCHES) {
                float[] x = RandomTensors.gaussian(n * cols, 1.0, 100 + n);
                float[] out = new float[n * ROWS];
                k.matMul(w, x, n, out, 0, ROWS);
                for (int i = 0; i < n; i++) {
                    float[] alone = new float[ROWS];
                    k.matVec(w, java.util.Arrays.copyOfRange(x, i * cols, (i + 1) * cols), 0, alone, 0, 0, ROWS);
                    for (int r = 0; r < ROWS; r++) {
                        assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(out[i * ROWS + r]),
                                k.description() + " " + type + " n=" + n + " batch row " + i + " weight row " + r);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndKernels")
    void integerMatMulRowEqualsMatVecOfThatRow(GgmlType type, String which) {
        QuantizedRows.Format format = ActivationPrecision.Q8.formatFor(type);
        if (format == null) {
            return; // float path only; covered above
        }
        Kernels k = kernels(which);
        try (Arena arena = Arena.ofConfined()) {
            int cols = 512;
            Tensor w = RandomTensors.random(arena, type, ROWS, cols, 7000 + type.id());
            for (int n : BATCHES) {
                float[] x = RandomTensors.gaussian(n * cols, 1.0, 200 + n);
                QuantizedRows batch = k.quantize(format, x, n, cols);
                float[] out = new float[n * ROWS];
                k.matMul(w, batch, out, 0, ROWS);
                for (int i = 0; i < n; i++) {
                    QuantizedRows one = k.quantize(format, java.util.Arrays.copyOfRange(x, i * cols, (i + 1) * cols),
                            1, cols);
                    float[] alone = new float[ROWS];
                    k.matVec(w, one, 0, alone, 0, 0, ROWS);
                    for (int r = 0; r < ROWS; r++) {
                        assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(out[i * ROWS + r]),
                                k.description() + " " + type + " n=" + n + " batch row " + i + " weight row " + r);
                    }
                }
            }
        }
    }

    /**
     * The prompt form ({@code matMulPrompt}): row i of a batch of n is bit-identical to the same activation row as
     * a batch of one, for n below, at and between tiles, and with more rows than one L2 block holds (the block
     * boundary must not change a row's arithmetic); and it agrees with a float64 dot of the dequantized row.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndKernels")
    void promptMatMulRowIsIndependentOfTheBatch(GgmlType type, String which) {
        Kernels k = kernels(which);
        try (Arena arena = Arena.ofConfined()) {
            int cols = RandomTensors.cols(type);
            Tensor w = RandomTensors.random(arena, type, ROWS, cols, 8000 + type.id());
            float[] deq = new float[cols];
            int[] batches = {1, 2, 3, 5, 8, 256 * 1024 / (4 * cols) + 5};
            for (int n : batches) {
                float[] x = RandomTensors.gaussian(n * cols, 1.0, 300 + n);
                float[] out = new float[n * ROWS];
                k.matMulPrompt(w, x, n, out, 0, ROWS);
                for (int i = 0; i < n; i++) {
                    float[] alone = new float[ROWS];
                    k.matMulPrompt(w, java.util.Arrays.copyOfRange(x, i * cols, (i + 1) * cols), 1, alone, 0, ROWS);
                    for (int r = 0; r < ROWS; r++) {
                        assertEquals(Float.floatToRawIntBits(alone[r]), Float.floatToRawIntBits(out[i * ROWS + r]),
                                k.description() + " " + type + " n=" + n + " batch row " + i + " weight row " + r);
                        k.dequantizeRow(w, r, deq, 0);
                        double exact = 0;
                        double scale = 0;
                        for (int c = 0; c < cols; c++) {
                            exact += (double) deq[c] * x[i * cols + c];
                            scale += Math.abs((double) deq[c] * x[i * cols + c]);
                        }
                        assertEquals(exact, out[i * ROWS + r], 1e-5 * scale + 1e-6,
                                k.description() + " " + type + " n=" + n + " row " + i + " against float64");
                    }
                }
            }
        }
    }
}
