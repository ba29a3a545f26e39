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
 * <p>Implementations are thread-safe: row ranges of one call may run on several threads. Their only state is
 * a per-thread decode buffer (one row of floats).
 *
 * <p>Every method checks its arguments before reading a byte: a type without a kernel throws
 * {@link UnsupportedOperationException}, a row length that is not whole blocks or data shorter than the shape
 * throws {@link IllegalArgumentException}, and rows or array ranges out of bounds throw
 * {@link IndexOutOfBoundsException}; each message names the tensor.
 */
public interface Kernels {

    /** One line for the start-up log, e.g. {@code "vector (512-bit, 16 floats)"}. */
    String description();

    /**
     * The kernel set in one word for reports: {@code scalar}, {@code java-256}/{@code java-512} (the Vector API
     * kernels and their float species' bits) or {@code native-LEVEL} (the native library, e.g.
     * {@code native-avx512vnni}).
     */
    String kernelSet();

    /**
     * Whether prompt rows against weights of {@code type} are multiplied in integers ({@link #quantize} then
     * {@link #matMul(Tensor, QuantizedRows, float[], int, int)}) rather than by {@link #matMulPrompt}: where the
     * integer mat-mat is the faster one (the native kernels). Either way a token position stays on one form.
     */
    default boolean integerPrompt(GgmlType type) {
        return false;
    }

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
     * {@code out[i * w.rows() + r] = dot(w, r, x, i * w.cols())} for {@code r} in {@code [rowStart, rowEnd)}, bit
     * for bit equal to {@link #matVec} of activation row i alone (batch invariance: a row's logits do not depend on
     * what else is in the batch). Weight rows are outer, so a row is read from memory once for the whole batch.
     */
    void matMul(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd);

    /**
     * Matrix × matrix for prompt rows, the fast form for long batches: each weight row is decoded to floats
     * once and multiplied with the activation rows in register tiles (activation rows blocked to stay in L2).
     * {@code x}, {@code out} and the row range are as in {@link #matMul}. Row i of the result depends on
     * activation row i alone, never on n or on the row's place in the batch, but it is not bit-identical to
     * {@link #matVec} or {@link #matMul} (another accumulation order). A caller keeps a token position on one
     * form for good: the {@code Transformer} multiplies prompt tokens with this and generated tokens with
     * {@link #matVec}/{@link #matMul}, so a sequence gives the same bits alone, batched, or recomputed.
     */
    void matMulPrompt(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd);

    /**
     * The form of weight matrix {@code w} these kernels multiply fastest, made once at load: {@code w} itself
     * (the default, and for every type the kernels keep in file order), or a copy in another {@link Tensor.Layout}
     * allocated in {@code arena}, which the caller keeps open as long as the tensor is used. The copy gives the
     * same results as {@code w} through every method of these kernels (other kernel sets refuse it).
     */
    default Tensor prepareWeights(Tensor w, java.lang.foreign.Arena arena) {
        return w;
    }

    /** Dequantizes row {@code row} of {@code w} into {@code dst[dstOff .. dstOff + w.cols())}. */
    void dequantizeRow(Tensor w, int row, float[] dst, int dstOff);

    /**
     * How the model should multiply activations with weights ({@link ActivationPrecision}); the methods taking
     * {@code float[]} activations always compute in float, those taking {@link QuantizedRows} in integers.
     */
    ActivationPrecision activations();

    /** The same kernels (same path and species) with another activation precision. */
    Kernels withActivations(ActivationPrecision precision);

    /**
     * Quantizes {@code n} activation rows {@code x[0 .. n * cols)} ((n, cols) row-major) into int8 blocks of
     * {@code format}, for the integer kernels ({@link ActivationPrecision#formatFor} names the format a weight
     * type takes). Scalar and vector paths give identical results.
     *
     * @throws IllegalArgumentException when {@code cols} is not a positive multiple of the block size or n < 0
     * @throws IndexOutOfBoundsException when {@code x} is shorter than {@code n * cols}
     */
    QuantizedRows quantize(QuantizedRows.Format format, float[] x, int n, int cols);

    /**
     * Integer dot product of row {@code row} of {@code w} with activation row {@code xRow} of {@code x}.
     *
     * @throws UnsupportedOperationException when no integer kernel pairs {@code w.type()} with {@code x.format()}
     */
    float dot(Tensor w, int row, QuantizedRows x, int xRow);

    /**
     * Integer matrix x vector over a range of weight rows: {@code out[outOff + r] = dot(w, r, x, xRow)} for
     * {@code r} in {@code [rowStart, rowEnd)}, bit for bit.
     */
    void matVec(Tensor w, QuantizedRows x, int xRow, float[] out, int outOff, int rowStart, int rowEnd);

    /**
     * Integer matrix x matrix for all {@code x.rows()} activation rows over a range of weight rows:
     * {@code out[i * w.rows() + r] = dot(w, r, x, i)}, bit for bit (batch invariance: a row's result does not
     * depend on the other rows of the batch). Each weight block is read once per tile of activation rows.
     */
    void matMul(Tensor w, QuantizedRows x, float[] out, int rowStart, int rowEnd);

    /** The element-wise operations (RMSNorm, softmax, SiLU, ...) on the same path (scalar or vector). */
    FloatOps ops();

    /** Whether the kernels handle tensors of {@code type}. */
    static boolean supports(GgmlType type) {
        return BlockDecoder.supports(type);
    }

    /** The name of the system property that forces the scalar path when set to {@code scalar}. */
    String PROPERTY = "stellar.kernels";

    /** The system property that switches the native kernels off ({@code off}) or leaves them on ({@code auto}). */
    String NATIVE_PROPERTY = NativeKernelLibrary.PROPERTY;

    /** The system property naming the directory of the native kernel libraries (engine-native/target/native). */
    String NATIVE_PATH_PROPERTY = NativeKernelLibrary.PATH_PROPERTY;

    /**
     * The kernels for this process: {@link #selectJava()}, with the integer products of Q8_0 and Q4_0 weights
     * done by the native kernel library when one is found for this CPU ({@link #withNative}; the system
     * property {@value #NATIVE_PROPERTY}{@code =off} switches it off) and the Java kernels are the vector ones.
     * Call once at start-up, log {@link #description()}, pass the instance on.
     *
     * @throws IllegalArgumentException when a kernel property has an unknown value
     */
    static Kernels select() {
        Kernels java = selectJava();
        return java.kernelSet().startsWith("java") ? withNative(java).orElse(java) : java;
    }

    /**
     * {@code java} with the integer products of the types the native library handles done natively, or empty
     * when no native library is found (the system properties {@value #NATIVE_PROPERTY} and
     * {@value #NATIVE_PATH_PROPERTY}; the reason is logged once per process).
     */
    static java.util.Optional<Kernels> withNative(Kernels java) {
        return NativeKernelLibrary.load().map(lib -> new NativeKernels(java, lib));
    }

    /**
     * The Java kernels for this process: the Vector API ones over {@code FloatVector.SPECIES_PREFERRED}, unless
     * the system property {@value #PROPERTY} is {@code scalar} or the {@code jdk.incubator.vector} module is not
     * loaded (then the scalar ones), with the activation precision of the system property
     * {@value ActivationPrecision#PROPERTY} ({@code q8} by default).
     *
     * @throws IllegalArgumentException when the property has a value other than {@code scalar} or {@code vector}
     */
    static Kernels selectJava() {
        String choice = System.getProperty(PROPERTY, "vector");
        ActivationPrecision activations = ActivationPrecision.fromSystemProperty();
        Kernels k = switch (choice) {
            case "scalar" -> scalar();
            case "vector" -> vectorAvailable() ? vector() : scalar();
            default -> throw new IllegalArgumentException(
                    "system property " + PROPERTY + " must be 'scalar' or 'vector', not '" + choice + "'");
        };
        return k.withActivations(activations);
    }

    /** The scalar reference kernels (activations {@link ActivationPrecision#Q8}). */
    static Kernels scalar() {
        return new ScalarKernels(ActivationPrecision.Q8);
    }

    /**
     * The Vector API kernels over the CPU's preferred float species.
     *
     * @throws UnsupportedOperationException when the {@code jdk.incubator.vector} module is not loaded
     */
    static Kernels vector() {
        requireVector();
        return VectorKernels.of(jdk.incubator.vector.VectorShape.preferredShape(), ActivationPrecision.Q8);
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
        return VectorKernels.of(shape, ActivationPrecision.Q8);
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
