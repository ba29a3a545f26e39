package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API integer dot kernels and activation quantizer (scalar twin: {@link IntDots}), over fixed 256-bit
 * shapes: used by {@link VectorKernels} whose float species has 256 bits or more (an AVX-512 CPU runs 256-bit
 * code at full speed; AVX2 has nothing wider).
 *
 * <p>The int8 x int8 step, per 32 values: 16 weight bytes are sign-extended to 16 short lanes
 * ({@code convertShape(B2S)} from a 128-bit byte vector to a 256-bit short vector: equal lane counts, which C2
 * compiles to one {@code vpmovsxbw}); the activations are already shorts ({@link QuantizedRows}). Two 16-lane
 * products are added in shorts (|w| <= 128, |x| <= 127, so a sum of two products stays below 2^15); the 16 shorts
 * are then read as 8 ints and each int is replaced by the sum of its two halves, {@code (v << 16 >> 16) + (v >> 16)},
 * giving 8 exact int sums of four products each. Per block these ints are converted to floats and added with one
 * fma by {@code d_w * d_x} into a float accumulator of 8 lanes; the lanes are summed at the end in a fixed order
 * ({@link VectorKernels#sumLanes}). K-quants first accumulate ints over the whole super-block (the 6-bit scales
 * are integers) and convert once per 256 values.
 *
 * <p>Batch invariance: {@link #matMul4} computes each (weight row, activation row) pair with exactly the
 * operations of {@link #dot}, in the same order, so a row of a batch is bit-identical to the row alone.
 *
 * <p>Constant species (static finals) let C2 emit vector instructions; no state, thread-safe.
 */
final class IntVectorDots {
    private IntVectorDots() {}

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** 16 signed bytes at {@code off}, sign-extended to 16 short lanes. */
    private static ShortVector wide(MemorySegment s, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B, s, off, LE).convertShape(VectorOperators.B2S, S, 0);
    }

    private static ShortVector xs(short[] q, int off) {
        return ShortVector.fromArray(S, q, off);
    }

    /** 16 shorts to 8 ints, each the sum of two adjacent shorts (arithmetic shifts keep the signs). */
    private static IntVector pairSums(ShortVector p) {
        IntVector v = p.reinterpretAsInts();
        return v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(v.lanewise(VectorOperators.ASHR, 16));
    }

    private static FloatVector toFloats(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, F, 0);
    }

    /** As {@link IntDots#quantize}, bit for bit: block maxima and scales are exact, the rounding is the same. */
    static void quantize(float[] x, QuantizedRows out, int rowStart, int rowEnd) {
        int bs = out.format.blockSize();
        int blocks = out.cols / bs;
        int[] tmp = new int[8];
        for (int r = rowStart; r < rowEnd; r++) {
            for (int b = 0; b < blocks; b++) {
                int o = r * out.cols + b * bs;
                FloatVector m = FloatVector.zero(F);
                for (int j = 0; j < bs; j += 8) {
                    m = m.max(FloatVector.fromArray(F, x, o + j).abs());
                }
                float amax = m.reduceLanes(VectorOperators.MAX);
                float d = amax / 127f;
                float id = d != 0f ? 1f / d : 0f;
                for (int j = 0; j < bs; j += 8) {
                    FloatVector v = FloatVector.fromArray(F, x, o + j).mul(id);
                    v = v.add(IntDots.ROUND).sub(IntDots.ROUND);
                    IntVector qi = ((IntVector) v.convertShape(VectorOperators.F2I, I, 0)).max(-127).min(127);
                    ((ShortVector) qi.convertShape(VectorOperators.I2S, ShortVector.SPECIES_128, 0))
                            .intoArray(out.q, o + j);
                }
                IntDots.finishBlock(out, r, b, d);
            }
        }
    }

    /** Row {@code row} of {@code w} dotted with activation row {@code xRow}; the pair is known to have a kernel. */
    static float dot(Tensor w, int row, QuantizedRows x, int xRow) {
        MemorySegment s = w.data();
        long base = row * w.rowBytes();
        return switch (w.type()) {
            case Q8_0 -> dotQ8_0(s, base, x.q, xRow * x.cols, x.d, xRow * (x.cols / 32), x.cols / 32);
            case Q4_0 -> dotQ4_0(s, base, x.q, xRow * x.cols, x.d, xRow * (x.cols / 32), x.cols / 32);
            case Q4_K -> dotQ4_K(s, base, x, xRow);
            case Q6_K -> dotQ6_K(s, base, x, xRow);
            default -> throw new UnsupportedOperationException("no integer kernel for " + w.type());
        };
    }

    static float dotQ8_0(MemorySegment s, long base, short[] q, int xo, float[] d, int dOff, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long off = base + 34L * b;
            int xb = xo + 32 * b;
            ShortVector p = wide(s, off + 2).mul(xs(q, xb)).add(wide(s, off + 18).mul(xs(q, xb + 16)));
            acc = toFloats(pairSums(p)).fma(FloatVector.broadcast(F, BlockDecoder.f16(s, off) * d[dOff + b]), acc);
        }
        return VectorKernels.sumLanes(acc);
    }

    static float dotQ4_0(MemorySegment s, long base, short[] q, int xo, float[] d, int dOff, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long off = base + 18L * b;
            int xb = xo + 32 * b;
            ShortVector v = wide(s, off + 2);
            ShortVector lo = v.and((short) 0x0F).sub((short) 8);
            ShortVector hi = v.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F).sub((short) 8);
            ShortVector p = lo.mul(xs(q, xb)).add(hi.mul(xs(q, xb + 16)));
            acc = toFloats(pairSums(p)).fma(FloatVector.broadcast(F, BlockDecoder.f16(s, off) * d[dOff + b]), acc);
        }
        return VectorKernels.sumLanes(acc);
    }

    /**
     * Weight rows {@code r} of a Q8_0 or Q4_0 tensor against activation rows {@code i .. i + 3}: each weight block
     * is loaded (and for Q4_0 split into nibbles) once for four products; per pair the operations of
     * {@link #dotQ8_0} / {@link #dotQ4_0}. Results go to {@code out[(i + j) * outStride + r]}.
     */
    static void matMul4(Tensor w, int r, QuantizedRows x, int i, float[] out, int outStride) {
        MemorySegment s = w.data();
        long base = r * w.rowBytes();
        boolean q4 = w.type() == GgmlType.Q4_0;
        int blocks = x.cols / 32;
        short[] q = x.q;
        float[] d = x.d;
        int x0 = i * x.cols;
        int x1 = x0 + x.cols;
        int x2 = x1 + x.cols;
        int x3 = x2 + x.cols;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            ShortVector lo;
            ShortVector hi;
            float dw;
            if (q4) {
                long off = base + 18L * b;
                ShortVector v = wide(s, off + 2);
                lo = v.and((short) 0x0F).sub((short) 8);
                hi = v.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F).sub((short) 8);
                dw = BlockDecoder.f16(s, off);
            } else {
                long off = base + 34L * b;
                lo = wide(s, off + 2);
                hi = wide(s, off + 18);
                dw = BlockDecoder.f16(s, off);
            }
            int e = 32 * b;
            int db = i * blocks + b;
            a0 = toFloats(pairSums(lo.mul(xs(q, x0 + e)).add(hi.mul(xs(q, x0 + e + 16)))))
                    .fma(FloatVector.broadcast(F, dw * d[db]), a0);
            a1 = toFloats(pairSums(lo.mul(xs(q, x1 + e)).add(hi.mul(xs(q, x1 + e + 16)))))
                    .fma(FloatVector.broadcast(F, dw * d[db + blocks]), a1);
            a2 = toFloats(pairSums(lo.mul(xs(q, x2 + e)).add(hi.mul(xs(q, x2 + e + 16)))))
                    .fma(FloatVector.broadcast(F, dw * d[db + 2 * blocks]), a2);
            a3 = toFloats(pairSums(lo.mul(xs(q, x3 + e)).add(hi.mul(xs(q, x3 + e + 16)))))
                    .fma(FloatVector.broadcast(F, dw * d[db + 3 * blocks]), a3);
        }
        out[i * outStride + r] = VectorKernels.sumLanes(a0);
        out[(i + 1) * outStride + r] = VectorKernels.sumLanes(a1);
        out[(i + 2) * outStride + r] = VectorKernels.sumLanes(a2);
        out[(i + 3) * outStride + r] = VectorKernels.sumLanes(a3);
    }

    // Q4_K x Q8_K: per chunk of 64 values, the low-nibble (sub-block 2c) and high-nibble (2c + 1) products are
    // summed in shorts over both 16-lane halves (|sum| <= 4 * 15 * 127), paired into ints, multiplied by the 6-bit
    // scale and accumulated in ints over the super-block; the min term comes from the Q8_K group sums.
    static float dotQ4_K(MemorySegment s, long base, QuantizedRows x, int xRow) {
        int blocks = x.cols / 256;
        int xo = xRow * x.cols;
        short[] q = x.q;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < blocks; b++) {
            long off = base + 144L * b;
            int xb = xo + 256 * b;
            IntVector sum = IntVector.zero(I);
            int msum = 0;
            for (int c = 0; c < 4; c++) {
                ShortVector v0 = wide(s, off + 16 + 32L * c);
                ShortVector v1 = wide(s, off + 32 + 32L * c);
                int e = xb + 64 * c;
                ShortVector lo = v0.and((short) 0x0F).mul(xs(q, e))
                        .add(v1.and((short) 0x0F).mul(xs(q, e + 16)));
                ShortVector hi = v0.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F).mul(xs(q, e + 32))
                        .add(v1.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F).mul(xs(q, e + 48)));
                sum = sum.add(pairSums(lo).mul(BlockDecoder.kScale(s, off + 4, 2 * c)))
                        .add(pairSums(hi).mul(BlockDecoder.kScale(s, off + 4, 2 * c + 1)));
                int g = (xb >> 4) + 4 * c;
                msum += BlockDecoder.kMin(s, off + 4, 2 * c) * (x.sums[g] + x.sums[g + 1])
                        + BlockDecoder.kMin(s, off + 4, 2 * c + 1) * (x.sums[g + 2] + x.sums[g + 3]);
            }
            float dx = x.d[xRow * blocks + b];
            acc = toFloats(sum).fma(FloatVector.broadcast(F, BlockDecoder.f16(s, off) * dx), acc);
            mins += msum * (BlockDecoder.f16(s, off + 2) * dx);
        }
        return VectorKernels.sumLanes(acc) - mins;
    }

    // Q6_K x Q8_K: for each half h and 16-lane slice l, the ql and qh bytes are loaded once and give the 6-bit
    // values of the four 32-value rows k (low/high nibble of ql, bits 2k of qh), minus 32; each 16-value product is
    // paired into ints, multiplied by its int8 scale and accumulated in ints over the super-block.
    static float dotQ6_K(MemorySegment s, long base, QuantizedRows x, int xRow) {
        int blocks = x.cols / 256;
        int xo = xRow * x.cols;
        short[] q = x.q;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long off = base + 210L * b;
            int xb = xo + 256 * b;
            IntVector sum = IntVector.zero(I);
            for (int h = 0; h < 2; h++) {
                for (int l = 0; l < 32; l += 16) {
                    ShortVector qlA = wide(s, off + 64L * h + l);
                    ShortVector qlB = wide(s, off + 64L * h + 32 + l);
                    ShortVector qh = wide(s, off + 128 + 32L * h + l);
                    int e = 128 * h + l;
                    ShortVector q0 = qlA.and((short) 0x0F)
                            .or(qh.and((short) 3).lanewise(VectorOperators.LSHL, 4)).sub((short) 32);
                    ShortVector q1 = qlB.and((short) 0x0F)
                            .or(qh.lanewise(VectorOperators.ASHR, 2).and((short) 3).lanewise(VectorOperators.LSHL, 4))
                            .sub((short) 32);
                    ShortVector q2 = qlA.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F)
                            .or(qh.lanewise(VectorOperators.ASHR, 4).and((short) 3).lanewise(VectorOperators.LSHL, 4))
                            .sub((short) 32);
                    ShortVector q3 = qlB.lanewise(VectorOperators.ASHR, 4).and((short) 0x0F)
                            .or(qh.lanewise(VectorOperators.ASHR, 6).and((short) 3).lanewise(VectorOperators.LSHL, 4))
                            .sub((short) 32);
                    sum = sum.add(pairSums(q0.mul(xs(q, xb + e))).mul(scale6(s, off, e)))
                            .add(pairSums(q1.mul(xs(q, xb + e + 32))).mul(scale6(s, off, e + 32)))
                            .add(pairSums(q2.mul(xs(q, xb + e + 64))).mul(scale6(s, off, e + 64)))
                            .add(pairSums(q3.mul(xs(q, xb + e + 96))).mul(scale6(s, off, e + 96)));
                }
            }
            acc = toFloats(sum).fma(
                    FloatVector.broadcast(F, BlockDecoder.f16(s, off + 208) * x.d[xRow * blocks + b]), acc);
        }
        return VectorKernels.sumLanes(acc);
    }

    /** The int8 scale of Q6_K value e (one per 16 values, @192). */
    private static int scale6(MemorySegment s, long off, int e) {
        return s.get(BlockDecoder.I8, off + 192 + e / 16);
    }
}
