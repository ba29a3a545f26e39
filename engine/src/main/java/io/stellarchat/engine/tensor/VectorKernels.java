package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels. The float species is fixed at construction (the CPU's preferred one in production,
 * a smaller one in tests), so one instance always computes the same way.
 *
 * <p>Paths: F32 rows are read straight from the segment as float vectors; Q8_0 and Q4_0 blocks are widened
 * from byte vectors to float vectors in registers (int8 or nibble, then one multiply by the block scale);
 * every other type is decoded by {@link BlockDecoder} into a per-thread float buffer and dotted with vectors.
 * {@link #matMul} decodes a tile of {@value #TILE} weight rows once and reuses it for all activation rows.
 *
 * <p>Thread-safety: the only state is a per-thread decode buffer; the species is immutable.
 */
final class VectorKernels implements Kernels {
    static final int TILE = 4;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final VectorSpecies<Float> species;
    private final int lanes;
    /** Whether int8 blocks can be widened from one 128-bit byte vector (4 to 16 float lanes). */
    private final boolean widen;
    private final FloatOps ops;
    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[1024]);

    VectorKernels(VectorSpecies<Float> species) {
        this.species = species;
        this.lanes = species.length();
        this.widen = lanes >= 4 && lanes <= 16;
        this.ops = FloatOps.vector(species);
    }

    private float[] scratch(int size) {
        float[] buf = scratch.get();
        if (buf.length < size) {
            buf = new float[size];
            scratch.set(buf);
        }
        return buf;
    }

    @Override
    public String description() {
        return "vector (" + species.vectorBitSize() + "-bit, " + lanes + " floats)";
    }

    @Override
    public FloatOps ops() {
        return ops;
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
        if (widen && type == GgmlType.Q8_0) {
            return dotQ8_0(w.data(), base, x, xOff, cols / 32);
        }
        if (widen && type == GgmlType.Q4_0) {
            return dotQ4_0(w.data(), base, x, xOff, cols / 32);
        }
        float[] buf = scratch(cols);
        BlockDecoder.decode(type, w.data(), base, cols, buf, 0);
        return dot(buf, 0, x, xOff, cols);
    }

    /** a[aOff ..) . b[bOff ..) over n floats, two vector accumulators then a scalar tail. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n) {
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
        if (n == 1) {
            matVec(w, x, 0, out, 0, rowStart, rowEnd);
            return;
        }
        int cols = w.cols();
        int rows = w.rows();
        float[] buf = scratch(TILE * cols); // (TILE, cols): the decoded weight rows of one tile
        int r = rowStart;
        for (; r + TILE <= rowEnd; r += TILE) {
            BlockDecoder.decode(w.type(), w.data(), r * w.rowBytes(), TILE * cols, buf, 0);
            for (int i = 0; i < n; i++) {
                dot4(buf, cols, x, i * cols, out, i * rows + r);
            }
        }
        for (; r < rowEnd; r++) {
            BlockDecoder.decode(w.type(), w.data(), r * w.rowBytes(), cols, buf, 0);
            for (int i = 0; i < n; i++) {
                out[i * rows + r] = dot(buf, 0, x, i * cols, cols);
            }
        }
    }

    // Four decoded weight rows (w[0..4*cols), row-major) against one activation row: each x vector is loaded once.
    private void dot4(float[] w, int cols, float[] x, int xOff, float[] out, int outOff) {
        FloatVector a0 = FloatVector.zero(species);
        FloatVector a1 = FloatVector.zero(species);
        FloatVector a2 = FloatVector.zero(species);
        FloatVector a3 = FloatVector.zero(species);
        int upper = species.loopBound(cols);
        int k = 0;
        for (; k < upper; k += lanes) {
            FloatVector xv = FloatVector.fromArray(species, x, xOff + k);
            a0 = FloatVector.fromArray(species, w, k).fma(xv, a0);
            a1 = FloatVector.fromArray(species, w, cols + k).fma(xv, a1);
            a2 = FloatVector.fromArray(species, w, 2 * cols + k).fma(xv, a2);
            a3 = FloatVector.fromArray(species, w, 3 * cols + k).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) {
            float xk = x[xOff + k];
            s0 += w[k] * xk;
            s1 += w[cols + k] * xk;
            s2 += w[2 * cols + k] * xk;
            s3 += w[3 * cols + k] * xk;
        }
        out[outOff] = s0;
        out[outOff + 1] = s1;
        out[outOff + 2] = s2;
        out[outOff + 3] = s3;
    }

    @Override
    public void dequantizeRow(Tensor w, int row, float[] dst, int dstOff) {
        TensorChecks.checkWeights(w);
        TensorChecks.checkRow(w, row);
        TensorChecks.checkSpan(w, "destination", dst, dstOff, w.cols());
        BlockDecoder.decode(w.type(), w.data(), row * w.rowBytes(), w.cols(), dst, dstOff);
    }
}
