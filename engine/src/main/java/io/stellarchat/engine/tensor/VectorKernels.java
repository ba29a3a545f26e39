package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels. The float species is fixed per subclass (the CPU's preferred one in production,
 * a smaller one in tests), so one instance always computes the same way.
 *
 * <p>Paths: F32 rows are read straight from the segment as float vectors; for {@link #dot} and {@link #matVec},
 * Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K and BF16 are widened from byte (or short) vectors to float vectors in registers;
 * F16 rows are widened into the per-thread float buffer by an auto-vectorised loop ({@link #widenF16}) and then
 * dotted; every other type is decoded by {@link BlockDecoder} into a per-thread float buffer and dotted with vectors.
 * {@link #matMul} is batch-invariant (row i of a batch is bit-identical to {@link #matVec} of row i): fused types
 * run their fused dot per (weight row, activation row) pair, weight row outer (the row stays in L1); the others
 * decode each weight row once and dot it with tiles of {@value #TILE} activation rows, with per row the very
 * operations of the single dot. Integer kernels over {@link QuantizedRows} are in {@link IntVectorDots}.
 *
 * <p>Widening keeps lane counts equal: a float species of L lanes pairs with the byte species of L lanes
 * ({@link #bytes()}: 64-bit bytes for 256-bit floats, 128-bit bytes for 512-bit floats), and every conversion is
 * {@code convertShape(B2F | B2I, species, 0)} between them. Nibbles and bit fields are split after widening to
 * int lanes ({@code B2I}, then {@code I2F}): x86 has no byte shifts and C2 emulates them. C2 intrinsifies only such casts; the previous
 * 16-byte-to-8-float {@code convertShape} with a part index fell back to Java code ({@code AbstractVector
 * .defaultCast}) and made the vector path 3-4x slower than scalar. Float species of 128 bits or less have no
 * byte species of their lane count and decode with {@link BlockDecoder} (correct, not fast; production uses the
 * preferred species, 256 or 512 bits on x86).
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

    /**
     * Sum of the lanes, left to right. {@code reduceLanes(ADD)} may add float lanes in any order, and does add
     * them in different orders in interpreted and in C2-compiled code, so the same request gave logits that
     * differed in the last bits until the JIT settled (and a seeded sample could differ). A fixed order costs a
     * few lane extractions per dot product.
     */
    static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /**
     * Sum of {@code a}, left to right from {@code 0f}: the order of {@link #sumLanes}, so {@code v.intoArray(a, 0)}
     * then {@code sumArray(a)} equals {@code sumLanes(v)} bit for bit. For the tile kernels: C2 stops inlining
     * there ({@code NodeCountInliningCutoff} on {@code sumLanes} in {@code -XX:+PrintInlining}), and a vector
     * handed to a method it did not inline is boxed and read lane by lane (4% of an 8-row decode step in a
     * profile); an array crosses the call for free.
     */
    static float sumArray(float[] a) {
        float s = 0f;
        for (float v : a) {
            s += v;
        }
        return s;
    }

    static final int TILE = 4;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final RowBuffer scratch = new RowBuffer(1024);
    private final ActivationPrecision activations;

    VectorKernels(ActivationPrecision activations) {
        this.activations = activations;
    }

    /** The float species of every vector operation; a constant per subclass. */
    abstract VectorSpecies<Float> species();

    /**
     * The byte species with as many lanes as {@link #species()} (64-bit bytes for 256-bit floats), or null when
     * there is none (floats of 128 bits or less): then quantized rows are decoded by {@link BlockDecoder}.
     */
    abstract VectorSpecies<Byte> bytes();

    /** The short species with as many lanes as {@link #species()}; only called when {@link #bytes()} is not null. */
    abstract VectorSpecies<Short> shorts();

    /** The int species of {@link #species()}'s shape. */
    abstract VectorSpecies<Integer> ints();

    /** Kernels over the species of {@code shape}. */
    static VectorKernels of(VectorShape shape, ActivationPrecision activations) {
        return switch (shape) {
            case S_128_BIT -> new Bits128(activations);
            case S_256_BIT -> new Bits256(activations);
            case S_512_BIT -> new Bits512(activations);
            default -> shape == VectorShape.preferredShape() ? new Preferred(activations) : new Bits64(activations);
        };
    }

    static final class Bits128 extends VectorKernels {
        Bits128(ActivationPrecision activations) {
            super(activations);
        }

        private static final VectorSpecies<Float> S = FloatVector.SPECIES_128;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }

        @Override
        VectorSpecies<Byte> bytes() {
            return null;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return null;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return IntVector.SPECIES_128;
        }
    }

    static final class Bits256 extends VectorKernels {
        Bits256(ActivationPrecision activations) {
            super(activations);
        }

        private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }

        @Override
        VectorSpecies<Byte> bytes() {
            return ByteVector.SPECIES_64;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return ShortVector.SPECIES_128;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return IntVector.SPECIES_256;
        }
    }

    static final class Bits512 extends VectorKernels {
        Bits512(ActivationPrecision activations) {
            super(activations);
        }

        private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }

        @Override
        VectorSpecies<Byte> bytes() {
            return ByteVector.SPECIES_128;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return ShortVector.SPECIES_256;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return IntVector.SPECIES_512;
        }
    }

    static final class Bits64 extends VectorKernels {
        Bits64(ActivationPrecision activations) {
            super(activations);
        }

        private static final VectorSpecies<Float> S = FloatVector.SPECIES_64;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }

        @Override
        VectorSpecies<Byte> bytes() {
            return null;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return null;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return IntVector.SPECIES_64;
        }
    }

    /** A preferred shape other than 128/256/512 bits (e.g. a wide SVE machine). */
    static final class Preferred extends VectorKernels {
        Preferred(ActivationPrecision activations) {
            super(activations);
        }

        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final VectorSpecies<Byte> B = S.length() == 8 || S.length() == 16
                ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * S.length())) : null;
        private static final VectorSpecies<Short> SH = B == null ? null
                : VectorSpecies.of(short.class, VectorShape.forBitSize(16 * S.length()));
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

        @Override
        VectorSpecies<Float> species() {
            return S;
        }

        @Override
        VectorSpecies<Byte> bytes() {
            return B;
        }

        @Override
        VectorSpecies<Short> shorts() {
            return SH;
        }

        @Override
        VectorSpecies<Integer> ints() {
            return I;
        }
    }

    @Override
    public String kernelSet() {
        return "java-" + species().vectorBitSize();
    }

    @Override
    public String description() {
        return "vector (" + species().vectorBitSize() + "-bit, " + species().length() + " floats), "
                + activations.name().toLowerCase(java.util.Locale.ROOT) + " activations"
                + (ints512() ? ", 512-bit integer kernels" : wideInts() ? ", 256-bit integer kernels"
                        : " (scalar integer kernels)");
    }

    @Override
    public ActivationPrecision activations() {
        return activations;
    }

    @Override
    public Kernels withActivations(ActivationPrecision precision) {
        return of(species().vectorShape(), precision);
    }

    /**
     * Whether the integer kernels run as vectors ({@link IntVectorDots}, fixed 256-bit shapes): when the float
     * species has 256 bits or more. Narrower CPUs run the scalar {@link IntDots} (same results up to the float
     * summation order).
     */
    private boolean wideInts() {
        return species().vectorBitSize() >= 256;
    }

    /**
     * Whether the integer kernels convert 16 short products straight to 16 floats ({@link IntVectorDots512}): when
     * the float species has 512 bits (AVX-512). A 256-bit species runs {@link IntVectorDots}.
     */
    private boolean ints512() {
        return species().vectorBitSize() >= 512;
    }

    @Override
    public QuantizedRows quantize(QuantizedRows.Format format, float[] x, int n, int cols) {
        TensorChecks.checkQuantize(format, x, n, cols);
        QuantizedRows out = new QuantizedRows(format, n, cols);
        if (wideInts()) {
            IntVectorDots.quantize(x, out, 0, n);
        } else {
            IntDots.quantize(x, out, 0, n);
        }
        return out;
    }

    @Override
    public float dot(Tensor w, int row, QuantizedRows x, int xRow) {
        TensorChecks.checkQuantized(w, x);
        TensorChecks.checkRow(w, row);
        TensorChecks.checkActivationRow(w, x, xRow);
        return intDot(w, row, x, xRow);
    }

    private float intDot(Tensor w, int row, QuantizedRows x, int xRow) {
        if (ints512()) {
            return IntVectorDots512.dot(w, row, x, xRow);
        }
        return wideInts() ? IntVectorDots.dot(w, row, x, xRow) : IntDots.dot(w, row, x, xRow);
    }

    @Override
    public void matVec(Tensor w, QuantizedRows x, int xRow, float[] out, int outOff, int rowStart, int rowEnd) {
        TensorChecks.checkQuantized(w, x);
        TensorChecks.checkRowRange(w, rowStart, rowEnd);
        TensorChecks.checkActivationRow(w, x, xRow);
        TensorChecks.checkSpan(w, "output", out, (long) outOff + rowStart, rowEnd - rowStart);
        int r = rowStart;
        if (wideInts() && w.type() == GgmlType.Q4_0) {
            for (; r + 2 <= rowEnd; r += 2) { // bit-identical to two intDot calls
                if (ints512()) {
                    IntVectorDots512.matVec2Q4_0(w, r, x, xRow, out, outOff);
                } else {
                    IntVectorDots.matVec2Q4_0(w, r, x, xRow, out, outOff);
                }
            }
        }
        for (; r < rowEnd; r++) {
            out[outOff + r] = intDot(w, r, x, xRow);
        }
    }

    @Override
    public void matMul(Tensor w, QuantizedRows x, float[] out, int rowStart, int rowEnd) {
        TensorChecks.checkQuantized(w, x);
        TensorChecks.checkRowRange(w, rowStart, rowEnd);
        int rows = w.rows();
        int n = x.rows();
        TensorChecks.checkSpan(w, "output", out, 0, (long) n * rows);
        boolean tiled = wideInts() && (w.type() == GgmlType.Q8_0 || w.type() == GgmlType.Q4_0);
        boolean tiledK = wideInts() && w.type() == GgmlType.Q4_K;
        boolean tiled6 = wideInts() && w.type() == GgmlType.Q6_K;
        boolean w512 = ints512();
        for (int r = rowStart; r < rowEnd; r++) {
            int i = 0;
            if (tiled) {
                if (w512) {
                    for (; i + 2 * TILE <= n; i += 2 * TILE) {
                        IntVectorDots512.matMul8(w, r, x, i, out, rows);
                    }
                }
                for (; i + TILE <= n; i += TILE) {
                    if (w512) {
                        IntVectorDots512.matMul4(w, r, x, i, out, rows);
                    } else {
                        IntVectorDots.matMul4(w, r, x, i, out, rows);
                    }
                }
            } else if (tiledK) {
                for (; i + TILE <= n; i += TILE) {
                    if (w512) {
                        IntVectorDots512.matMul4Q4_K(w, r, x, i, out, rows);
                    } else {
                        IntVectorDots.matMul4Q4_K(w, r, x, i, out, rows);
                    }
                }
            } else if (tiled6) {
                for (; i + TILE <= n; i += TILE) {
                    if (w512) {
                        IntVectorDots512.matMul4Q6_K(w, r, x, i, out, rows);
                    } else {
                        IntVectorDots.matMul4Q6_K(w, r, x, i, out, rows);
                    }
                }
            }
            // Row-outer: the weight row (a few KB) stays in L1 while each remaining activation row reads it.
            for (; i < n; i++) {
                out[i * rows + r] = intDot(w, r, x, i);
            }
        }
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
        if (bytes() != null) {
            switch (type) {
                case Q8_0 -> {
                    return dotQ8_0(w.data(), base, x, xOff, cols / 32);
                }
                case Q4_0 -> {
                    return dotQ4_0(w.data(), base, x, xOff, cols / 32);
                }
                case Q4_K -> {
                    return dotQ4_K(w.data(), base, x, xOff, cols / 256, false);
                }
                case Q5_K -> {
                    return dotQ4_K(w.data(), base, x, xOff, cols / 256, true);
                }
                case Q6_K -> {
                    return dotQ6_K(w.data(), base, x, xOff, cols / 256);
                }
                case F16 -> {
                    float[] buf = scratch.get(cols);
                    widenF16(w.data(), base, cols, buf, 0);
                    return dot(buf, 0, x, xOff, cols);
                }
                case BF16 -> {
                    return dotBF16(w.data(), base, x, xOff, cols);
                }
                case Q4_1 -> {
                    return dotQ4_5(w.data(), base, x, xOff, cols / 32, 20, 4, -1, true, 0);
                }
                case Q5_0 -> {
                    return dotQ4_5(w.data(), base, x, xOff, cols / 32, 22, 6, 2, false, 16);
                }
                case Q5_1 -> {
                    return dotQ4_5(w.data(), base, x, xOff, cols / 32, 24, 8, 4, true, 0);
                }
                default -> { }
            }
        }
        float[] buf = scratch.get(cols);
        decode(type, w.data(), base, cols, buf, 0);
        return dot(buf, 0, x, xOff, cols);
    }

    /**
     * Decodes like {@link BlockDecoder#decode} (bit for bit: the same float operations per element), with vector
     * code for Q8_0, Q4_0, Q4_K, Q6_K, F16 and BF16 when a byte species of the float lane count exists.
     */
    void decode(GgmlType type, MemorySegment s, long off, int n, float[] dst, int o) {
        if (bytes() == null) {
            BlockDecoder.decode(type, s, off, n, dst, o);
            return;
        }
        int lanes = species().length();
        switch (type) {
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long bo = off + 34L * b;
                    float d = BlockDecoder.f16(s, bo);
                    for (int p = 0; p < 32; p += lanes) {
                        widen(loadBytes(s, bo + 2 + p)).mul(d).intoArray(dst, o + 32 * b + p);
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long bo = off + 18L * b;
                    float d = BlockDecoder.f16(s, bo);
                    for (int p = 0; p < 16; p += lanes) {
                        IntVector q = loadInts(s, bo + 2 + p);
                        toFloats(q.and(0x0F).sub(8)).mul(d).intoArray(dst, o + 32 * b + p);
                        toFloats(q.lanewise(VectorOperators.LSHR, 4).and(0x0F).sub(8)).mul(d)
                                .intoArray(dst, o + 32 * b + 16 + p);
                    }
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
            case F16 -> widenF16(s, off, n, dst, o);
            case BF16 -> {
                int i = 0;
                for (; i + lanes <= n; i += lanes) {
                    bf16ToFloat(s, off + 2L * i).intoArray(dst, o + i);
                }
                BlockDecoder.decode(type, s, off + 2L * i, n - i, dst, o + i);
            }
            default -> BlockDecoder.decode(type, s, off, n, dst, o);
        }
    }

    /** {@code lanes} bytes from {@code off}, as a byte vector of the float lane count. */
    private ByteVector loadBytes(MemorySegment s, long off) {
        return ByteVector.fromMemorySegment(bytes(), s, off, LE);
    }

    /**
     * Signed bytes to floats, lane for lane. The lane counts are equal, so C2 compiles this to one
     * sign-extension and one int-to-float conversion; a lane-count-changing {@code convertShape} with a part
     * index is not intrinsified and runs the Java fallback (tens of times slower).
     */
    private FloatVector widen(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, species(), 0);
    }

    /** {@code lanes} BF16 values from {@code off} as floats: the 16 bits are a float's upper half. */
    private FloatVector bf16ToFloat(MemorySegment s, long off) {
        IntVector bits = (IntVector) ShortVector.fromMemorySegment(shorts(), s, off, LE)
                .convertShape(VectorOperators.S2I, ints(), 0);
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * {@code dst[dstOff ..+n) = Float.float16ToFloat(src[off ..+n))}, bit for bit (the KV cache's F16 entries as
     * attention reads them).
     */
    void widenHalves(short[] src, int off, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src[off + i]);
        }
    }

    /**
     * {@code dst[o ..+n) = Float.float16ToFloat} of the {@code n} F16 values at {@code off}, bit for bit. A plain
     * counted loop on purpose: C2's auto-vectoriser (SuperWord) compiles {@code Float.float16ToFloat} over a
     * loop into {@code vcvtph2ps} (JDK 21+; the Vector API of JDK 25 has no F16 conversion), which measured
     * +52% over the bit-trick widening in registers for a dot product (widen a row here, then an FMA pass
     * with {@link #dot(float[], int, float[], int, int)}; see shared/research/kernels.md). Keep it free of
     * other work so SuperWord still recognises it.
     */
    static void widenF16(MemorySegment s, long off, int n, float[] dst, int o) {
        for (int i = 0; i < n; i++) {
            dst[o + i] = Float.float16ToFloat(s.get(BlockDecoder.LE16, off + 2L * i));
        }
    }

    // Q4_K: chunk c of 64 elements = 32 bytes of qs; low nibbles sub-block 2c, high nibbles sub-block 2c+1.
    private void decodeQ4_K(MemorySegment s, long off, float[] dst, int o) {
        int lanes = species().length();
        float d = BlockDecoder.f16(s, off);
        float dmin = BlockDecoder.f16(s, off + 2);
        for (int c = 0; c < 4; c++) {
            float d1 = d * BlockDecoder.kScale(s, off + 4, 2 * c);
            float m1 = dmin * BlockDecoder.kMin(s, off + 4, 2 * c);
            float d2 = d * BlockDecoder.kScale(s, off + 4, 2 * c + 1);
            float m2 = dmin * BlockDecoder.kMin(s, off + 4, 2 * c + 1);
            for (int l = 0; l < 32; l += lanes) {
                IntVector q = loadInts(s, off + 16 + 32L * c + l);
                int e = o + 64 * c + l;
                toFloats(q.and(0x0F)).mul(d1).sub(m1).intoArray(dst, e);
                toFloats(q.lanewise(VectorOperators.LSHR, 4).and(0x0F)).mul(d2).sub(m2).intoArray(dst, e + 32);
            }
        }
    }

    // Q6_K: element 128h + 32k + l (l < 32) takes its low nibble from ql[64h + 32(k&1) + l] (high nibble when
    // k >= 2) and its top 2 bits from bits 2k of qh[32h + l]; q - 32 times d * scales[e / 16].
    private void decodeQ6_K(MemorySegment s, long off, float[] dst, int o) {
        int lanes = species().length();
        float d = BlockDecoder.f16(s, off + 208);
        for (int h = 0; h < 2; h++) {
            for (int k = 0; k < 4; k++) {
                for (int l = 0; l < 32; l += lanes) {
                    int e = 128 * h + 32 * k + l;
                    float dl = d * s.get(BlockDecoder.I8, off + 192 + e / 16);
                    toFloats(q6(s, off, h, k, l)).mul(dl).intoArray(dst, o + e);
                }
            }
        }
    }

    // The signed 6-bit values (q - 32) of Q6_K elements 128h + 32k + l .. + lanes.
    // (int lanes: x86 has no byte shifts, C2 would emulate them through shorts).
    private IntVector q6(MemorySegment s, long off, int h, int k, int l) {
        IntVector ql = loadInts(s, off + 64L * h + 32 * (k & 1) + l);
        IntVector qh = loadInts(s, off + 128 + 32L * h + l);
        IntVector low = k < 2 ? ql.and(0x0F) : ql.lanewise(VectorOperators.LSHR, 4).and(0x0F);
        IntVector high = qh.lanewise(VectorOperators.LSHR, 2 * k).and(3).lanewise(VectorOperators.LSHL, 4);
        return low.or(high).sub(32);
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
        float sum = sumLanes(acc0.add(acc1));
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
        float sum = sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            sum += s.get(BlockDecoder.LEF32, base + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    // Q8_0 block (d f16 | int8[32]): lanes bytes at a time widened to floats; the block's sum of q*x is scaled
    // by d once.
    private float dotQ8_0(MemorySegment s, long base, float[] x, int xOff, int blocks) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc = FloatVector.zero(species);
        for (int b = 0; b < blocks; b++) {
            long off = base + 34L * b;
            int xo = xOff + 32 * b;
            FloatVector blk = FloatVector.zero(species);
            for (int p = 0; p < 32; p += lanes) {
                blk = widen(loadBytes(s, off + 2 + p)).fma(FloatVector.fromArray(species, x, xo + p), blk);
            }
            acc = blk.fma(FloatVector.broadcast(species, BlockDecoder.f16(s, off)), acc);
        }
        return sumLanes(acc);
    }

    // Q4_0 block (d f16 | qs[16]): low nibbles are elements 0..15, high nibbles 16..31, both minus 8.
    private float dotQ4_0(MemorySegment s, long base, float[] x, int xOff, int blocks) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc = FloatVector.zero(species);
        for (int b = 0; b < blocks; b++) {
            long off = base + 18L * b;
            int xo = xOff + 32 * b;
            FloatVector blk = FloatVector.zero(species);
            for (int p = 0; p < 16; p += lanes) {
                IntVector q = loadInts(s, off + 2 + p);
                blk = toFloats(q.and(0x0F).sub(8)).fma(FloatVector.fromArray(species, x, xo + p), blk);
                blk = toFloats(q.lanewise(VectorOperators.LSHR, 4).and(0x0F).sub(8))
                        .fma(FloatVector.fromArray(species, x, xo + 16 + p), blk);
            }
            acc = blk.fma(FloatVector.broadcast(species, BlockDecoder.f16(s, off)), acc);
        }
        return sumLanes(acc);
    }

    // Q4_K (five: Q5_K, qs @48 and the 5th bit of element 64c + l / 64c + 32 + l in bit 2c / 2c+1 of qh[l] @16)
    // super-block: sub-block j of 32 has values d_j * q - m_j, so its share of the dot is
    // d_j * sum(q * x) - m_j * sum(x): one fma and one add per vector, then two scalar-vector fma per sub-block.
    // Nibbles are split in int lanes (native shifts; x86 has no byte shifts).
    private float dotQ4_K(MemorySegment s, long base, float[] x, int xOff, int blocks, boolean five) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc = FloatVector.zero(species);
        for (int b = 0; b < blocks; b++) {
            long off = base + (five ? 176L : 144L) * b;
            long qs = off + (five ? 48 : 16);
            float d = BlockDecoder.f16(s, off);
            float dmin = BlockDecoder.f16(s, off + 2);
            for (int c = 0; c < 4; c++) {
                int xo = xOff + 256 * b + 64 * c;
                FloatVector qxLo = FloatVector.zero(species);
                FloatVector qxHi = FloatVector.zero(species);
                FloatVector xLo = FloatVector.zero(species);
                FloatVector xHi = FloatVector.zero(species);
                for (int l = 0; l < 32; l += lanes) {
                    IntVector q = loadInts(s, qs + 32L * c + l);
                    IntVector lo = q.and(0x0F);
                    IntVector hi = q.lanewise(VectorOperators.LSHR, 4).and(0x0F);
                    if (five) {
                        IntVector qh = loadInts(s, off + 16 + l);
                        lo = lo.or(qh.lanewise(VectorOperators.LSHR, 2 * c).and(1).lanewise(VectorOperators.LSHL, 4));
                        hi = hi.or(qh.lanewise(VectorOperators.LSHR, 2 * c + 1).and(1)
                                .lanewise(VectorOperators.LSHL, 4));
                    }
                    FloatVector x0 = FloatVector.fromArray(species, x, xo + l);
                    FloatVector x1 = FloatVector.fromArray(species, x, xo + 32 + l);
                    qxLo = toFloats(lo).fma(x0, qxLo);
                    qxHi = toFloats(hi).fma(x1, qxHi);
                    xLo = xLo.add(x0);
                    xHi = xHi.add(x1);
                }
                acc = qxLo.fma(FloatVector.broadcast(species, d * BlockDecoder.kScale(s, off + 4, 2 * c)), acc);
                acc = xLo.fma(FloatVector.broadcast(species, -dmin * BlockDecoder.kMin(s, off + 4, 2 * c)), acc);
                acc = qxHi.fma(FloatVector.broadcast(species, d * BlockDecoder.kScale(s, off + 4, 2 * c + 1)), acc);
                acc = xHi.fma(FloatVector.broadcast(species, -dmin * BlockDecoder.kMin(s, off + 4, 2 * c + 1)), acc);
            }
        }
        return sumLanes(acc);
    }

    // Q6_K super-block: per 16 elements one scale; sum q*x over the 16, then one fma by d * scale. The 6-bit
    // values are assembled in int lanes (native shifts) from sign-extended bytes.
    private float dotQ6_K(MemorySegment s, long base, float[] x, int xOff, int blocks) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc = FloatVector.zero(species);
        for (int b = 0; b < blocks; b++) {
            long off = base + 210L * b;
            float d = BlockDecoder.f16(s, off + 208);
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 4; k++) {
                    for (int l = 0; l < 32; l += 16) {
                        int e = 128 * h + 32 * k + l;
                        FloatVector part = FloatVector.zero(species);
                        for (int p = 0; p < 16; p += lanes) {
                            part = toFloats(q6(s, off, h, k, l + p))
                                    .fma(FloatVector.fromArray(species, x, xOff + 256 * b + e + p), part);
                        }
                        acc = part.fma(FloatVector.broadcast(species, d * s.get(BlockDecoder.I8, off + 192 + e / 16)), acc);
                    }
                }
            }
        }
        return sumLanes(acc);
    }

    private static final int[] IOTA = java.util.stream.IntStream.range(0, 32).toArray();

    // Q4_1, Q5_0, Q5_1 blocks of 32: d f16 @0 (| m f16 @2) (| qh u32 @qhOff) | qs u8[16] @qsOff; element j < 16 is
    // the low nibble of qs[j], element j + 16 the high nibble, with bit j (j + 16) of qh as 5th bit when qhOff >= 0;
    // value (q - bias) * d (+ m). The block's share of the dot is d * sum((q - bias) x) + m * sum(x).
    private float dotQ4_5(MemorySegment s, long base, float[] x, int xOff, int blocks, int typeSize, int qsOff,
            int qhOff, boolean hasMin, int bias) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc = FloatVector.zero(species);
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) typeSize * b;
            int xo = xOff + 32 * b;
            int qh = qhOff >= 0 ? s.get(BlockDecoder.LE32, off + qhOff) : 0;
            IntVector qhv = IntVector.broadcast(ints(), qh);
            FloatVector qx = FloatVector.zero(species);
            FloatVector xs = FloatVector.zero(species);
            for (int p = 0; p < 16; p += lanes) {
                IntVector q = loadInts(s, off + qsOff + p);
                IntVector lo = q.and(0x0F);
                IntVector hi = q.lanewise(VectorOperators.LSHR, 4).and(0x0F);
                if (qhOff >= 0) {
                    IntVector bit = IntVector.fromArray(ints(), IOTA, p);
                    lo = lo.or(qhv.lanewise(VectorOperators.LSHR, bit).and(1).lanewise(VectorOperators.LSHL, 4));
                    hi = hi.or(qhv.lanewise(VectorOperators.LSHR, bit.add(16)).and(1)
                            .lanewise(VectorOperators.LSHL, 4));
                }
                FloatVector x0 = FloatVector.fromArray(species, x, xo + p);
                FloatVector x1 = FloatVector.fromArray(species, x, xo + 16 + p);
                qx = toFloats(lo.sub(bias)).fma(x0, qx);
                qx = toFloats(hi.sub(bias)).fma(x1, qx);
                if (hasMin) {
                    xs = xs.add(x0).add(x1);
                }
            }
            acc = qx.fma(FloatVector.broadcast(species, BlockDecoder.f16(s, off)), acc);
            if (hasMin) {
                acc = xs.fma(FloatVector.broadcast(species, BlockDecoder.f16(s, off + 2)), acc);
            }
        }
        return sumLanes(acc);
    }

    /** {@code lanes} signed bytes from {@code off}, sign-extended to int lanes (same lane count). */
    private IntVector loadInts(MemorySegment s, long off) {
        return (IntVector) loadBytes(s, off).convertShape(VectorOperators.B2I, ints(), 0);
    }

    private FloatVector toFloats(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, species(), 0);
    }

    // BF16 row: lanes halves widened in registers, then fma; the accumulators, loop bounds and tail are those
    // of dot(float[], ...), so the result is bit-identical to decoding the row and calling dot (batch invariance).
    private float dotBF16(MemorySegment s, long base, float[] x, int xOff, int n) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc0 = FloatVector.zero(species);
        FloatVector acc1 = FloatVector.zero(species);
        int upper = species.loopBound(n);
        int i = 0;
        for (; i + 2 * lanes <= upper; i += 2 * lanes) {
            acc0 = bf16ToFloat(s, base + 2L * i).fma(FloatVector.fromArray(species, x, xOff + i), acc0);
            acc1 = bf16ToFloat(s, base + 2L * (i + lanes))
                    .fma(FloatVector.fromArray(species, x, xOff + i + lanes), acc1);
        }
        for (; i < upper; i += lanes) {
            acc0 = bf16ToFloat(s, base + 2L * i).fma(FloatVector.fromArray(species, x, xOff + i), acc0);
        }
        float sum = sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            sum += Float.intBitsToFloat((s.get(BlockDecoder.LE16, base + 2L * i) & 0xFFFF) << 16) * x[xOff + i];
        }
        return sum;
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

    /**
     * Batch invariance: row i of the result is bit-identical to {@link #matVec} on activation row i. Quantized
     * types with a fused dot (per-block scaling, see {@link #dotRow}) run that same dot for every (weight row,
     * activation row) pair, weight row outer so the row stays in L1. The other types ({@code dotRow} decodes them
     * and calls {@link #dot(float[], int, float[], int, int)}; F32, F16 and BF16 dots have the same accumulators
     * and order as that) decode each weight row once and run {@link #dot4}, which does per activation row exactly
     * what {@code dot} does, for tiles of {@value #TILE} activation rows.
     */
    @Override
    public void matMul(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        TensorChecks.checkMatMul(w, x, n, out, rowStart, rowEnd);
        int cols = w.cols();
        int rows = w.rows();
        GgmlType type = w.type();
        boolean fused = bytes() != null && (type == GgmlType.Q8_0 || type == GgmlType.Q4_0
                || type == GgmlType.Q4_K || type == GgmlType.Q6_K || type == GgmlType.Q4_1 || type == GgmlType.Q5_0
                || type == GgmlType.Q5_1 || type == GgmlType.Q5_K);
        if (fused) {
            for (int r = rowStart; r < rowEnd; r++) {
                for (int i = 0; i < n; i++) {
                    out[i * rows + r] = dotRow(w, r, x, i * cols);
                }
            }
            return;
        }
        float[] buf = scratch.get(cols);
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        for (int r = rowStart; r < rowEnd; r++) {
            decode(type, data, r * rowBytes, cols, buf, 0);
            int i = 0;
            for (; i + TILE <= n; i += TILE) {
                dot4(buf, x, i * cols, cols, out, i * rows + r, rows);
            }
            for (; i < n; i++) {
                out[i * rows + r] = dot(buf, 0, x, i * cols, cols);
            }
        }
    }

    /** Bytes of activation rows one tile pass keeps in L2 (a share of a 512 KiB L2 that leaves room for weights). */
    private static final int PROMPT_BLOCK_BYTES = 256 * 1024;

    @Override
    public void matMulPrompt(Tensor w, float[] x, int n, float[] out, int rowStart, int rowEnd) {
        TensorChecks.checkMatMul(w, x, n, out, rowStart, rowEnd);
        int cols = w.cols();
        int rows = w.rows();
        GgmlType type = w.type();
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        boolean tall = species().vectorBitSize() >= 512; // 32 vector registers: 4x4 tiles (16 accumulators)
        float[] buf = scratch.get(4 * cols);
        // Activation rows in blocks that stay in L2 while every weight row pair of the range passes over them;
        // a weight row is decoded once per block (a small cost next to the block's multiplications).
        int block = Math.max(TILE, (PROMPT_BLOCK_BYTES / (Float.BYTES * cols)) / TILE * TILE);
        for (int i0 = 0; i0 < n; i0 += block) {
            int i1 = Math.min(n, i0 + block);
            int r = rowStart;
            for (; tall && r + 4 <= rowEnd; r += 4) {
                for (int j = 0; j < 4; j++) {
                    decode(type, data, (r + j) * rowBytes, cols, buf, j * cols);
                }
                int i = i0;
                for (; i + TILE <= i1; i += TILE) {
                    promptTile4x4(buf, x, i * cols, cols, out, i * rows + r, rows);
                }
                for (; i < i1; i++) {
                    for (int j = 0; j < 4; j++) {
                        out[i * rows + r + j] = promptDot(buf, j * cols, x, i * cols, cols);
                    }
                }
            }
            for (; r + 2 <= rowEnd; r += 2) {
                decode(type, data, r * rowBytes, cols, buf, 0);
                decode(type, data, (r + 1) * rowBytes, cols, buf, cols);
                int i = i0;
                for (; i + TILE <= i1; i += TILE) {
                    promptTile2x4(buf, x, i * cols, cols, out, i * rows + r, rows);
                }
                for (; i < i1; i++) {
                    out[i * rows + r] = promptDot(buf, 0, x, i * cols, cols);
                    out[i * rows + r + 1] = promptDot(buf, cols, x, i * cols, cols);
                }
            }
            for (; r < rowEnd; r++) {
                decode(type, data, r * rowBytes, cols, buf, 0);
                for (int i = i0; i < i1; i++) {
                    out[i * rows + r] = promptDot(buf, 0, x, i * cols, cols);
                }
            }
        }
    }

    /**
     * The prompt form of one (weight row, activation row) pair: one accumulator, lanes added in k order, then
     * {@link #sumLanes}, then the scalar tail. {@link #promptTile2x4} does exactly this for each of its pairs.
     */
    private float promptDot(float[] w, int wOff, float[] x, int xOff, int cols) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        FloatVector acc = FloatVector.zero(species);
        int upper = species.loopBound(cols);
        int k = 0;
        for (; k < upper; k += lanes) {
            acc = FloatVector.fromArray(species, w, wOff + k).fma(FloatVector.fromArray(species, x, xOff + k), acc);
        }
        float sum = sumLanes(acc);
        for (; k < cols; k++) {
            sum += w[wOff + k] * x[xOff + k];
        }
        return sum;
    }

    // Four decoded weight rows w[j*cols ..) (j = 0..3) against four activation rows x[xOff + i*cols ..) (i = 0..3):
    // 16 accumulators, 4 weight and 4 activation loads per 16 fma (the 2x4 tile needs 6 per 8: its activation
    // loads, streamed from L2, were the bound). For 512-bit species only (AVX-512 has 32 vector registers; 16
    // accumulators would spill on AVX2's 16). Results to out[outOff + i*outStride + j]; per pair the arithmetic of
    // promptDot. The lanes go through an array to sumArray (see sumArray: no vector crosses a call).
    private void promptTile4x4(float[] w, float[] x, int xOff, int cols, float[] out, int outOff, int outStride) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        int x1 = xOff + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        FloatVector a00 = FloatVector.zero(species);
        FloatVector a01 = FloatVector.zero(species);
        FloatVector a02 = FloatVector.zero(species);
        FloatVector a03 = FloatVector.zero(species);
        FloatVector a10 = FloatVector.zero(species);
        FloatVector a11 = FloatVector.zero(species);
        FloatVector a12 = FloatVector.zero(species);
        FloatVector a13 = FloatVector.zero(species);
        FloatVector a20 = FloatVector.zero(species);
        FloatVector a21 = FloatVector.zero(species);
        FloatVector a22 = FloatVector.zero(species);
        FloatVector a23 = FloatVector.zero(species);
        FloatVector a30 = FloatVector.zero(species);
        FloatVector a31 = FloatVector.zero(species);
        FloatVector a32 = FloatVector.zero(species);
        FloatVector a33 = FloatVector.zero(species);
        int upper = species.loopBound(cols);
        int k = 0;
        for (; k < upper; k += lanes) {
            FloatVector wv0 = FloatVector.fromArray(species, w, k);
            FloatVector wv1 = FloatVector.fromArray(species, w, w1 + k);
            FloatVector wv2 = FloatVector.fromArray(species, w, w2 + k);
            FloatVector wv3 = FloatVector.fromArray(species, w, w3 + k);
            FloatVector v0 = FloatVector.fromArray(species, x, xOff + k);
            a00 = wv0.fma(v0, a00);
            a10 = wv1.fma(v0, a10);
            a20 = wv2.fma(v0, a20);
            a30 = wv3.fma(v0, a30);
            FloatVector v1 = FloatVector.fromArray(species, x, x1 + k);
            a01 = wv0.fma(v1, a01);
            a11 = wv1.fma(v1, a11);
            a21 = wv2.fma(v1, a21);
            a31 = wv3.fma(v1, a31);
            FloatVector v2 = FloatVector.fromArray(species, x, x2 + k);
            a02 = wv0.fma(v2, a02);
            a12 = wv1.fma(v2, a12);
            a22 = wv2.fma(v2, a22);
            a32 = wv3.fma(v2, a32);
            FloatVector v3 = FloatVector.fromArray(species, x, x3 + k);
            a03 = wv0.fma(v3, a03);
            a13 = wv1.fma(v3, a13);
            a23 = wv2.fma(v3, a23);
            a33 = wv3.fma(v3, a33);
        }
        float[] lanesBuf = new float[lanes];
        float[] sums = new float[16]; // (activation row i, weight row j) at 4i + j
        a00.intoArray(lanesBuf, 0);
        sums[0] = sumArray(lanesBuf);
        a10.intoArray(lanesBuf, 0);
        sums[1] = sumArray(lanesBuf);
        a20.intoArray(lanesBuf, 0);
        sums[2] = sumArray(lanesBuf);
        a30.intoArray(lanesBuf, 0);
        sums[3] = sumArray(lanesBuf);
        a01.intoArray(lanesBuf, 0);
        sums[4] = sumArray(lanesBuf);
        a11.intoArray(lanesBuf, 0);
        sums[5] = sumArray(lanesBuf);
        a21.intoArray(lanesBuf, 0);
        sums[6] = sumArray(lanesBuf);
        a31.intoArray(lanesBuf, 0);
        sums[7] = sumArray(lanesBuf);
        a02.intoArray(lanesBuf, 0);
        sums[8] = sumArray(lanesBuf);
        a12.intoArray(lanesBuf, 0);
        sums[9] = sumArray(lanesBuf);
        a22.intoArray(lanesBuf, 0);
        sums[10] = sumArray(lanesBuf);
        a32.intoArray(lanesBuf, 0);
        sums[11] = sumArray(lanesBuf);
        a03.intoArray(lanesBuf, 0);
        sums[12] = sumArray(lanesBuf);
        a13.intoArray(lanesBuf, 0);
        sums[13] = sumArray(lanesBuf);
        a23.intoArray(lanesBuf, 0);
        sums[14] = sumArray(lanesBuf);
        a33.intoArray(lanesBuf, 0);
        sums[15] = sumArray(lanesBuf);
        int[] xs = {xOff, x1, x2, x3};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                float sum = sums[4 * i + j];
                for (int t = k; t < cols; t++) {
                    sum += w[j * cols + t] * x[xs[i] + t];
                }
                out[outOff + i * outStride + j] = sum;
            }
        }
    }

    // Two decoded weight rows w[0 .. cols) and w[cols .. 2 cols) against four activation rows x[xOff + j*cols ..),
    // j = 0..3: 8 accumulators, 2 weight and 4 activation loads per 8 fma. Results to out[outOff + j*outStride]
    // (first weight row) and out[outOff + j*outStride + 1] (second). Per pair the arithmetic of promptDot.
    private void promptTile2x4(float[] w, float[] x, int xOff, int cols, float[] out, int outOff, int outStride) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        int x1 = xOff + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a0 = FloatVector.zero(species);
        FloatVector a1 = FloatVector.zero(species);
        FloatVector a2 = FloatVector.zero(species);
        FloatVector a3 = FloatVector.zero(species);
        FloatVector b0 = FloatVector.zero(species);
        FloatVector b1 = FloatVector.zero(species);
        FloatVector b2 = FloatVector.zero(species);
        FloatVector b3 = FloatVector.zero(species);
        int upper = species.loopBound(cols);
        int k = 0;
        for (; k < upper; k += lanes) {
            FloatVector wa = FloatVector.fromArray(species, w, k);
            FloatVector wb = FloatVector.fromArray(species, w, cols + k);
            FloatVector v0 = FloatVector.fromArray(species, x, xOff + k);
            a0 = wa.fma(v0, a0);
            b0 = wb.fma(v0, b0);
            FloatVector v1 = FloatVector.fromArray(species, x, x1 + k);
            a1 = wa.fma(v1, a1);
            b1 = wb.fma(v1, b1);
            FloatVector v2 = FloatVector.fromArray(species, x, x2 + k);
            a2 = wa.fma(v2, a2);
            b2 = wb.fma(v2, b2);
            FloatVector v3 = FloatVector.fromArray(species, x, x3 + k);
            a3 = wa.fma(v3, a3);
            b3 = wb.fma(v3, b3);
        }
        float[] sums = {sumLanes(a0), sumLanes(b0), sumLanes(a1), sumLanes(b1),
                sumLanes(a2), sumLanes(b2), sumLanes(a3), sumLanes(b3)};
        for (; k < cols; k++) {
            float wak = w[k];
            float wbk = w[cols + k];
            sums[0] += wak * x[xOff + k];
            sums[1] += wbk * x[xOff + k];
            sums[2] += wak * x[x1 + k];
            sums[3] += wbk * x[x1 + k];
            sums[4] += wak * x[x2 + k];
            sums[5] += wbk * x[x2 + k];
            sums[6] += wak * x[x3 + k];
            sums[7] += wbk * x[x3 + k];
        }
        for (int j = 0; j < TILE; j++) {
            out[outOff + j * outStride] = sums[2 * j];
            out[outOff + j * outStride + 1] = sums[2 * j + 1];
        }
    }

    // One decoded weight row w[0 .. cols) against four activation rows x[xOff + j*cols ..), j = 0..3: each weight
    // vector is loaded once for four products; per activation row the accumulators (two, alternating), loop bounds,
    // lane sum and scalar tail of dot(float[], ...), so each result equals dot(w, 0, x, xOff + j*cols, cols) bit for
    // bit. Results go to out[outOff + j*outStride].
    private void dot4(float[] w, float[] x, int xOff, int cols, float[] out, int outOff, int outStride) {
        VectorSpecies<Float> species = species();
        int lanes = species.length();
        int x1 = xOff + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a0 = FloatVector.zero(species);
        FloatVector a1 = FloatVector.zero(species);
        FloatVector a2 = FloatVector.zero(species);
        FloatVector a3 = FloatVector.zero(species);
        FloatVector b0 = FloatVector.zero(species);
        FloatVector b1 = FloatVector.zero(species);
        FloatVector b2 = FloatVector.zero(species);
        FloatVector b3 = FloatVector.zero(species);
        int upper = species.loopBound(cols);
        int k = 0;
        for (; k + 2 * lanes <= upper; k += 2 * lanes) {
            FloatVector wa = FloatVector.fromArray(species, w, k);
            FloatVector wb = FloatVector.fromArray(species, w, k + lanes);
            a0 = wa.fma(FloatVector.fromArray(species, x, xOff + k), a0);
            b0 = wb.fma(FloatVector.fromArray(species, x, xOff + k + lanes), b0);
            a1 = wa.fma(FloatVector.fromArray(species, x, x1 + k), a1);
            b1 = wb.fma(FloatVector.fromArray(species, x, x1 + k + lanes), b1);
            a2 = wa.fma(FloatVector.fromArray(species, x, x2 + k), a2);
            b2 = wb.fma(FloatVector.fromArray(species, x, x2 + k + lanes), b2);
            a3 = wa.fma(FloatVector.fromArray(species, x, x3 + k), a3);
            b3 = wb.fma(FloatVector.fromArray(species, x, x3 + k + lanes), b3);
        }
        for (; k < upper; k += lanes) {
            FloatVector wa = FloatVector.fromArray(species, w, k);
            a0 = wa.fma(FloatVector.fromArray(species, x, xOff + k), a0);
            a1 = wa.fma(FloatVector.fromArray(species, x, x1 + k), a1);
            a2 = wa.fma(FloatVector.fromArray(species, x, x2 + k), a2);
            a3 = wa.fma(FloatVector.fromArray(species, x, x3 + k), a3);
        }
        float s0 = sumLanes(a0.add(b0));
        float s1 = sumLanes(a1.add(b1));
        float s2 = sumLanes(a2.add(b2));
        float s3 = sumLanes(a3.add(b3));
        for (; k < cols; k++) {
            float wk = w[k];
            s0 += wk * x[xOff + k];
            s1 += wk * x[x1 + k];
            s2 += wk * x[x2 + k];
            s3 += wk * x[x3 + k];
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
