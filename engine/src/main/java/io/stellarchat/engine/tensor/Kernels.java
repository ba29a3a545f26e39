package io.stellarchat.engine.tensor;

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
}
