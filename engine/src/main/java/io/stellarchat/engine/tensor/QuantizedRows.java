package io.stellarchat.engine.tensor;

/**
 * Float32 activation rows quantized to int8 blocks: the partner operand of an integer dot kernel. Made by
 * {@link Kernels#quantize}, once per activation matrix, and read by every weight matrix multiplied with it
 * (q, k and v share one; gate and up share one). Immutable after construction, so any number of threads may read
 * it.
 *
 * <p>Formats (llama.cpp's {@code block_q8_0} and {@code block_q8_K}, laid out here as parallel arrays):
 * <pre>
 * Q8_0: blocks of 32; d = fp16(amax / 127); q = round(x / d) in [-127, 127]     x ~ q * d
 * Q8_K: blocks of 256; d = amax / 127 (float); q as above; sums[g] = sum of q over the 16 values of group g
 * </pre>
 * Rounding: the quotient {@code x * (1 / d)} (with {@code d} before its fp16 rounding) is rounded to the nearest
 * integer, ties to even, as llama.cpp's AVX2 quantizer does; an all-zero block has d = 0 and q = 0.
 *
 * <p>The int8 values are stored widened to {@code short} (the kernels multiply in 16-bit lanes, so the widening
 * happens once per activation instead of once per weight row).
 */
public final class QuantizedRows {

    /** The int8 block layout of the activations. */
    public enum Format {
        /** 32 values per block, fp16-rounded scale: partner of Q8_0, Q4_0 (and Q5_0) weights. */
        Q8_0(32),
        /** 256 values per block, float scale, sums per 16 values: partner of the K-quants. */
        Q8_K(256);

        private final int blockSize;

        Format(int blockSize) {
            this.blockSize = blockSize;
        }

        /** Values per block. */
        public int blockSize() {
            return blockSize;
        }
    }

    final Format format;
    final int rows;
    final int cols;
    final short[] q;     // (rows, cols): the int8 values
    final float[] d;     // (rows, cols / blockSize): block scales
    final short[] sums;  // Q8_K: (rows, cols / 16) sums of q per 16 values; Q8_0: empty
    /**
     * (rows, cols): q as bytes for the native kernels, or null. Set by {@link #packInt8} on the thread that
     * quantized, before the rows are handed to other threads (the pool's hand-off publishes it).
     */
    byte[] int8;
    /**
     * Q8_0 only, set with {@link #int8}: (rows, cols / 32) sums of each block's int8 values, the correction the
     * native interleaved kernels subtract (they multiply unsigned weight bytes, see engine-native).
     */
    int[] blockSums;

    QuantizedRows(Format format, int rows, int cols) {
        if (rows < 0) {
            throw new IllegalArgumentException("negative row count " + rows);
        }
        if (cols <= 0 || cols % format.blockSize() != 0) {
            throw new IllegalArgumentException("row length " + cols + " is not a positive multiple of the "
                    + format + " block size " + format.blockSize());
        }
        this.format = format;
        this.rows = rows;
        this.cols = cols;
        this.q = new short[Math.multiplyExact(rows, cols)];
        this.d = new float[rows * (cols / format.blockSize())];
        this.sums = new short[format == Format.Q8_K ? rows * (cols / 16) : 0];
    }

    /** Fills {@link #int8} from {@link #q} (values are in [-127, 127], so the narrowing is exact). */
    void packInt8() {
        byte[] b = new byte[q.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) q[i];
        }
        if (format == Format.Q8_0) {
            int[] sums = new int[b.length / 32];
            for (int k = 0; k < sums.length; k++) {
                int s = 0;
                for (int j = 32 * k; j < 32 * k + 32; j++) {
                    s += b[j];
                }
                sums[k] = s;
            }
            blockSums = sums;
        }
        int8 = b;
    }

    public Format format() {
        return format;
    }

    /** Number of activation rows. */
    public int rows() {
        return rows;
    }

    /** Values per row. */
    public int cols() {
        return cols;
    }

    /** The int8 value at (row, col), for tests and diagnostics. */
    public int value(int row, int col) {
        return q[row * cols + col];
    }

    /** The scale of block {@code block} of {@code row}. */
    public float scale(int row, int block) {
        return d[row * (cols / format.blockSize()) + block];
    }

    /** The float the quantized value at (row, col) stands for: {@code q * d}. */
    public float dequantized(int row, int col) {
        return value(row, col) * scale(row, col / format.blockSize());
    }

    /** Q8_K only: the sum of the 16 values of group {@code group} (0 .. cols / 16) of {@code row}. */
    public int groupSum(int row, int group) {
        if (format != Format.Q8_K) {
            throw new IllegalStateException("only Q8_K rows carry group sums, these are " + format);
        }
        return sums[row * (cols / 16) + group];
    }
}
