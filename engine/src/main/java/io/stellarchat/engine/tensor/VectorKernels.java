package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels. The float species is fixed per subclass (the CPU's preferred one in production,
 * a smaller one in tests), so one instance always computes the same way.
 *
 * <p>Paths: F32 rows are read straight from the segment as float vectors; for {@link #dot} and {@link #matVec},
 * Q8_0 and Q4_0 blocks are widened from byte vectors to float vectors in registers (int8 or nibble, then one
 * multiply by the block scale); every other type is decoded into a per-thread float buffer (with vector code
 * for Q8_0, Q4_0, Q4_K, Q6_K, bit-identical to {@link BlockDecoder}) and dotted with vectors.
 * {@link #matMul} reads each weight row once for all activation rows: it decodes the row once into the buffer
 * and dots it with tiles of {@value #TILE} activation rows, loading each weight vector once per tile (for fewer
 * than {@value #TILE} activation rows, fused types dot the row, still in L1, with each activation row).
 *
 * <p>The species must be a compile-time constant for C2 to turn vector code into vector instructions (a
 * species read from an instance field runs several times slower than scalar code). So the species comes from
 * {@link #species()}, which each subclass answers with a {@code static final}; a process normally loads one
 * subclass, the call is then monomorphic, inlined, and the species a constant. Tests that mix species still
 * compute correctly, only slower.
 *
 * <p>Thread-safety: the only state is a per-thread decode buffer.
 */
abstract sealed class VectorKernels implements Kernels {
    static final int TILE = 4;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final RowBuffer scratch = new RowBuffer(1024);

    /** The float species of every vector operation; a constant per subclass. */
    abstract VectorSpecies<Float> species();

    /** Kernels over the species of {@code shape}. */
    static VectorKernels of(VectorShape shape) {
        return switch (shape) {
            case S_128_BIT -> new Bits128();
            case S_256_BIT -> new Bits256();
            case S_512_BIT -> new Bits512();
            default -> shape == VectorShape.preferredShape() ? new Preferred() : new Bits64();
        };
    }

    static final class Bits128 extends VectorKernels {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_128;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }
    }

    static final class Bits256 extends VectorKernels {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }
    }

    static final class Bits512 extends VectorKernels {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }
    }

    static final class Bits64 extends VectorKernels {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_64;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }
    }

    /** A preferred shape other than 128/256/512 bits (e.g. a wide SVE machine). */
    static final class Preferred extends VectorKernels {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }
    }

    @Override
    public String description() {
        return "vector (" + species().vectorBitSize() + "-bit, " + species().length() + " floats)";
    }

    @Override
    public FloatOps ops() {
        return FloatOps.vector(this);
    }

    @Override
    public float dot(Tensor w, int row, float[] x, int xOff) {
        TensorChecks.checkWeights(w);
        TensorChecks.checkRow(w, row);
        TensorChecks.checkSpan(w, "activations", x, xOff, w.cols());
        return dotRow(w, row, x, xOff);
    }

    private float dotRow(Tensor w, int row, float[] x, int xOff) {
        long base = row * w.rowBytes();
        int cols = w.cols();
        GgmlType type = w.type();
        if (type == GgmlType.F32) {
            return dotF32(w.data(), base, x, xOff, cols);
        }
        boolean widen = species().length() >= 4 && species().length() <= 16;
        if (widen && type == GgmlType.Q8_0) {
            return dotQ8_0(w.data(), base, x, xOff, cols / 32);
        }
        if (widen && type == GgmlType.Q4_0) {
            return dotQ4_0(w.data(), base, x, xOff, cols / 32);
        }
        float[] buf = scratch.get(cols);
        decode(type, w.data(), base, cols, buf, 0);
        return dot(buf, 0, x, xOff, cols);
    }

    /**
     * Decodes like {@link BlockDecoder#decode} (bit for bit: the same float operations per element), with vector
     * code for Q8_0, Q4_0, Q4_K and Q6_K when the species has 4 to 16 lanes.
     */
    void decode(GgmlType type, MemorySegment s, long off, int n, float[] dst, int o) {
        int lanes = species().length();
        if (lanes < 4 || lanes > 16) {
            BlockDecoder.decode(type, s, off, n, dst, o);
            return;
        }
        switch (type) {
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long bo = off + 34L * b;
                    float d = BlockDecoder.f16(s, bo);
                    put16(load16(s, bo + 2), d, dst, o + 32 * b);
                    put16(load16(s, bo + 18), d, dst, o + 32 * b + 16);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long bo = off + 18L * b;
                    float d = BlockDecoder.f16(s, bo);
                    ByteVector q = load16(s, bo + 2);
                    put16(q.and((byte) 0x0F).sub((byte) 8), d, dst, o + 32 * b);
                    put16(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8), d, dst, o + 32 * b + 16);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < n / 256; b++) {
                    decodeQ4_K(s, off + 144L * b, dst, o + 256 * b);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) {
                    decodeQ6_K(s, off + 210L * b, dst, o + 256 * b);
                }
            }
            default -> BlockDecoder.decode(type, s, off, n, dst, o);
        }
    }

    private static ByteVector load16(MemorySegment s, long off) {
        return ByteVector.fromMemorySegment(ByteVector.SPECIES_128, s, off, LE);
    }

    // dst[o + i] = q[i] * scale for the 16 byte lanes of q.
    private void put16(ByteVector q, float scale, float[] dst, int o) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        for (int p = 0; p < 16 / lanes; p++) {
            ((FloatVector) q.convertShape(VectorOperators.B2F, species, p)).mul(scale).intoArray(dst, o + p * lanes);
        }
    }

    // dst[o + i] = scale * q[i] - min for the 16 byte lanes of q (q >= 0).
    private void put16(ByteVector q, float scale, float min, float[] dst, int o) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        for (int p = 0; p < 16 / lanes; p++) {
            ((FloatVector) q.convertShape(VectorOperators.B2F, species, p)).mul(scale).sub(min)
                    .intoArray(dst, o + p * lanes);
        }
    }

    // Q4_K: chunk c of 64 elements = 32 bytes of qs; low nibbles sub-block 2c, high nibbles sub-block 2c+1.
    private void decodeQ4_K(MemorySegment s, long off, float[] dst, int o) {
        float d = BlockDecoder.f16(s, off);
        float dmin = BlockDecoder.f16(s, off + 2);
        for (int c = 0; c < 4; c++) {
            float d1 = d * BlockDecoder.kScale(s, off + 4, 2 * c);
            float m1 = dmin * BlockDecoder.kMin(s, off + 4, 2 * c);
            float d2 = d * BlockDecoder.kScale(s, off + 4, 2 * c + 1);
            float m2 = dmin * BlockDecoder.kMin(s, off + 4, 2 * c + 1);
            for (int half = 0; half < 2; half++) {
                ByteVector q = load16(s, off + 16 + 32L * c + 16 * half);
                int e = o + 64 * c + 16 * half;
                put16(q.and((byte) 0x0F), d1, m1, dst, e);
                put16(q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F), d2, m2, dst, e + 32);
            }
        }
    }

    // Q6_K: element 128h + 32k + 16g + i takes its low nibble from ql[64h + 32(k&1) + 16g + i] (high nibble
    // when k >= 2) and its top 2 bits from bits 2k of qh[32h + 16g + i]; q - 32 times d * scales[e / 16].
    private void decodeQ6_K(MemorySegment s, long off, float[] dst, int o) {
        float d = BlockDecoder.f16(s, off + 208);
        for (int h = 0; h < 2; h++) {
            for (int g = 0; g < 2; g++) {
                ByteVector ql0 = load16(s, off + 64L * h + 16 * g);
                ByteVector ql1 = load16(s, off + 64L * h + 32 + 16 * g);
                ByteVector qh = load16(s, off + 128 + 32L * h + 16 * g);
                for (int k = 0; k < 4; k++) {
                    ByteVector ql = (k & 1) == 0 ? ql0 : ql1;
                    ByteVector low = k < 2 ? ql.and((byte) 0x0F) : ql.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                    ByteVector high = qh.lanewise(VectorOperators.LSHR, 2 * k).and((byte) 3)
                            .lanewise(VectorOperators.LSHL, 4);
                    int e = 128 * h + 32 * k + 16 * g;
                    float dl = d * s.get(BlockDecoder.I8, off + 192 + e / 16);
                    put16(low.or(high).sub((byte) 32), dl, dst, o + e);
                }
            }
        }
    }

    /** a[aOff ..) . b[bOff ..) over n floats, two vector accumulators then a scalar tail. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc0 = FloatVector.zero(species);
        FloatVector acc1 = FloatVector.zero(species);
        int upper = species.loopBound(n);
        int i = 0;
        for (; i + 2 * lanes <= upper; i += 2 * lanes) {
            acc0 = FloatVector.fromArray(species, a, aOff + i)
                    .fma(FloatVector.fromArray(species, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(species, a, aOff + i + lanes)
                    .fma(FloatVector.fromArray(species, b, bOff + i + lanes), acc1);
        }
        for (; i < upper; i += lanes) {
            acc0 = FloatVector.fromArray(species, a, aOff + i).fma(FloatVector.fromArray(species, b, bOff + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    private float dotF32(MemorySegment s, long base, float[] x, int xOff, int n) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc0 = FloatVector.zero(species);
        FloatVector acc1 = FloatVector.zero(species);
        int upper = species.loopBound(n);
        int i = 0;
        for (; i + 2 * lanes <= upper; i += 2 * lanes) {
            acc0 = FloatVector.fromMemorySegment(species, s, base + 4L * i, LE)
                    .fma(FloatVector.fromArray(species, x, xOff + i), acc0);
            acc1 = FloatVector.fromMemorySegment(species, s, base + 4L * (i + lanes), LE)
                    .fma(FloatVector.fromArray(species, x, xOff + i + lanes), acc1);
        }
        for (; i < upper; i += lanes) {
            acc0 = FloatVector.fromMemorySegment(species, s, base + 4L * i, LE)
                    .fma(FloatVector.fromArray(species, x, xOff + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += s.get(BlockDecoder.LEF32, base + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    // Q8_0 block (d f16 | int8[32]): two 16-byte loads, each widened part by part to float lanes;
    // the block's sum of q*x is scaled by d once.
    private float dotQ8_0(MemorySegment s, long base, float[] x, int xOff, int blocks) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc = FloatVector.zero(species);
        int parts = 16 / lanes;
        for (int b = 0; b < blocks; b++) {
            long off = base + 34L * b;
            int xo = xOff + 32 * b;
            FloatVector blk = FloatVector.zero(species);
            for (int half = 0; half < 2; half++) {
                ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, s, off + 2 + 16 * half, LE);
                for (int p = 0; p < parts; p++) {
                    FloatVector qf = (FloatVector) q.convertShape(VectorOperators.B2F, species, p);
                    blk = qf.fma(FloatVector.fromArray(species, x, xo + 16 * half + p * lanes), blk);
                }
            }
            acc = blk.fma(FloatVector.broadcast(species, BlockDecoder.f16(s, off)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    // Q4_0 block (d f16 | qs[16]): low nibbles are elements 0..15, high nibbles 16..31, both minus 8.
    private float dotQ4_0(MemorySegment s, long base, float[] x, int xOff, int blocks) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc = FloatVector.zero(species);
        int parts = 16 / lanes;
        for (int b = 0; b < blocks; b++) {
            long off = base + 18L * b;
            int xo = xOff + 32 * b;
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, s, off + 2, LE);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
            FloatVector blk = FloatVector.zero(species);
            for (int p = 0; p < parts; p++) {
                FloatVector lf = (FloatVector) lo.convertShape(VectorOperators.B2F, species, p);
                FloatVector hf = (FloatVector) hi.convertShape(VectorOperators.B2F, species, p);
                blk = lf.fma(FloatVector.fromArray(species, x, xo + p * lanes), blk);
                blk = hf.fma(FloatVector.fromArray(species, x, xo + 16 + p * lanes), blk);
            }
            acc = blk.fma(FloatVector.broadcast(species, BlockDecoder.f16(s, off)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void matVec(Tensor w, float[] x, int xOff, float[] out, int outOff, int rowStart, int rowEnd) {
        TensorChecks.checkWeights(w);
        TensorChecks.checkRowRange(w, rowStart, rowEnd);
        TensorChecks.checkSpan(w, "activations", x, xOff, w.cols());
        TensorChecks.checkSpan(w, "output", out, (long) outOff + rowStart, rowEnd - rowStart);
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOff + r] = dotRow(w, r, x, xOff);
        }
    }

    @Override
    public void matMul(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        TensorChecks.checkMatMul(w, x, n, out, rowStart, rowEnd);
        int cols = w.cols();
        int rows = w.rows();
        GgmlType type = w.type();
        int lanes = species().length();
        boolean fused = type == GgmlType.F32 || (lanes >= 4 && lanes <= 16 && (type == GgmlType.Q8_0 || type == GgmlType.Q4_0));
        if (fused && n < TILE) {
            // Row-outer: the weight row (a few KB) stays in L1 while each activation row reads it.
            for (int r = rowStart; r < rowEnd; r++) {
                for (int i = 0; i < n; i++) {
                    out[i * rows + r] = dotRow(w, r, x, i * cols);
                }
            }
            return;
        }
        float[] buf = scratch.get(cols); // (cols): one decoded weight row, reused by all n activation rows
        for (int r = rowStart; r < rowEnd; r++) {
            decode(type, w.data(), r * w.rowBytes(), cols, buf, 0);
            int i = 0;
            for (; i + TILE <= n; i += TILE) {
                dot4(buf, x, i * cols, cols, out, i * rows + r, rows);
            }
            for (; i < n; i++) {
                out[i * rows + r] = dot(buf, 0, x, i * cols, cols);
            }
        }
    }

    // One decoded weight row w[0 .. cols) against four activation rows x[xOff + j*cols ..), j = 0..3: each weight
    // vector is loaded once for four products. Results go to out[outOff + j*outStride].
    private void dot4(float[] w, float[] x, int xOff, int cols, float[] out, int outOff, int outStride) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector a0 = FloatVector.zero(species);
        FloatVector a1 = FloatVector.zero(species);
        FloatVector a2 = FloatVector.zero(species);
        FloatVector a3 = FloatVector.zero(species);
        int upper = species.loopBound(cols);
        int k = 0;
        for (; k < upper; k += lanes) {
            FloatVector wv = FloatVector.fromArray(species, w, k);
            a0 = FloatVector.fromArray(species, x, xOff + k).fma(wv, a0);
            a1 = FloatVector.fromArray(species, x, xOff + cols + k).fma(wv, a1);
            a2 = FloatVector.fromArray(species, x, xOff + 2 * cols + k).fma(wv, a2);
            a3 = FloatVector.fromArray(species, x, xOff + 3 * cols + k).fma(wv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) {
            float wk = w[k];
            s0 += wk * x[xOff + k];
            s1 += wk * x[xOff + cols + k];
            s2 += wk * x[xOff + 2 * cols + k];
            s3 += wk * x[xOff + 3 * cols + k];
        }
        out[outOff] = s0;
        out[outOff + outStride] = s1;
        out[outOff + 2 * outStride] = s2;
        out[outOff + 3 * outStride] = s3;
    }

    @Override
    public void dequantizeRow(Tensor w, int row, float[] dst, int dstOff) {
        TensorChecks.checkWeights(w);
        TensorChecks.checkRow(w, row);
        TensorChecks.checkSpan(w, "destination", dst, dstOff, w.cols());
        decode(w.type(), w.data(), row * w.rowBytes(), w.cols(), dst, dstOff);
    }
}
