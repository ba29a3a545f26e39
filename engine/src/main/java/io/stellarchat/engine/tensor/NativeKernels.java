package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;

/**
 * The Java kernels with the integer products of Q8_0, Q4_0 (against Q8_0 activations), Q4_K and Q6_K (against
 * Q8_K) weights, and the decode products of F16 weights (float activations), done by the native library
 * ({@link NativeKernelLibrary}); everything else (float paths, other quant types, element-wise operations,
 * activation quantization) is the Java kernel set it wraps.
 *
 * <p>Results: each block's integer sum is exactly the Java kernels' (int8 x int8, summed in int32). For Q8_0 and
 * Q4_0 the float accumulation over blocks is the C code's own fixed order, so values differ from the Java vector
 * kernels by a few ulps of the sum, like the Java vector kernels differ from the scalar ones; Q4_K and Q6_K take
 * the scalar twin's order (one float step per super-block) and equal {@link IntDots} bit for bit. F16 (float
 * activations, decode rows only: prompt rows keep the Java prompt tiles) has its own fixed float order. Within this kernel set,
 * {@link #dot}, {@link #matVec} and {@link #matMul} give the same bits for a row whatever the batch (the C code
 * computes each (weight row, activation row) pair by the same operations in any tile).
 *
 * <p>Prompt rows of those types are multiplied in integers too ({@link #integerPrompt}): the C mat-mat
 * outruns the Java float prompt tiles, and a token position keeps one form for good either way.
 *
 * <p>Interleaved weights ({@link #prepareWeights}): with int8 activations, Q4_0 and Q8_0 matrices whose row count
 * is a multiple of 16 are copied at load into the library's {@link Tensor.Layout#INTERLEAVED_16} layout (16 rows
 * side by side, one int32 lane a row: no horizontal step per block, one weight stream in order). Those kernels
 * take the scalar twin's float order, so their results equal {@link IntDots} bit for bit, at both levels and for
 * any batch. The system property {@value #INTERLEAVE_PROPERTY}{@code =off} keeps the file order. Every method
 * here accepts such a tensor; the float-activation paths and {@link #dequantizeRow} read it through a Java
 * decoder of the layout (they are not on the hot path: prompts of these types run in integers).
 *
 * <p>Thread-safe as the wrapped kernels are; the library has no state.
 */
final class NativeKernels implements Kernels {

    /** {@code auto} (default): interleave Q4_0/Q8_0 weights at load; {@code off}: keep the file's row order. */
    static final String INTERLEAVE_PROPERTY = "stellar.native.interleave";

    private final Kernels java;
    private final NativeKernelLibrary lib;

    NativeKernels(Kernels java, NativeKernelLibrary lib) {
        this.java = java;
        this.lib = lib;
    }

    /** Whether the native library multiplies {@code w} with int8 activations (else the Java kernels do). */
    private boolean native8(Tensor w, QuantizedRows x) {
        return x.int8 != null && lib.handles(w.type());
    }

    private static boolean interleaved(Tensor w) {
        return w.layout() == Tensor.Layout.INTERLEAVED_16;
    }

    @Override
    public Tensor prepareWeights(Tensor w, java.lang.foreign.Arena arena) {
        String mode = System.getProperty(INTERLEAVE_PROPERTY, "auto");
        if (!mode.equals("auto") && !mode.equals("off")) {
            throw new IllegalArgumentException(
                    "system property " + INTERLEAVE_PROPERTY + " must be 'auto' or 'off', not '" + mode + "'");
        }
        if (mode.equals("off") || w.layout() != Tensor.Layout.ROWS || java.activations() != ActivationPrecision.Q8
                || !NativeKernelLibrary.interleaves(w.type()) || w.dims().length != 2 || w.rows() % 16 != 0) {
            return w;
        }
        TensorChecks.checkWeights(w);
        return lib.interleave(w, arena);
    }

    /** The checks of {@link TensorChecks#checkQuantized} for an interleaved tensor (whose layout they refuse). */
    private static void checkInterleaved(Tensor w, QuantizedRows x) {
        TensorChecks.checkWeights(new Tensor(w.name(), w.type(), w.dims(), w.data()));
        if (x.format() != QuantizedRows.Format.Q8_0 || x.cols() != w.cols() || x.int8 == null) {
            throw new IllegalArgumentException("tensor " + w.name() + ": interleaved " + w.type()
                    + " weights take packed Q8_0 activations of " + w.cols() + " values, not " + x.format() + " of "
                    + x.cols() + (x.int8 == null ? " (unpacked)" : ""));
        }
    }

    @Override
    public String description() {
        return "native " + lib.level() + " (Q8_0, Q4_0, Q4_K, Q6_K int8 mat-mat, F16 decode"
                + (java.activations() == ActivationPrecision.Q8
                        && !System.getProperty(INTERLEAVE_PROPERTY, "auto").equals("off")
                        ? "; Q4_0, Q8_0 interleaved x16" : "")
                + (java.activations() == ActivationPrecision.Q8 ? ")" : ", unused with f32 activations)")
                + " over " + java.description();
    }

    @Override
    public String kernelSet() {
        return "native-" + lib.level();
    }

    @Override
    public boolean integerPrompt(GgmlType type) {
        return java.activations() == ActivationPrecision.Q8 && lib.handles(type);
    }

    @Override
    public QuantizedRows quantize(QuantizedRows.Format format, float[] x, int n, int cols) {
        QuantizedRows q = java.quantize(format, x, n, cols);
        q.packInt8();
        return q;
    }

    @Override
    public float dot(Tensor w, int row, QuantizedRows x, int xRow) {
        if (interleaved(w)) {
            checkInterleaved(w, x);
            TensorChecks.checkRow(w, row);
            TensorChecks.checkActivationRow(w, x, xRow);
            float[] out = new float[1];
            lib.matMulInterleaved(w, row, row + 1, x, xRow, 1, out, 0, 0);
            return out[0];
        }
        if (!native8(w, x)) {
            return java.dot(w, row, x, xRow);
        }
        TensorChecks.checkQuantized(w, x);
        TensorChecks.checkRow(w, row);
        TensorChecks.checkActivationRow(w, x, xRow);
        float[] out = new float[1];
        lib.matMul(w, row, row + 1, x, xRow, 1, out, 0, 0);
        return out[0];
    }

    @Override
    public void matVec(Tensor w, QuantizedRows x, int xRow, float[] out, int outOff, int rowStart, int rowEnd) {
        if (interleaved(w)) {
            checkInterleaved(w, x);
            TensorChecks.checkRowRange(w, rowStart, rowEnd);
            TensorChecks.checkActivationRow(w, x, xRow);
            TensorChecks.checkSpan(w, "output", out, (long) outOff + rowStart, rowEnd - rowStart);
            if (rowStart < rowEnd) {
                lib.matMulInterleaved(w, rowStart, rowEnd, x, xRow, 1, out, outOff + rowStart, 0);
            }
            return;
        }
        if (!native8(w, x)) {
            java.matVec(w, x, xRow, out, outOff, rowStart, rowEnd);
            return;
        }
        TensorChecks.checkQuantized(w, x);
        TensorChecks.checkRowRange(w, rowStart, rowEnd);
        TensorChecks.checkActivationRow(w, x, xRow);
        TensorChecks.checkSpan(w, "output", out, (long) outOff + rowStart, rowEnd - rowStart);
        if (rowStart < rowEnd) {
            lib.matMul(w, rowStart, rowEnd, x, xRow, 1, out, outOff + rowStart, 0);
        }
    }

    @Override
    public void matMul(Tensor w, QuantizedRows x, float[] out, int rowStart, int rowEnd) {
        if (interleaved(w)) {
            checkInterleaved(w, x);
            TensorChecks.checkRowRange(w, rowStart, rowEnd);
            int n = x.rows();
            TensorChecks.checkSpan(w, "output", out, 0, (long) n * w.rows());
            if (rowStart < rowEnd && n > 0) {
                lib.matMulInterleaved(w, rowStart, rowEnd, x, 0, n, out, rowStart, w.rows());
            }
            return;
        }
        if (!native8(w, x)) {
            java.matMul(w, x, out, rowStart, rowEnd);
            return;
        }
        TensorChecks.checkQuantized(w, x);
        TensorChecks.checkRowRange(w, rowStart, rowEnd);
        int n = x.rows();
        TensorChecks.checkSpan(w, "output", out, 0, (long) n * w.rows());
        if (rowStart < rowEnd && n > 0) {
            lib.matMul(w, rowStart, rowEnd, x, 0, n, out, rowStart, w.rows());
        }
    }

    // Float paths and the rest: the Java kernels.

    /** Whether the native library multiplies {@code w} with float activations (F16 weights in file order). */
    private static boolean nativeFloat(Tensor w) {
        return w.type() == GgmlType.F16 && w.layout() == Tensor.Layout.ROWS;
    }

    @Override
    public float dot(Tensor w, int row, float[] x, int xOff) {
        if (nativeFloat(w)) {
            TensorChecks.checkWeights(w);
            TensorChecks.checkRow(w, row);
            TensorChecks.checkSpan(w, "activations", x, xOff, w.cols());
            float[] out = new float[1];
            lib.matMulF16(w, row, row + 1, x, xOff, 1, out, 0, 0);
            return out[0];
        }
        if (interleaved(w)) {
            TensorChecks.checkRow(w, row);
            TensorChecks.checkSpan(w, "activations", x, xOff, w.cols());
            float[] deq = new float[w.cols()];
            Interleaved.dequantizeRow(w, row, deq, 0);
            return java.ops().dot(deq, 0, x, xOff, w.cols());
        }
        return java.dot(w, row, x, xOff);
    }

    @Override
    public void matVec(Tensor w, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        if (nativeFloat(w)) {
            TensorChecks.checkWeights(w);
            TensorChecks.checkRowRange(w, rowStart, rowEnd);
            TensorChecks.checkSpan(w, "activations", x, xOff, w.cols());
            TensorChecks.checkSpan(w, "output", out, (long) outOff + rowStart, rowEnd - rowStart);
            if (rowStart < rowEnd) {
                lib.matMulF16(w, rowStart, rowEnd, x, xOff, 1, out, outOff + rowStart, 0);
            }
            return;
        }
        if (interleaved(w)) {
            TensorChecks.checkRowRange(w, rowStart, rowEnd);
            TensorChecks.checkSpan(w, "output", out, (long) outOff + rowStart, rowEnd - rowStart);
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOff + r] = dot(w, r, x, xOff);
            }
            return;
        }
        java.matVec(w, x, xOff, out, outOff, rowStart, rowEnd);
    }

    @Override
    public void matMul(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        if (nativeFloat(w)) {
            TensorChecks.checkMatMul(w, x, n, out, rowStart, rowEnd);
            if (rowStart < rowEnd && n > 0) {
                lib.matMulF16(w, rowStart, rowEnd, x, 0, n, out, rowStart, w.rows());
            }
            return;
        }
        if (interleaved(w)) {
            floatMatMul(w, x, n, out, rowStart, rowEnd);
            return;
        }
        java.matMul(w, x, n, out, rowStart, rowEnd);
    }

    @Override
    public void matMulPrompt(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        if (interleaved(w)) {
            floatMatMul(w, x, n, out, rowStart, rowEnd);
            return;
        }
        java.matMulPrompt(w, x, n, out, rowStart, rowEnd);
    }

    /** Float activations against an interleaved tensor: each weight row decoded once, then a float dot per row. */
    private void floatMatMul(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        TensorChecks.checkRowRange(w, rowStart, rowEnd);
        TensorChecks.checkSpan(w, "activations", x, 0, (long) n * w.cols());
        TensorChecks.checkSpan(w, "output", out, 0, (long) n * w.rows());
        float[] deq = new float[w.cols()];
        for (int r = rowStart; r < rowEnd; r++) {
            Interleaved.dequantizeRow(w, r, deq, 0);
            for (int i = 0; i < n; i++) {
                out[i * w.rows() + r] = java.ops().dot(deq, 0, x, i * w.cols(), w.cols());
            }
        }
    }

    @Override
    public void dequantizeRow(Tensor w, int row, float[] dst, int dstOff) {
        if (interleaved(w)) {
            TensorChecks.checkRow(w, row);
            TensorChecks.checkSpan(w, "output", dst, dstOff, w.cols());
            Interleaved.dequantizeRow(w, row, dst, dstOff);
            return;
        }
        java.dequantizeRow(w, row, dst, dstOff);
    }

    @Override
    public ActivationPrecision activations() {
        return java.activations();
    }

    @Override
    public Kernels withActivations(ActivationPrecision precision) {
        return new NativeKernels(java.withActivations(precision), lib);
    }

    @Override
    public FloatOps ops() {
        return java.ops();
    }
}
