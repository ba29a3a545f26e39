package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The integer dot kernels of {@link IntVectorDots} for a 512-bit float species (AVX-512), same scalar twin
 * ({@link IntDots}), same loads, nibble and bit-field work, same structure (tiles, row pairs) and the same
 * batch-invariance contract: {@link #matMul4}, {@link #matMul8}, {@link #matMul4Q4_K}, {@link #matMul4Q6_K}
 * and {@link #matVec2Q4_0} compute each (weight row, activation row) pair with exactly the operations of the
 * matching dot, in the same order. The 8-row tile exists only here: it needs AVX-512's 32 vector registers. (An
 * 8-row Q6_K tile was tried and dropped: C1 gives up on it, "out of virtual registers in linear scan", so it ran
 * interpreted, seconds per call, until C2 had compiled it.)
 *
 * <p>The one difference is the step from 16 short products to floats. The 256-bit form sums each pair of short
 * lanes into an int with three shifts and an add (there is no Vector API operation for {@code vpmaddwd}), then
 * converts 8 ints to 8 floats and adds them with one 256-bit fma. Here the 16 shorts are converted straight to
 * 16 floats ({@code convertShape(S2F)} between equal lane counts: one {@code vpmovsxwd} and one
 * {@code vcvtdq2ps} on zmm registers) and added with one 512-bit fma: two to three vector instructions less per
 * 16 products on a CPU whose vector units run 512-bit operations at full width. The per-lane sums are exact
 * integers either way; only the float accumulation (16 lanes, each summing fewer products) differs from the
 * 256-bit form, within the same tolerance against the scalar twin.
 *
 * <p>As in {@link IntVectorDots}, no vector value crosses a method of ours (C2 boxes vectors handed to a helper it
 * did not inline), and the species are static finals so C2 sees constants. No state, thread-safe.
 */
final class IntVectorDots512 {
    private IntVectorDots512() {}

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorOperators.Conversion<Byte, Short> B2S = VectorOperators.B2S;
    private static final VectorOperators.Conversion<Short, Float> S2F = VectorOperators.S2F;
    private static final VectorOperators.Binary ASHR = VectorOperators.ASHR;
    private static final VectorOperators.Binary LSHL = VectorOperators.LSHL;

    /** Row {@code row} of {@code w} dotted with activation row {@code xRow}; the pair is known to have a kernel. */
    static float dot(Tensor w, int row, QuantizedRows x, int xRow) {
        MemorySegment s = w.data();
        long base = row * w.rowBytes();
        return switch (w.type()) {
            case Q8_0 -> dotQ8_0(s, base, x.q, xRow * x.cols, x.d, xRow * (x.cols / 32), x.cols / 32);
            case Q4_0 -> dotQ4_0(s, base, x.q, xRow * x.cols, x.d, xRow * (x.cols / 32), x.cols / 32);
            case Q4_K -> dotQ4_K(s, base, x.q, xRow * x.cols, x.d, x.sums, xRow * (x.cols / 256), x.cols / 256);
            case Q6_K -> dotQ6_K(s, base, x.q, xRow * x.cols, x.d, xRow * (x.cols / 256), x.cols / 256);
            default -> throw new UnsupportedOperationException("no integer kernel for " + w.type());
        };
    }

    // Q8_0 block: d f16 @0 | qs int8[32] @2. Activations q[xo ..), one scale per 32 in d[dOff ..).
    static float dotQ8_0(MemorySegment s, long base, short[] q, int xo, float[] d, int dOff, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long off = base + 34L * b;
            int xb = xo + 32 * b;
            ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 2, LE).convertShape(B2S, S, 0);
            ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 18, LE).convertShape(B2S, S, 0);
            ShortVector p = w0.mul(ShortVector.fromArray(S, q, xb)).add(w1.mul(ShortVector.fromArray(S, q, xb + 16)));
            acc = ((FloatVector) p.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, BlockDecoder.f16(s, off) * d[dOff + b]), acc);
        }
        return VectorKernels.sumLanes(acc);
    }

    // Q4_0 block: d f16 @0 | qs u8[16] @2; value j is the low nibble of qs[j] minus 8, value j + 16 the high one.
    static float dotQ4_0(MemorySegment s, long base, short[] q, int xo, float[] d, int dOff, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long off = base + 18L * b;
            int xb = xo + 32 * b;
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 2, LE).convertShape(B2S, S, 0);
            ShortVector lo = v.and((short) 0x0F).sub((short) 8);
            ShortVector hi = v.lanewise(ASHR, 4).and((short) 0x0F).sub((short) 8);
            ShortVector p = lo.mul(ShortVector.fromArray(S, q, xb)).add(hi.mul(ShortVector.fromArray(S, q, xb + 16)));
            acc = ((FloatVector) p.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, BlockDecoder.f16(s, off) * d[dOff + b]), acc);
        }
        return VectorKernels.sumLanes(acc);
    }

    /**
     * Weight rows {@code r} and {@code r + 1} of a Q4_0 tensor against activation row {@code xRow}: the activation
     * vectors and scale are loaded once for both rows; per pair exactly the operations of {@link #dotQ4_0}.
     * Results go to {@code out[outOff + r]} and {@code out[outOff + r + 1]}.
     */
    static void matVec2Q4_0(Tensor w, int r, QuantizedRows x, int xRow, float[] out, int outOff) {
        MemorySegment s = w.data();
        long base0 = r * w.rowBytes();
        long base1 = base0 + w.rowBytes();
        int blocks = x.cols / 32;
        short[] q = x.q;
        float[] d = x.d;
        int xo = xRow * x.cols;
        int dOff = xRow * blocks;
        float[] lanes = new float[F.length()]; // one accumulator's lanes at a time, for sumArray
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            ShortVector x0 = ShortVector.fromArray(S, q, xo + 32 * b);
            ShortVector x1 = ShortVector.fromArray(S, q, xo + 32 * b + 16);
            float dx = d[dOff + b];
            long o0 = base0 + 18L * b;
            long o1 = base1 + 18L * b;
            ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(B, s, o0 + 2, LE).convertShape(B2S, S, 0);
            ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(B, s, o1 + 2, LE).convertShape(B2S, S, 0);
            ShortVector p0 = v0.and((short) 0x0F).sub((short) 8).mul(x0)
                    .add(v0.lanewise(ASHR, 4).and((short) 0x0F).sub((short) 8).mul(x1));
            ShortVector p1 = v1.and((short) 0x0F).sub((short) 8).mul(x0)
                    .add(v1.lanewise(ASHR, 4).and((short) 0x0F).sub((short) 8).mul(x1));
            a0 = ((FloatVector) p0.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, BlockDecoder.f16(s, o0) * dx), a0);
            a1 = ((FloatVector) p1.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, BlockDecoder.f16(s, o1) * dx), a1);
        }
        a0.intoArray(lanes, 0);
        out[outOff + r] = VectorKernels.sumArray(lanes);
        a1.intoArray(lanes, 0);
        out[outOff + r + 1] = VectorKernels.sumArray(lanes);
    }

    /**
     * Weight row {@code r} of a Q8_0 or Q4_0 tensor against activation rows {@code i .. i + 3}: each weight block
     * is loaded (and for Q4_0 split into nibbles) once for four products; per pair exactly the operations of
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
        float[] lanes = new float[F.length()]; // one accumulator's lanes at a time, for sumArray
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
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 2, LE).convertShape(B2S, S, 0);
                lo = v.and((short) 0x0F).sub((short) 8);
                hi = v.lanewise(ASHR, 4).and((short) 0x0F).sub((short) 8);
                dw = BlockDecoder.f16(s, off);
            } else {
                long off = base + 34L * b;
                lo = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 2, LE).convertShape(B2S, S, 0);
                hi = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 18, LE).convertShape(B2S, S, 0);
                dw = BlockDecoder.f16(s, off);
            }
            int e = 32 * b;
            int db = i * blocks + b;
            ShortVector p0 = lo.mul(ShortVector.fromArray(S, q, x0 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x0 + e + 16)));
            ShortVector p1 = lo.mul(ShortVector.fromArray(S, q, x1 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x1 + e + 16)));
            ShortVector p2 = lo.mul(ShortVector.fromArray(S, q, x2 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x2 + e + 16)));
            ShortVector p3 = lo.mul(ShortVector.fromArray(S, q, x3 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x3 + e + 16)));
            a0 = ((FloatVector) p0.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db]), a0);
            a1 = ((FloatVector) p1.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + blocks]), a1);
            a2 = ((FloatVector) p2.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 2 * blocks]), a2);
            a3 = ((FloatVector) p3.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 3 * blocks]), a3);
        }
        a0.intoArray(lanes, 0);
        out[i * outStride + r] = VectorKernels.sumArray(lanes);
        a1.intoArray(lanes, 0);
        out[(i + 1) * outStride + r] = VectorKernels.sumArray(lanes);
        a2.intoArray(lanes, 0);
        out[(i + 2) * outStride + r] = VectorKernels.sumArray(lanes);
        a3.intoArray(lanes, 0);
        out[(i + 3) * outStride + r] = VectorKernels.sumArray(lanes);
    }

    /**
     * Weight row {@code r} of a Q8_0 or Q4_0 tensor against activation rows {@code i .. i + 7}: {@link #matMul4}
     * over eight rows, so a batch of eight decode rows loads, widens and (Q4_0) splits each weight block once
     * instead of twice. Sixteen vector registers hold the eight accumulators and the weight halves (AVX-512 has
     * 32). Per pair exactly the operations of {@link #dotQ8_0} / {@link #dotQ4_0}; results go to
     * {@code out[(i + j) * outStride + r]}.
     */
    static void matMul8(Tensor w, int r, QuantizedRows x, int i, float[] out, int outStride) {
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
        int x4 = x3 + x.cols;
        int x5 = x4 + x.cols;
        int x6 = x5 + x.cols;
        int x7 = x6 + x.cols;
        float[] lanes = new float[F.length()]; // one accumulator's lanes at a time, for sumArray
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector a4 = FloatVector.zero(F);
        FloatVector a5 = FloatVector.zero(F);
        FloatVector a6 = FloatVector.zero(F);
        FloatVector a7 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            ShortVector lo;
            ShortVector hi;
            float dw;
            if (q4) {
                long off = base + 18L * b;
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 2, LE).convertShape(B2S, S, 0);
                lo = v.and((short) 0x0F).sub((short) 8);
                hi = v.lanewise(ASHR, 4).and((short) 0x0F).sub((short) 8);
                dw = BlockDecoder.f16(s, off);
            } else {
                long off = base + 34L * b;
                lo = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 2, LE).convertShape(B2S, S, 0);
                hi = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 18, LE).convertShape(B2S, S, 0);
                dw = BlockDecoder.f16(s, off);
            }
            int e = 32 * b;
            int db = i * blocks + b;
            ShortVector p0 = lo.mul(ShortVector.fromArray(S, q, x0 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x0 + e + 16)));
            a0 = ((FloatVector) p0.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db]), a0);
            ShortVector p1 = lo.mul(ShortVector.fromArray(S, q, x1 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x1 + e + 16)));
            a1 = ((FloatVector) p1.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + blocks]), a1);
            ShortVector p2 = lo.mul(ShortVector.fromArray(S, q, x2 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x2 + e + 16)));
            a2 = ((FloatVector) p2.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 2 * blocks]), a2);
            ShortVector p3 = lo.mul(ShortVector.fromArray(S, q, x3 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x3 + e + 16)));
            a3 = ((FloatVector) p3.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 3 * blocks]), a3);
            ShortVector p4 = lo.mul(ShortVector.fromArray(S, q, x4 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x4 + e + 16)));
            a4 = ((FloatVector) p4.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 4 * blocks]), a4);
            ShortVector p5 = lo.mul(ShortVector.fromArray(S, q, x5 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x5 + e + 16)));
            a5 = ((FloatVector) p5.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 5 * blocks]), a5);
            ShortVector p6 = lo.mul(ShortVector.fromArray(S, q, x6 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x6 + e + 16)));
            a6 = ((FloatVector) p6.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 6 * blocks]), a6);
            ShortVector p7 = lo.mul(ShortVector.fromArray(S, q, x7 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x7 + e + 16)));
            a7 = ((FloatVector) p7.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 7 * blocks]), a7);
        }
        a0.intoArray(lanes, 0);
        out[i * outStride + r] = VectorKernels.sumArray(lanes);
        a1.intoArray(lanes, 0);
        out[(i + 1) * outStride + r] = VectorKernels.sumArray(lanes);
        a2.intoArray(lanes, 0);
        out[(i + 2) * outStride + r] = VectorKernels.sumArray(lanes);
        a3.intoArray(lanes, 0);
        out[(i + 3) * outStride + r] = VectorKernels.sumArray(lanes);
        a4.intoArray(lanes, 0);
        out[(i + 4) * outStride + r] = VectorKernels.sumArray(lanes);
        a5.intoArray(lanes, 0);
        out[(i + 5) * outStride + r] = VectorKernels.sumArray(lanes);
        a6.intoArray(lanes, 0);
        out[(i + 6) * outStride + r] = VectorKernels.sumArray(lanes);
        a7.intoArray(lanes, 0);
        out[(i + 7) * outStride + r] = VectorKernels.sumArray(lanes);
    }

    // Q4_K x Q8_K, one turn per chunk c of 64 values (32 bytes of qs: low nibbles are sub-block 2c, high nibbles
    // sub-block 2c + 1): per sub-block the 32 products are summed in shorts over the two 16-lane halves
    // (|sum| <= 2 * 15 * 127 per lane), converted to floats and added with one fma by
    // d * dx * scale_j; the min term dmin * dx * m_j * sum(qx) comes from the Q8_K group sums, in a scalar.
    static float dotQ4_K(MemorySegment s, long base, short[] q, int xo, float[] d, short[] sums, int dOff,
            int blocks) {
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        float[] scale = new float[8]; // d * dx * scale_j of the current super-block
        for (int b = 0; b < blocks; b++) {
            long off = base + 144L * b;
            float dx = d[dOff + b];
            float dd = BlockDecoder.f16(s, off) * dx;
            int msum = 0;
            long scales = BlockDecoder.kScales(s, off + 4);
            long ms = BlockDecoder.kMins(s, off + 4);
            for (int j = 0; j < 8; j++) {
                scale[j] = dd * (int) ((scales >>> (8 * j)) & 0xFF);
                int g = ((xo + 256 * b) >> 4) + 2 * j;
                msum += (int) ((ms >>> (8 * j)) & 0xFF) * (sums[g] + sums[g + 1]);
            }
            mins += msum * (BlockDecoder.f16(s, off + 2) * dx);
            for (int c = 0; c < 4; c++) {
                long qs = off + 16 + 32L * c;
                int e = xo + 256 * b + 64 * c;
                ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(B, s, qs, LE).convertShape(B2S, S, 0);
                ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(B, s, qs + 16, LE)
                        .convertShape(B2S, S, 0);
                ShortVector lo = v0.and((short) 0x0F).mul(ShortVector.fromArray(S, q, e))
                        .add(v1.and((short) 0x0F).mul(ShortVector.fromArray(S, q, e + 16)));
                ShortVector hi = v0.lanewise(ASHR, 4).and((short) 0x0F).mul(ShortVector.fromArray(S, q, e + 32))
                        .add(v1.lanewise(ASHR, 4).and((short) 0x0F).mul(ShortVector.fromArray(S, q, e + 48)));
                acc = ((FloatVector) lo.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, scale[2 * c]), acc);
                acc = ((FloatVector) hi.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, scale[2 * c + 1]), acc);
            }
        }
        return VectorKernels.sumLanes(acc) - mins;
    }

    /**
     * Weight row {@code r} of a Q4_K tensor against activation rows {@code i .. i + 3}: each chunk of quant bytes is
     * loaded and split into nibbles once for four activation rows; per pair exactly the operations of
     * {@link #dotQ4_K} (same scale products, same int min sums, same fma order). Results go to
     * {@code out[(i + j) * outStride + r]}.
     */
    static void matMul4Q4_K(Tensor w, int r, QuantizedRows x, int i, float[] out, int outStride) {
        MemorySegment s = w.data();
        long base = r * w.rowBytes();
        int blocks = x.cols / 256;
        short[] q = x.q;
        float[] d = x.d;
        short[] sums = x.sums;
        float[] scale = new float[32]; // (activation row j, sub-block) of the current super-block: d * dx_j * sc
        float[] mins = new float[4];
        int[] sc = new int[8];         // 6-bit scales and mins of the current super-block
        int[] mn = new int[8];
        float[] lanes = new float[F.length()]; // one accumulator's lanes at a time, for sumArray
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long off = base + 144L * b;
            long scales = BlockDecoder.kScales(s, off + 4);
            long ms = BlockDecoder.kMins(s, off + 4);
            for (int k = 0; k < 8; k++) {
                sc[k] = (int) ((scales >>> (8 * k)) & 0xFF);
                mn[k] = (int) ((ms >>> (8 * k)) & 0xFF);
            }
            float dw = BlockDecoder.f16(s, off);
            float dmin = BlockDecoder.f16(s, off + 2);
            for (int j = 0; j < 4; j++) {
                int row = i + j;
                float dx = d[row * blocks + b];
                float dd = dw * dx;
                int msum = 0;
                for (int k = 0; k < 8; k++) {
                    scale[8 * j + k] = dd * sc[k];
                    int g = ((row * x.cols + 256 * b) >> 4) + 2 * k;
                    msum += mn[k] * (sums[g] + sums[g + 1]);
                }
                mins[j] += msum * (dmin * dx);
            }
            for (int c = 0; c < 4; c++) {
                long qs = off + 16 + 32L * c;
                ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(B, s, qs, LE).convertShape(B2S, S, 0);
                ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(B, s, qs + 16, LE)
                        .convertShape(B2S, S, 0);
                ShortVector lo0 = v0.and((short) 0x0F);
                ShortVector lo1 = v1.and((short) 0x0F);
                ShortVector hi0 = v0.lanewise(ASHR, 4).and((short) 0x0F);
                ShortVector hi1 = v1.lanewise(ASHR, 4).and((short) 0x0F);
                int e0 = i * x.cols + 256 * b + 64 * c;
                int e1 = e0 + x.cols;
                int e2 = e1 + x.cols;
                int e3 = e2 + x.cols;
                ShortVector l0 = lo0.mul(ShortVector.fromArray(S, q, e0)).add(lo1.mul(ShortVector.fromArray(S, q, e0 + 16)));
                ShortVector h0 = hi0.mul(ShortVector.fromArray(S, q, e0 + 32)).add(hi1.mul(ShortVector.fromArray(S, q, e0 + 48)));
                a0 = ((FloatVector) l0.convertShape(S2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[0 * 8 + 2 * c]), a0);
                a0 = ((FloatVector) h0.convertShape(S2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[0 * 8 + 2 * c + 1]), a0);
                ShortVector l1 = lo0.mul(ShortVector.fromArray(S, q, e1)).add(lo1.mul(ShortVector.fromArray(S, q, e1 + 16)));
                ShortVector h1 = hi0.mul(ShortVector.fromArray(S, q, e1 + 32)).add(hi1.mul(ShortVector.fromArray(S, q, e1 + 48)));
                a1 = ((FloatVector) l1.convertShape(S2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[1 * 8 + 2 * c]), a1);
                a1 = ((FloatVector) h1.convertShape(S2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[1 * 8 + 2 * c + 1]), a1);
                ShortVector l2 = lo0.mul(ShortVector.fromArray(S, q, e2)).add(lo1.mul(ShortVector.fromArray(S, q, e2 + 16)));
                ShortVector h2 = hi0.mul(ShortVector.fromArray(S, q, e2 + 32)).add(hi1.mul(ShortVector.fromArray(S, q, e2 + 48)));
                a2 = ((FloatVector) l2.convertShape(S2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[2 * 8 + 2 * c]), a2);
                a2 = ((FloatVector) h2.convertShape(S2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[2 * 8 + 2 * c + 1]), a2);
                ShortVector l3 = lo0.mul(ShortVector.fromArray(S, q, e3)).add(lo1.mul(ShortVector.fromArray(S, q, e3 + 16)));
                ShortVector h3 = hi0.mul(ShortVector.fromArray(S, q, e3 + 32)).add(hi1.mul(ShortVector.fromArray(S, q, e3 + 48)));
                a3 = ((FloatVector) l3.convertShape(S2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[3 * 8 + 2 * c]), a3);
                a3 = ((FloatVector) h3.convertShape(S2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[3 * 8 + 2 * c + 1]), a3);
            }
        }
        a0.intoArray(lanes, 0);
        out[i * outStride + r] = VectorKernels.sumArray(lanes) - mins[0];
        a1.intoArray(lanes, 0);
        out[(i + 1) * outStride + r] = VectorKernels.sumArray(lanes) - mins[1];
        a2.intoArray(lanes, 0);
        out[(i + 2) * outStride + r] = VectorKernels.sumArray(lanes) - mins[2];
        a3.intoArray(lanes, 0);
        out[(i + 3) * outStride + r] = VectorKernels.sumArray(lanes) - mins[3];
    }

    // Q6_K x Q8_K, one turn per (super-block, half h, 16-lane slice l): ql and qh bytes are loaded once for the four
    // 32-value rows k; value 128h + 32k + l + p has its low nibble in ql[64h + 32(k & 1) + l + p] (high nibble when
    // k >= 2) and its top two bits at 2k of qh[32h + l + p]. Each 16-value group (one int8 scale) is the 6-bit value
    // minus 32 times the activation, converted, one fma by d * dx * scale.
    static float dotQ6_K(MemorySegment s, long base, short[] q, int xo, float[] d, int dOff, int blocks) {
        FloatVector acc = FloatVector.zero(F);
        for (int t = 0; t < 4 * blocks; t++) {
            int b = t >> 2;
            int h = (t >> 1) & 1;
            int l = (t & 1) << 4;
            long off = base + 210L * b;
            int xe = xo + 256 * b + 128 * h + l;
            long sc = off + 192 + 8 * h + (l >> 4);
            float dd = BlockDecoder.f16(s, off + 208) * d[dOff + b];
            ShortVector qlA = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 64L * h + l, LE)
                    .convertShape(B2S, S, 0);
            ShortVector qlB = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 64L * h + 32 + l, LE)
                    .convertShape(B2S, S, 0);
            ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 128 + 32L * h + l, LE)
                    .convertShape(B2S, S, 0);
            ShortVector p0 = qlA.and((short) 0x0F).or(qh.and((short) 3).lanewise(LSHL, 4)).sub((short) 32)
                    .mul(ShortVector.fromArray(S, q, xe));
            ShortVector p1 = qlB.and((short) 0x0F).or(qh.and((short) 0x0C).lanewise(LSHL, 2)).sub((short) 32)
                    .mul(ShortVector.fromArray(S, q, xe + 32));
            ShortVector p2 = qlA.lanewise(ASHR, 4).and((short) 0x0F).or(qh.and((short) 0x30)).sub((short) 32)
                    .mul(ShortVector.fromArray(S, q, xe + 64));
            ShortVector p3 = qlB.lanewise(ASHR, 4).and((short) 0x0F).or(qh.lanewise(ASHR, 2).and((short) 0x30))
                    .sub((short) 32).mul(ShortVector.fromArray(S, q, xe + 96));
            acc = ((FloatVector) p0.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dd * s.get(BlockDecoder.I8, sc)), acc);
            acc = ((FloatVector) p1.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dd * s.get(BlockDecoder.I8, sc + 2)), acc);
            acc = ((FloatVector) p2.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dd * s.get(BlockDecoder.I8, sc + 4)), acc);
            acc = ((FloatVector) p3.convertShape(S2F, F, 0)).fma(FloatVector.broadcast(F, dd * s.get(BlockDecoder.I8, sc + 6)), acc);
        }
        return VectorKernels.sumLanes(acc);
    }

    /**
     * Weight row {@code r} of a Q6_K tensor against activation rows {@code i .. i + 3}: the 6-bit values of each
     * (super-block, half, slice) are unpacked once for four products; per pair exactly the operations of
     * {@link #dotQ6_K}. Results go to {@code out[(i + j) * outStride + r]}. Batched decoding needs it: with a
     * tied or Q6_K output matrix (vocab rows), logits of a batch otherwise cost one full pass per row. The four
     * rows are written out rather than looped over an array of accumulators: vectors in locals stay in
     * registers, an array of them (or a helper taking them) is boxed once C2's inlining budget runs out.
     */
    static void matMul4Q6_K(Tensor w, int r, QuantizedRows x, int i, float[] out, int outStride) {
        MemorySegment s = w.data();
        long base = r * w.rowBytes();
        int blocks = x.cols / 256;
        short[] q = x.q;
        float[] d = x.d;
        int x0 = i * x.cols;
        int x1 = x0 + x.cols;
        int x2 = x1 + x.cols;
        int x3 = x2 + x.cols;
        int d0 = i * blocks;
        float[] lanes = new float[F.length()]; // one accumulator's lanes at a time, for sumArray
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int t = 0; t < 4 * blocks; t++) {
            int b = t >> 2;
            int h = (t >> 1) & 1;
            int l = (t & 1) << 4;
            long off = base + 210L * b;
            int e = 256 * b + 128 * h + l;
            long sc = off + 192 + 8 * h + (l >> 4);
            float dw = BlockDecoder.f16(s, off + 208);
            float s0 = s.get(BlockDecoder.I8, sc);
            float s1 = s.get(BlockDecoder.I8, sc + 2);
            float s2 = s.get(BlockDecoder.I8, sc + 4);
            float s3 = s.get(BlockDecoder.I8, sc + 6);
            ShortVector qlA = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 64L * h + l, LE)
                    .convertShape(B2S, S, 0);
            ShortVector qlB = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 64L * h + 32 + l, LE)
                    .convertShape(B2S, S, 0);
            ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(B, s, off + 128 + 32L * h + l, LE)
                    .convertShape(B2S, S, 0);
            ShortVector w0 = qlA.and((short) 0x0F).or(qh.and((short) 3).lanewise(LSHL, 4)).sub((short) 32);
            ShortVector w1 = qlB.and((short) 0x0F).or(qh.and((short) 0x0C).lanewise(LSHL, 2)).sub((short) 32);
            ShortVector w2 = qlA.lanewise(ASHR, 4).and((short) 0x0F).or(qh.and((short) 0x30)).sub((short) 32);
            ShortVector w3 = qlB.lanewise(ASHR, 4).and((short) 0x0F).or(qh.lanewise(ASHR, 2).and((short) 0x30))
                    .sub((short) 32);
            float dd = dw * d[d0 + b];
            ShortVector p0 = w0.mul(ShortVector.fromArray(S, q, x0 + e));
            ShortVector p1 = w1.mul(ShortVector.fromArray(S, q, x0 + e + 32));
            ShortVector p2 = w2.mul(ShortVector.fromArray(S, q, x0 + e + 64));
            ShortVector p3 = w3.mul(ShortVector.fromArray(S, q, x0 + e + 96));
            a0 = ((FloatVector) p0.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s0), a0);
            a0 = ((FloatVector) p1.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s1), a0);
            a0 = ((FloatVector) p2.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s2), a0);
            a0 = ((FloatVector) p3.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s3), a0);
            dd = dw * d[d0 + blocks + b];
            p0 = w0.mul(ShortVector.fromArray(S, q, x1 + e));
            p1 = w1.mul(ShortVector.fromArray(S, q, x1 + e + 32));
            p2 = w2.mul(ShortVector.fromArray(S, q, x1 + e + 64));
            p3 = w3.mul(ShortVector.fromArray(S, q, x1 + e + 96));
            a1 = ((FloatVector) p0.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s0), a1);
            a1 = ((FloatVector) p1.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s1), a1);
            a1 = ((FloatVector) p2.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s2), a1);
            a1 = ((FloatVector) p3.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s3), a1);
            dd = dw * d[d0 + 2 * blocks + b];
            p0 = w0.mul(ShortVector.fromArray(S, q, x2 + e));
            p1 = w1.mul(ShortVector.fromArray(S, q, x2 + e + 32));
            p2 = w2.mul(ShortVector.fromArray(S, q, x2 + e + 64));
            p3 = w3.mul(ShortVector.fromArray(S, q, x2 + e + 96));
            a2 = ((FloatVector) p0.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s0), a2);
            a2 = ((FloatVector) p1.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s1), a2);
            a2 = ((FloatVector) p2.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s2), a2);
            a2 = ((FloatVector) p3.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s3), a2);
            dd = dw * d[d0 + 3 * blocks + b];
            p0 = w0.mul(ShortVector.fromArray(S, q, x3 + e));
            p1 = w1.mul(ShortVector.fromArray(S, q, x3 + e + 32));
            p2 = w2.mul(ShortVector.fromArray(S, q, x3 + e + 64));
            p3 = w3.mul(ShortVector.fromArray(S, q, x3 + e + 96));
            a3 = ((FloatVector) p0.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s0), a3);
            a3 = ((FloatVector) p1.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s1), a3);
            a3 = ((FloatVector) p2.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s2), a3);
            a3 = ((FloatVector) p3.convertShape(S2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s3), a3);
        }
        a0.intoArray(lanes, 0);
        out[i * outStride + r] = VectorKernels.sumArray(lanes);
        a1.intoArray(lanes, 0);
        out[(i + 1) * outStride + r] = VectorKernels.sumArray(lanes);
        a2.intoArray(lanes, 0);
        out[(i + 2) * outStride + r] = VectorKernels.sumArray(lanes);
        a3.intoArray(lanes, 0);
        out[(i + 3) * outStride + r] = VectorKernels.sumArray(lanes);
    }
}
