package io.stellarchat.engine.tensor;

/**
 * The argument checks shared by the kernel implementations: each throws a precise exception naming the tensor,
 * so a bad shape or index fails before any byte is read.
 */
final class TensorChecks {
    private TensorChecks() {}

    /** Checks that the kernels can read {@code w}: known type, whole blocks per row, enough bytes. */
    static void checkWeights(Tensor w) {
        if (w.layout() != Tensor.Layout.ROWS) {
            throw new UnsupportedOperationException("tensor " + w.name() + " is in the " + w.layout()
                    + " layout of the native kernels; these kernels read only the file's row order");
        }
        if (!BlockDecoder.supports(w.type())) {
            throw new UnsupportedOperationException(
                    "tensor " + w.name() + ": no kernel for ggml type " + w.type());
        }
        long cols = w.dims()[0];
        if (cols <= 0 || cols % w.type().blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + w.name() + ": row length " + cols
                    + " is not a positive multiple of the " + w.type() + " block size " + w.type().blockSize());
        }
        long need = (long) w.rows() * w.rowBytes();
        if (w.data().byteSize() < need) {
            throw new IllegalArgumentException("tensor " + w.name() + ": data has " + w.data().byteSize()
                    + " bytes, shape needs " + need);
        }
    }

    static void checkRow(Tensor w, int row) {
        if (row < 0 || row >= w.rows()) {
            throw new IndexOutOfBoundsException("tensor " + w.name() + ": row " + row + " outside [0, " + w.rows() + ")");
        }
    }

    static void checkRowRange(Tensor w, int rowStart, int rowEnd) {
        if (rowStart < 0 || rowEnd > w.rows() || rowStart > rowEnd) {
            throw new IndexOutOfBoundsException("tensor " + w.name() + ": row range [" + rowStart + ", " + rowEnd
                    + ") outside [0, " + w.rows() + ")");
        }
    }

    static void checkSpan(Tensor w, String what, float[] a, long off, long len) {
        if (off < 0 || len < 0 || off + len > a.length) {
            throw new IndexOutOfBoundsException("tensor " + w.name() + ": " + what + " range [" + off + ", "
                    + (off + len) + ") outside float[" + a.length + "]");
        }
    }

    static void checkMatMul(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        checkWeights(w);
        checkRowRange(w, rowStart, rowEnd);
        if (n < 0) {
            throw new IllegalArgumentException("tensor " + w.name() + ": negative batch " + n);
        }
        checkSpan(w, "activations", x, 0, (long) n * w.cols());
        checkSpan(w, "output", out, 0, (long) n * w.rows());
    }

    /** Checks that an integer kernel pairs {@code w} with {@code x} and their row lengths match. */
    static void checkQuantized(Tensor w, QuantizedRows x) {
        checkWeights(w);
        if (!IntDots.pairs(w.type(), x.format())) {
            throw new UnsupportedOperationException("tensor " + w.name() + ": no integer kernel for " + w.type()
                    + " weights with " + x.format() + " activations");
        }
        if (x.cols() != w.cols()) {
            throw new IllegalArgumentException("tensor " + w.name() + ": activation rows have " + x.cols()
                    + " values, weight rows " + w.cols());
        }
    }

    static void checkActivationRow(Tensor w, QuantizedRows x, int xRow) {
        if (xRow < 0 || xRow >= x.rows()) {
            throw new IndexOutOfBoundsException("tensor " + w.name() + ": activation row " + xRow + " outside [0, "
                    + x.rows() + ")");
        }
    }

    /** Checks the arguments of {@link Kernels#quantize} before a value is read. */
    static void checkQuantize(QuantizedRows.Format format, float[] x, int n, int cols) {
        if (n < 0) {
            throw new IllegalArgumentException("negative activation row count " + n);
        }
        if (cols <= 0 || cols % format.blockSize() != 0) {
            throw new IllegalArgumentException("activation row length " + cols + " is not a positive multiple of the "
                    + format + " block size " + format.blockSize());
        }
        if ((long) n * cols > x.length) {
            throw new IndexOutOfBoundsException("activations: " + n + " rows of " + cols + " values need "
                    + (long) n * cols + " floats, the array has " + x.length);
        }
    }
}
