package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * The scalar reference of activation quantization and of the integer dot kernels (weights against
 * {@link QuantizedRows}); {@link IntVectorDots} is the fast path and is checked against this class.
 *
 * <p>Per block, the sum of int8 x int products is exact in {@code int}; it is scaled once by
 * {@code d_weight * d_activation} and added to a float accumulator. The vector kernels keep one float accumulator
 * per lane and sum the lanes at the end, so their float rounding differs from this (sequential) order by a few
 * ulps of the sum; the integer parts are identical.
 *
 * <p>Pairs (weights, activations): Q8_0 x Q8_0, Q4_0 x Q8_0, Q4_K x Q8_K, Q6_K x Q8_K
 * ({@link ActivationPrecision#formatFor}).
 */
final class IntDots {
    private IntDots() {}

    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer, ties to even. */
    static final float ROUND = 0x1.8p23f;

    /** Whether an integer kernel multiplies weights of {@code type} with activations in {@code format}. */
    static boolean pairs(GgmlType type, QuantizedRows.Format format) {
        return ActivationPrecision.Q8.formatFor(type) == format;
    }

    /** Quantizes rows {@code [rowStart, rowEnd)} of {@code x} ((rows, cols) row-major) into {@code out}. */
    static void quantize(float[] x, QuantizedRows out, int rowStart, int rowEnd) {
        int bs = out.format.blockSize();
        int blocks = out.cols / bs;
        for (int r = rowStart; r < rowEnd; r++) {
            for (int b = 0; b < blocks; b++) {
                int o = r * out.cols + b * bs;
                float amax = 0f;
                for (int j = 0; j < bs; j++) {
                    amax = Math.max(amax, Math.abs(x[o + j]));
                }
                float d = amax / 127f;
                float id = d != 0f ? 1f / d : 0f;
                for (int j = 0; j < bs; j++) {
                    out.q[o + j] = (short) round(x[o + j] * id);
                }
                finishBlock(out, r, b, d);
            }
        }
    }

    /** x rounded to the nearest integer (ties to even) and clamped to [-127, 127]; NaN gives 0. */
    static int round(float v) {
        float r = (v + ROUND) - ROUND;
        return Math.max(-127, Math.min(127, (int) r));
    }

    /** Stores block b's scale (fp16-rounded for Q8_0) and, for Q8_K, its sums per 16 values. */
    static void finishBlock(QuantizedRows out, int r, int b, float d) {
        int bs = out.format.blockSize();
        int blocks = out.cols / bs;
        if (out.format == QuantizedRows.Format.Q8_0) {
            out.d[r * blocks + b] = Float.float16ToFloat(Float.floatToFloat16(d));
            return;
        }
        out.d[r * blocks + b] = d;
        int o = r * out.cols + b * bs;
        for (int g = 0; g < bs / 16; g++) {
            int s = 0;
            for (int j = 0; j < 16; j++) {
                s += out.q[o + 16 * g + j];
            }
            out.sums[(o >> 4) + g] = (short) s;
        }
    }

    /** Row {@code row} of {@code w} dotted with activation row {@code xRow}; the pair is known to have a kernel. */
    static float dot(Tensor w, int row, QuantizedRows x, int xRow) {
        MemorySegment s = w.data();
        long base = row * w.rowBytes();
        return switch (w.type()) {
            case Q8_0 -> dotQ8_0(s, base, x, xRow);
            case Q4_0 -> dotQ4_0(s, base, x, xRow);
            case Q4_K -> dotQ4_K(s, base, x, xRow);
            case Q6_K -> dotQ6_K(s, base, x, xRow);
            default -> throw new UnsupportedOperationException("no integer kernel for " + w.type());
        };
    }

    // Q8_0 block: d f16 @0 | qs int8[32] @2.
    static float dotQ8_0(MemorySegment s, long base, QuantizedRows x, int xRow) {
        int blocks = x.cols / 32;
        int xo = xRow * x.cols;
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            long off = base + 34L * b;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                sum += s.get(BlockDecoder.I8, off + 2 + j) * x.q[xo + 32 * b + j];
            }
            acc += sum * (BlockDecoder.f16(s, off) * x.d[xRow * blocks + b]);
        }
        return acc;
    }

    // Q4_0 block: d f16 @0 | qs u8[16] @2; element j is the low nibble of qs[j], j + 16 the high one, minus 8.
    static float dotQ4_0(MemorySegment s, long base, QuantizedRows x, int xRow) {
        int blocks = x.cols / 32;
        int xo = xRow * x.cols;
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            long off = base + 18L * b;
            int sum = 0;
            for (int j = 0; j < 16; j++) {
                int u = BlockDecoder.u8(s, off + 2 + j);
                sum += ((u & 0x0F) - 8) * x.q[xo + 32 * b + j] + ((u >>> 4) - 8) * x.q[xo + 32 * b + 16 + j];
            }
            acc += sum * (BlockDecoder.f16(s, off) * x.d[xRow * blocks + b]);
        }
        return acc;
    }

    // Q4_K super-block (see BlockDecoder): sub-block j of 32 values is d * sc_j * q - dmin * m_j, so its share of
    // the dot is d * dx * sc_j * sum(q * qx) - dmin * dx * m_j * sum(qx), the last sum from the Q8_K group sums.
    static float dotQ4_K(MemorySegment s, long base, QuantizedRows x, int xRow) {
        int blocks = x.cols / 256;
        int xo = xRow * x.cols;
        float acc = 0f;
        float mins = 0f;
        for (int b = 0; b < blocks; b++) {
            long off = base + 144L * b;
            int xb = xo + 256 * b;
            int sum = 0;
            int msum = 0;
            for (int c = 0; c < 4; c++) {
                int lo = 0;
                int hi = 0;
                for (int l = 0; l < 32; l++) {
                    int u = BlockDecoder.u8(s, off + 16 + 32 * c + l);
                    lo += (u & 0x0F) * x.q[xb + 64 * c + l];
                    hi += (u >>> 4) * x.q[xb + 64 * c + 32 + l];
                }
                sum += BlockDecoder.kScale(s, off + 4, 2 * c) * lo + BlockDecoder.kScale(s, off + 4, 2 * c + 1) * hi;
                int g = (xb >> 4) + 4 * c;
                msum += BlockDecoder.kMin(s, off + 4, 2 * c) * (x.sums[g] + x.sums[g + 1])
                        + BlockDecoder.kMin(s, off + 4, 2 * c + 1) * (x.sums[g + 2] + x.sums[g + 3]);
            }
            float dx = x.d[xRow * blocks + b];
            acc += sum * (BlockDecoder.f16(s, off) * dx);
            mins += msum * (BlockDecoder.f16(s, off + 2) * dx);
        }
        return acc - mins;
    }

    // Q6_K super-block (see BlockDecoder): value e is d * sc[e / 16] * (q6 - 32); per 16 values one int8 scale.
    static float dotQ6_K(MemorySegment s, long base, QuantizedRows x, int xRow) {
        int blocks = x.cols / 256;
        int xo = xRow * x.cols;
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            long off = base + 210L * b;
            int xb = xo + 256 * b;
            int sum = 0;
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    for (int l = 0; l < 32; l += 16) {
                        int e = 128 * h + 32 * k + l;
                        int part = 0;
                        for (int p = 0; p < 16; p++) {
                            int ql = BlockDecoder.u8(s, off + 64L * h + 32 * (k & 1) + l + p);
                            int low = k < 2 ? ql & 0x0F : ql >>> 4;
                            int high = (BlockDecoder.u8(s, off + 128 + 32L * h + l + p) >>> (2 * k)) & 3;
                            part += ((low | high << 4) - 32) * x.q[xb + e + p];
                        }
                        sum += s.get(BlockDecoder.I8, off + 192 + e / 16) * part;
                    }
                }
            }
            acc += sum * (BlockDecoder.f16(s, off + 208) * x.d[xRow * blocks + b]);
        }
        return acc;
    }
}
