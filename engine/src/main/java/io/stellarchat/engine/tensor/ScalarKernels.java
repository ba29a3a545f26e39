package io.stellarchat.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The reference kernels: each weight block is decoded by {@link BlockDecoder} into floats and multiplied with
 * the activations in plain float arithmetic. Slow and obvious; {@link VectorKernels} is checked against it.
 *
 * <p>Thread-safety: the only state is a per-thread decode buffer.
 */
final class ScalarKernels implements Kernels {

    private final RowBuffer scratch = new RowBuffer(256);
    private final ActivationPrecision activations;

    ScalarKernels(ActivationPrecision activations) {
        this.activations = activations;
    }

    @Override
    public String kernelSet() {
        return "scalar";
    }

    @Override
    public String description() {
        return "scalar (reference kernels), " + activations.name().toLowerCase(java.util.Locale.ROOT) + " activations";
    }

    @Override
    public ActivationPrecision activations() {
        return activations;
    }

    @Override
    public Kernels withActivations(ActivationPrecision precision) {
        return new ScalarKernels(precision);
    }

    @Override
    public QuantizedRows quantize(QuantizedRows.Format format, float[] x, int n, int cols) {
        TensorChecks.checkQuantize(format, x, n, cols);
        QuantizedRows out = new QuantizedRows(format, n, cols);
        IntDots.quantize(x, out, 0, n);
        return out;
    }

    @Override
    public float dot(Tensor w, int row, QuantizedRows x, int xRow) {
        TensorChecks.checkQuantized(w, x);
        TensorChecks.checkRow(w, row);
        TensorChecks.checkActivationRow(w, x, xRow);
        return IntDots.dot(w, row, x, xRow);
    }

    @Override
    public void matVec(Tensor w, QuantizedRows x, int xRow, float[] out, int outOff, int rowStart, int rowEnd) {
        TensorChecks.checkQuantized(w, x);
        TensorChecks.checkRowRange(w, rowStart, rowEnd);
        TensorChecks.checkActivationRow(w, x, xRow);
        TensorChecks.checkSpan(w, "output", out, (long) outOff + rowStart, rowEnd - rowStart);
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOff + r] = IntDots.dot(w, r, x, xRow);
        }
    }

    @Override
    public void matMul(Tensor w, QuantizedRows x, float[] out, int rowStart, int rowEnd) {
        TensorChecks.checkQuantized(w, x);
        TensorChecks.checkRowRange(w, rowStart, rowEnd);
        TensorChecks.checkSpan(w, "output", out, 0, (long) x.rows() * w.rows());
        for (int r = rowStart; r < rowEnd; r++) {
            for (int i = 0; i < x.rows(); i++) {
                out[i * w.rows() + r] = IntDots.dot(w, r, x, i);
            }
        }
    }

    @Override
    public FloatOps ops() {
        return FloatOps.scalar();
    }

    @Override
    public float dot(Tensor w, int row, float[] x, int xOff) {
        TensorChecks.checkWeights(w);
        TensorChecks.checkRow(w, row);
        TensorChecks.checkSpan(w, "activations", x, xOff, w.cols());
        return dotRow(w, row, x, xOff, scratch.get(w.type().blockSize()));
    }

    // Block by block: decode into buf, accumulate w*x in float.
    private static float dotRow(Tensor w, int row, float[] x, int xOff, float[] buf) {
        MemorySegment data = w.data();
        int bs = w.type().blockSize();
        int chunk = bs == 1 ? Math.min(buf.length, w.cols()) : bs;
        long bytesPerChunk = w.type().byteSize(chunk);
        long base = row * w.rowBytes();
        float sum = 0f;
        for (int c = 0; c < w.cols(); c += chunk) {
            int len = Math.min(chunk, w.cols() - c);
            BlockDecoder.decode(w.type(), data, base + c / chunk * bytesPerChunk, len, buf, 0);
            for (int i = 0; i < len; i++) {
                sum += buf[i] * x[xOff + c + i];
            }
        }
        return sum;
    }

    @Override
    public void matVec(Tensor w, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        TensorChecks.checkWeights(w);
        TensorChecks.checkRowRange(w, rowStart, rowEnd);
        TensorChecks.checkSpan(w, "activations", x, xOff, w.cols());
        TensorChecks.checkSpan(w, "output", out, (long) outOff + rowStart, rowEnd - rowStart);
        float[] buf = scratch.get(w.type().blockSize());
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOff + r] = dotRow(w, r, x, xOff, buf);
        }
    }

    @Override
    public void matMul(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        TensorChecks.checkMatMul(w, x, n, out, rowStart, rowEnd);
        int cols = w.cols();
        int rows = w.rows();
        float[] buf = scratch.get(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            // Decode the weight row once, use it for every activation row.
            BlockDecoder.decode(w.type(), w.data(), r * w.rowBytes(), cols, buf, 0);
            for (int i = 0; i < n; i++) {
                float sum = 0f;
                int xo = i * cols;
                for (int k = 0; k < cols; k++) {
                    sum += buf[k] * x[xo + k];
                }
                out[i * rows + r] = sum;
            }
        }
    }

    /** The scalar matMul already decodes each weight row once and sums each pair in one order: the same form. */
    @Override
    public void matMulPrompt(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        matMul(w, x, n, out, rowStart, rowEnd);
    }

    @Override
    public void dequantizeRow(Tensor w, int row, float[] dst, int dstOff) {
        TensorChecks.checkWeights(w);
        TensorChecks.checkRow(w, row);
        TensorChecks.checkSpan(w, "destination", dst, dstOff, w.cols());
        BlockDecoder.decode(w.type(), w.data(), row * w.rowBytes(), w.cols(), dst, dstOff);
    }
}
