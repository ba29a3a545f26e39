package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;

/** Builders of tensors filled with random, valid blocks, for the kernel tests. */
final class RandomTensors {
    private RandomTensors() {}

    /** Every type the kernels support. */
    static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    /** Byte offsets of the f16 scale fields inside one block of each quantized type. */
    static int[] f16Fields(GgmlType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> new int[0];
        };
    }

    /** A random f16 of magnitude in [2^-10, 2^-3] with a random sign (a sane block scale). */
    static short saneF16(SplittableRandom rnd) {
        float mag = (float) Math.pow(2, -10 + 7 * rnd.nextDouble());
        return Float.floatToFloat16(rnd.nextBoolean() ? mag : -mag);
    }

    /**
     * A (rows, cols) tensor of {@code type} in {@code arena}: random quant bytes, random sane f16 scales, and for
     * plain types random values in [-1, 1).
     */
    static Tensor random(Arena arena, GgmlType type, int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long bytes = type.byteSize((long) rows * cols);
        MemorySegment data = arena.allocate(bytes, 64);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < bytes / 4; i++) {
                    data.set(BlockDecoder.LEF32, 4 * i, (float) (2 * rnd.nextDouble() - 1));
                }
            }
            case F16 -> {
                for (long i = 0; i < bytes / 2; i++) {
                    data.set(BlockDecoder.LE16, 2 * i, Float.floatToFloat16((float) (2 * rnd.nextDouble() - 1)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < bytes / 2; i++) {
                    data.set(BlockDecoder.LE16, 2 * i, Quantizer.toBf16((float) (2 * rnd.nextDouble() - 1)));
                }
            }
            default -> {
                for (long i = 0; i < bytes; i++) {
                    data.set(BlockDecoder.I8, i, (byte) rnd.nextInt(256));
                }
                for (long b = 0; b < bytes / type.typeSize(); b++) {
                    for (int f : f16Fields(type)) {
                        data.set(BlockDecoder.LE16, b * type.typeSize() + f, saneF16(rnd));
                    }
                }
            }
        }
        return new Tensor("test." + type, type, new long[] {cols, rows}, data);
    }

    static float[] randomFloats(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (2 * rnd.nextDouble() - 1);
        }
        return x;
    }

    static float[] gaussian(int n, double sigma, long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * sigma);
        }
        return x;
    }

    /** Row length that suits the type: whole K-quant super-blocks, and a tail past the vector width for floats. */
    static int cols(GgmlType type) {
        return type.isQuantized() ? 512 : 519;
    }
}
