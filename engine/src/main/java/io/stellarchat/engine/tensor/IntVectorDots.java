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
 * giving 8 exact int sums of four products each; where that sum itself fits in 16 bits (Q4_0, Q4_K, Q6_K: small
 * weights) one shift less does it, {@code (v + (v << 16)) >> 16} (the low half added into the high half, no carry
 * out of the low half). Per block these ints are converted to floats and added with one
 * fma by {@code d_w * d_x} into a float accumulator of 8 lanes; the lanes are summed at the end in a fixed order
 * ({@link VectorKernels#sumLanes}). K-quants do the same per group of 32 (Q4_K) or 16 (Q6_K) values with
 * {@code d_w * d_x * scale}.
 *
 * <p>Code shape, measured (interleaved best-of timing; this machine's timings swing 5x with the load of other
 * processes, so only side-by-side numbers mean anything): no vector value crosses a method of ours. C2 stops
 * inlining ordinary methods once a compilation's graph is large ({@code NodeCountInliningCutoff}; the Vector
 * API's own methods are force-inlined and exempt), and a helper taking or returning vectors that is not inlined
 * boxes them: the first Q6_K kernel, with small helpers, ran 5x slower than the float path. So each kernel
 * spells its vector operations out and takes and returns scalars and arrays only. K-quant kernels load the
 * quant bytes once per turn for all the groups that share them, with constant shift counts: one turn per
 * 16-value group with computed shifts ran 2.7x slower for Q6_K than this form.
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
    private static final VectorOperators.Conversion<Byte, Short> B2S = VectorOperators.B2S;
    private static final VectorOperators.Conversion<Integer, Float> I2F = VectorOperators.I2F;
    private static final VectorOperators.Binary ASHR = VectorOperators.ASHR;
    private static final VectorOperators.Binary LSHL = VectorOperators.LSHL;

    /** As {@link IntDots#quantize}, bit for bit: block maxima and scales are exact, the rounding is the same. */
    static void quantize(float[] x, QuantizedRows out, int rowStart, int rowEnd) {
        int bs = out.format.blockSize();
        int blocks = out.cols / bs;
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
            IntVector p = w0.mul(ShortVector.fromArray(S, q, xb)).add(w1.mul(ShortVector.fromArray(S, q, xb + 16)))
                    .reinterpretAsInts();
            IntVector sum = p.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p.lanewise(ASHR, 16));
            acc = ((FloatVector) sum.convertShape(I2F, F, 0))
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
            IntVector p = lo.mul(ShortVector.fromArray(S, q, xb)).add(hi.mul(ShortVector.fromArray(S, q, xb + 16)))
                    .reinterpretAsInts();
            IntVector sum = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
            acc = ((FloatVector) sum.convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, BlockDecoder.f16(s, off) * d[dOff + b]), acc);
        }
        return VectorKernels.sumLanes(acc);
    }

    /**
     * Weight rows {@code r} and {@code r + 1} of a Q4_0 tensor against activation row {@code xRow}: the activation
     * vectors and scale are loaded once for both rows; per pair exactly the operations of {@link #dotQ4_0}.
     * Results go to {@code out[outOff + r]} and {@code out[outOff + r + 1]}. (Q4_0 decode 7% faster; the same
     * for Q8_0, four weight loads per block, ran 2x slower and is not used.)
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
            IntVector p0 = v0.and((short) 0x0F).sub((short) 8).mul(x0)
                    .add(v0.lanewise(ASHR, 4).and((short) 0x0F).sub((short) 8).mul(x1)).reinterpretAsInts();
            IntVector p1 = v1.and((short) 0x0F).sub((short) 8).mul(x0)
                    .add(v1.lanewise(ASHR, 4).and((short) 0x0F).sub((short) 8).mul(x1)).reinterpretAsInts();
            a0 = ((FloatVector) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, BlockDecoder.f16(s, o0) * dx), a0);
            a1 = ((FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
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
            IntVector p0 = lo.mul(ShortVector.fromArray(S, q, x0 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x0 + e + 16))).reinterpretAsInts();
            IntVector p1 = lo.mul(ShortVector.fromArray(S, q, x1 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x1 + e + 16))).reinterpretAsInts();
            IntVector p2 = lo.mul(ShortVector.fromArray(S, q, x2 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x2 + e + 16))).reinterpretAsInts();
            IntVector p3 = lo.mul(ShortVector.fromArray(S, q, x3 + e))
                    .add(hi.mul(ShortVector.fromArray(S, q, x3 + e + 16))).reinterpretAsInts();
            a0 = ((FloatVector) p0.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p0.lanewise(ASHR, 16))
                    .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db]), a0);
            a1 = ((FloatVector) p1.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p1.lanewise(ASHR, 16))
                    .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + blocks]), a1);
            a2 = ((FloatVector) p2.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p2.lanewise(ASHR, 16))
                    .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 2 * blocks]), a2);
            a3 = ((FloatVector) p3.lanewise(LSHL, 16).lanewise(ASHR, 16).add(p3.lanewise(ASHR, 16))
                    .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, dw * d[db + 3 * blocks]), a3);
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

    // Q4_K x Q8_K, one turn per chunk c of 64 values (32 bytes of qs: low nibbles are sub-block 2c, high nibbles
    // sub-block 2c + 1): per sub-block the 32 products are summed in shorts over the two 16-lane halves
    // (|sum| <= 2 * 15 * 127 per lane), paired into ints, converted to floats and added with one fma by
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
                IntVector lo = v0.and((short) 0x0F).mul(ShortVector.fromArray(S, q, e))
                        .add(v1.and((short) 0x0F).mul(ShortVector.fromArray(S, q, e + 16))).reinterpretAsInts();
                IntVector hi = v0.lanewise(ASHR, 4).and((short) 0x0F).mul(ShortVector.fromArray(S, q, e + 32))
                        .add(v1.lanewise(ASHR, 4).and((short) 0x0F).mul(ShortVector.fromArray(S, q, e + 48)))
                        .reinterpretAsInts();
                acc = ((FloatVector) lo.add(lo.lanewise(LSHL, 16)).lanewise(ASHR, 16)
                        .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, scale[2 * c]), acc);
                acc = ((FloatVector) hi.add(hi.lanewise(LSHL, 16)).lanewise(ASHR, 16)
                        .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, scale[2 * c + 1]), acc);
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
                IntVector l0 = lo0.mul(ShortVector.fromArray(S, q, e0)).add(lo1.mul(ShortVector.fromArray(S, q, e0 + 16)))
                        .reinterpretAsInts();
                IntVector h0 = hi0.mul(ShortVector.fromArray(S, q, e0 + 32)).add(hi1.mul(ShortVector.fromArray(S, q, e0 + 48)))
                        .reinterpretAsInts();
                a0 = ((FloatVector) l0.add(l0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[0 * 8 + 2 * c]), a0);
                a0 = ((FloatVector) h0.add(h0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[0 * 8 + 2 * c + 1]), a0);
                IntVector l1 = lo0.mul(ShortVector.fromArray(S, q, e1)).add(lo1.mul(ShortVector.fromArray(S, q, e1 + 16)))
                        .reinterpretAsInts();
                IntVector h1 = hi0.mul(ShortVector.fromArray(S, q, e1 + 32)).add(hi1.mul(ShortVector.fromArray(S, q, e1 + 48)))
                        .reinterpretAsInts();
                a1 = ((FloatVector) l1.add(l1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[1 * 8 + 2 * c]), a1);
                a1 = ((FloatVector) h1.add(h1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[1 * 8 + 2 * c + 1]), a1);
                IntVector l2 = lo0.mul(ShortVector.fromArray(S, q, e2)).add(lo1.mul(ShortVector.fromArray(S, q, e2 + 16)))
                        .reinterpretAsInts();
                IntVector h2 = hi0.mul(ShortVector.fromArray(S, q, e2 + 32)).add(hi1.mul(ShortVector.fromArray(S, q, e2 + 48)))
                        .reinterpretAsInts();
                a2 = ((FloatVector) l2.add(l2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[2 * 8 + 2 * c]), a2);
                a2 = ((FloatVector) h2.add(h2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[2 * 8 + 2 * c + 1]), a2);
                IntVector l3 = lo0.mul(ShortVector.fromArray(S, q, e3)).add(lo1.mul(ShortVector.fromArray(S, q, e3 + 16)))
                        .reinterpretAsInts();
                IntVector h3 = hi0.mul(ShortVector.fromArray(S, q, e3 + 32)).add(hi1.mul(ShortVector.fromArray(S, q, e3 + 48)))
                        .reinterpretAsInts();
                a3 = ((FloatVector) l3.add(l3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                        .fma(FloatVector.broadcast(F, scale[3 * 8 + 2 * c]), a3);
                a3 = ((FloatVector) h3.add(h3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
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
    // minus 32 times the activation, paired into ints, converted, one fma by d * dx * scale.
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
            IntVector p0 = qlA.and((short) 0x0F).or(qh.and((short) 3).lanewise(LSHL, 4)).sub((short) 32)
                    .mul(ShortVector.fromArray(S, q, xe)).reinterpretAsInts();
            IntVector p1 = qlB.and((short) 0x0F).or(qh.and((short) 0x0C).lanewise(LSHL, 2)).sub((short) 32)
                    .mul(ShortVector.fromArray(S, q, xe + 32)).reinterpretAsInts();
            IntVector p2 = qlA.lanewise(ASHR, 4).and((short) 0x0F).or(qh.and((short) 0x30)).sub((short) 32)
                    .mul(ShortVector.fromArray(S, q, xe + 64)).reinterpretAsInts();
            IntVector p3 = qlB.lanewise(ASHR, 4).and((short) 0x0F).or(qh.lanewise(ASHR, 2).and((short) 0x30))
                    .sub((short) 32).mul(ShortVector.fromArray(S, q, xe + 96)).reinterpretAsInts();
            acc = ((FloatVector) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16)
                    .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, dd * s.get(BlockDecoder.I8, sc)), acc);
            acc = ((FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16)
                    .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, dd * s.get(BlockDecoder.I8, sc + 2)), acc);
            acc = ((FloatVector) p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16)
                    .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, dd * s.get(BlockDecoder.I8, sc + 4)), acc);
            acc = ((FloatVector) p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16)
                    .convertShape(I2F, F, 0)).fma(FloatVector.broadcast(F, dd * s.get(BlockDecoder.I8, sc + 6)), acc);
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
            IntVector p0 = w0.mul(ShortVector.fromArray(S, q, x0 + e)).reinterpretAsInts();
            IntVector p1 = w1.mul(ShortVector.fromArray(S, q, x0 + e + 32)).reinterpretAsInts();
            IntVector p2 = w2.mul(ShortVector.fromArray(S, q, x0 + e + 64)).reinterpretAsInts();
            IntVector p3 = w3.mul(ShortVector.fromArray(S, q, x0 + e + 96)).reinterpretAsInts();
            a0 = ((FloatVector) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s0), a0);
            a0 = ((FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s1), a0);
            a0 = ((FloatVector) p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s2), a0);
            a0 = ((FloatVector) p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s3), a0);
            dd = dw * d[d0 + blocks + b];
            p0 = w0.mul(ShortVector.fromArray(S, q, x1 + e)).reinterpretAsInts();
            p1 = w1.mul(ShortVector.fromArray(S, q, x1 + e + 32)).reinterpretAsInts();
            p2 = w2.mul(ShortVector.fromArray(S, q, x1 + e + 64)).reinterpretAsInts();
            p3 = w3.mul(ShortVector.fromArray(S, q, x1 + e + 96)).reinterpretAsInts();
            a1 = ((FloatVector) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s0), a1);
            a1 = ((FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s1), a1);
            a1 = ((FloatVector) p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s2), a1);
            a1 = ((FloatVector) p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s3), a1);
            dd = dw * d[d0 + 2 * blocks + b];
            p0 = w0.mul(ShortVector.fromArray(S, q, x2 + e)).reinterpretAsInts();
            p1 = w1.mul(ShortVector.fromArray(S, q, x2 + e + 32)).reinterpretAsInts();
            p2 = w2.mul(ShortVector.fromArray(S, q, x2 + e + 64)).reinterpretAsInts();
            p3 = w3.mul(ShortVector.fromArray(S, q, x2 + e + 96)).reinterpretAsInts();
            a2 = ((FloatVector) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s0), a2);
            a2 = ((FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s1), a2);
            a2 = ((FloatVector) p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s2), a2);
            a2 = ((FloatVector) p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s3), a2);
            dd = dw * d[d0 + 3 * blocks + b];
            p0 = w0.mul(ShortVector.fromArray(S, q, x3 + e)).reinterpretAsInts();
            p1 = w1.mul(ShortVector.fromArray(S, q, x3 + e + 32)).reinterpretAsInts();
            p2 = w2.mul(ShortVector.fromArray(S, q, x3 + e + 64)).reinterpretAsInts();
            p3 = w3.mul(ShortVector.fromArray(S, q, x3 + e + 96)).reinterpretAsInts();
            a3 = ((FloatVector) p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s0), a3);
            a3 = ((FloatVector) p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s1), a3);
            a3 = ((FloatVector) p2.add(p2.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
                    .fma(FloatVector.broadcast(F, dd * s2), a3);
            a3 = ((FloatVector) p3.add(p3.lanewise(LSHL, 16)).lanewise(ASHR, 16).convertShape(I2F, F, 0))
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
