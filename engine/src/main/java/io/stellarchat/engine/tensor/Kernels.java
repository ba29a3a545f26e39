package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;

/**
 * The numeric kernels of the engine over quantized weight rows and float activations.
 *
 * <p>Two implementations exist: a scalar reference and a Vector API fast path. One is chosen once at
 * start-up ({@code Kernels.select()}), logged, and passed by constructor to whoever computes. The system
 * property {@code stellar.kernels=scalar} forces the scalar path.
 *
 * <p>Weights are read in place from their {@link Tensor#data()} segment, block by block; a whole tensor is
 * never dequantized. Activations are plain {@code float[]} rows.
 *
 * <p>Implementations are stateless and thread-safe: row ranges of one call may run on several threads.
 */
public interface Kernels {

    /** One line for the start-up log, e.g. {@code "vector (512-bit, 16 floats)"}. */
    String description();

    /**
     * Dot product of row {@code row} of {@code w} with {@code x[xOff .. xOff + w.cols())}.
     */
    float dot(Tensor w, int row, float[] x, int xOff);

    /**
     * Matrix × vector over a range of rows: {@code out[outOff + r] = dot(w, r, x, xOff)} for
     * {@code r} in {@code [rowStart, rowEnd)}.
     */
    void matVec(Tensor w, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd);

    /**
     * Matrix × matrix for a batch of {@code n} activation rows, over a range of weight rows.
     * {@code x} is (n, w.cols()) row-major; {@code out} is (n, w.rows()) row-major:
     * {@code out[i * w.rows() + r] = dot(w, r, x, i * w.cols())} for {@code r} in {@code [rowStart, rowEnd)}.
     * Implementations read each weight block once per tile of activation rows.
     */
    void matMul(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd);

    /** Dequantizes row {@code row} of {@code w} into {@code dst[dstOff .. dstOff + w.cols())}. */
    void dequantizeRow(Tensor w, int row, float[] dst, int dstOff);

    /** The element-wise operations (RMSNorm, softmax, SiLU, ...) on the same path (scalar or vector). */
    FloatOps ops();

    /** Whether the kernels handle tensors of {@code type}. */
    static boolean supports(GgmlType type) {
        return BlockDecoder.supports(type);
    }

    /** The name of the system property that forces the scalar path when set to {@code scalar}. */
    String PROPERTY = "stellar.kernels";

    /**
     * The kernels for this process: the Vector API ones over {@code FloatVector.SPECIES_PREFERRED}, unless the
     * system property {@value #PROPERTY} is {@code scalar} or the {@code jdk.incubator.vector} module is not
     * loaded (then the scalar ones). Call once at start-up, log {@link #description()}, pass the instance on.
     *
     * @throws IllegalArgumentException when the property has a value other than {@code scalar} or {@code vector}
     */
    static Kernels select() {
        String choice = System.getProperty(PROPERTY, "vector");
        return switch (choice) {
            case "scalar" -> scalar();
            case "vector" -> vectorAvailable() ? vector() : scalar();
            default -> throw new IllegalArgumentException(
                    "system property " + PROPERTY + " must be 'scalar' or 'vector', not '" + choice + "'");
        };
    }

    /** The scalar reference kernels. */
    static Kernels scalar() {
        return new ScalarKernels();
    }

    /**
     * The Vector API kernels over the CPU's preferred float species.
     *
     * @throws UnsupportedOperationException when the {@code jdk.incubator.vector} module is not loaded
     */
    static Kernels vector() {
        requireVector();
        return new VectorKernels(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED);
    }

    /**
     * The Vector API kernels over a float species of {@code bits} bits (64, 128, 256 or 512), for tests and
     * benchmarks; a species wider than the CPU's runs correctly but slowly.
     *
     * @throws IllegalArgumentException when {@code bits} names no vector shape
     * @throws UnsupportedOperationException when the {@code jdk.incubator.vector} module is not loaded
     */
    static Kernels vector(int bits) {
        requireVector();
        jdk.incubator.vector.VectorShape shape = switch (bits) {
            case 64 -> jdk.incubator.vector.VectorShape.S_64_BIT;
            case 128 -> jdk.incubator.vector.VectorShape.S_128_BIT;
            case 256 -> jdk.incubator.vector.VectorShape.S_256_BIT;
            case 512 -> jdk.incubator.vector.VectorShape.S_512_BIT;
            default -> throw new IllegalArgumentException("no vector shape of " + bits + " bits");
        };
        return new VectorKernels(jdk.incubator.vector.VectorSpecies.of(float.class, shape));
    }

    /** Whether the Vector API ({@code jdk.incubator.vector}) is loaded in this JVM. */
    static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    private static void requireVector() {
        if (!vectorAvailable()) {
            throw new UnsupportedOperationException(
                    "the jdk.incubator.vector module is not loaded (start the JVM with --add-modules jdk.incubator.vector)");
        }
    }
}
