package io.stellarchat.bench.kernels;

import io.stellarchat.engine.gguf.GgmlType;
import io.stellarchat.engine.tensor.Kernels;
import io.stellarchat.engine.tensor.Quantizer;
import io.stellarchat.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * A random weight matrix of one type, quantized by the engine's {@link Quantizer}, and random activations;
 * shared set-up of the kernel benchmarks. Weights are Gaussian with sigma 0.02 (the scale of real LLM weights),
 * activations Gaussian with sigma 1; the seed is fixed so every run measures the same data.
 */
final class WeightsState {
    private WeightsState() {}

    /** A (rows, cols) tensor of {@code type} in {@code arena}. */
    static Tensor weights(Arena arena, GgmlType type, int rows, int cols) {
        long rowBytes = Quantizer.rowBytes(type, cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        SplittableRandom rnd = new SplittableRandom(42);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (gaussian(rnd) * 0.02);
            }
            Quantizer.quantizeRow(type, row, 0, cols, data, r * rowBytes);
        }
        return new Tensor("bench." + type, type, new long[] {cols, rows}, data);
    }

    /** {@code n} Gaussian floats. */
    static float[] activations(int n) {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) gaussian(rnd);
        }
        return x;
    }

    /** {@code scalar} or {@code vector} (the CPU's preferred species). */
    static Kernels kernels(String name) {
        return switch (name) {
            case "scalar" -> Kernels.scalar();
            case "vector" -> Kernels.vector();
            default -> throw new IllegalArgumentException("kernels must be 'scalar' or 'vector', not '" + name + "'");
        };
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = 1 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
