package io.stellarchat.engine.model;

import io.stellarchat.engine.tensor.FloatOps;
import io.stellarchat.engine.util.Checks;

/**
 * A pool of fixed-size key/value cache blocks shared by many sequences (paged attention). A block holds the
 * keys and values of {@code blockSize} consecutive positions of one sequence, for every layer. A sequence
 * sees its KV entries through a block table ({@link KvCache}): position {@code p} lives in block
 * {@code table[p / blockSize]}, slot {@code p % blockSize}.
 *
 * <p>Layout, per layer, keys and values alike: {@code (blocks, kvHeads, blockSize, headDim)} row-major, one
 * array per layer, as {@code float} (F32) or IEEE half bits in a {@code short} (F16, widened to F32 as
 * attention reads). Element {@code (b, g, s, d)} of layer {@code l} is at
 * {@code (((b * kvHeads) + g) * blockSize + s) * headDim + d}: the entries one KV head's attention reads from
 * a block are contiguous ({@code blockSize * headDim}), so an F16 block is widened in one pass.
 *
 * <p>The pool knows nothing about who owns a block: allocation, reference counts and prefix sharing belong
 * to the engine's block allocator. Threads: like the {@link Transformer}, one owner thread at a time; during
 * a forward pass compute workers write disjoint slots and read slots written before the pool's barrier.
 */
public final class KvBlockPool {
    private final int blocks;
    private final int blockSize;
    private final int layers;
    private final int kvDim;
    private final int kvHeads;
    private final int headDim;
    private final KvPrecision precision;
    // Exactly one pair is non-null, by precision. Each: [layer] → (blocks, kvHeads, blockSize, headDim).
    private final float[][] keys32;
    private final float[][] values32;
    private final short[][] keys16;
    private final short[][] values16;

    /**
     * @throws IllegalArgumentException when a count is not positive or one layer would not fit in one array
     */
    public KvBlockPool(ModelConfig config, int blocks, int blockSize, KvPrecision precision) {
        Checks.require(blocks > 0, "a KV block pool needs at least one block, got " + blocks);
        Checks.require(blockSize > 0, "KV block size must be positive, got " + blockSize);
        Checks.require(precision != null, "KV precision is required");
        long perLayer = (long) blocks * blockSize * config.kvDim();
        Checks.require(perLayer <= Integer.MAX_VALUE - 16, "a KV block pool of " + blocks + " blocks of "
                + blockSize + " tokens holds " + perLayer + " elements per layer, more than one array can hold");
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.layers = config.layers();
        this.kvDim = config.kvDim();
        this.kvHeads = config.kvHeads();
        this.headDim = config.headDim();
        this.precision = precision;
        if (precision == KvPrecision.F32) {
            keys32 = new float[layers][(int) perLayer];
            values32 = new float[layers][(int) perLayer];
            keys16 = null;
            values16 = null;
        } else {
            keys16 = new short[layers][(int) perLayer];
            values16 = new short[layers][(int) perLayer];
            keys32 = null;
            values32 = null;
        }
    }

    /** Bytes one block takes: keys and values, all layers. */
    public static long bytesPerBlock(ModelConfig config, int blockSize, KvPrecision precision) {
        return 2L * config.layers() * blockSize * config.kvDim() * precision.bytes();
    }

    /**
     * The most blocks that fit in {@code bytes} (and in one array per layer).
     *
     * @throws IllegalArgumentException when not even one block fits
     */
    public static int blocksFor(ModelConfig config, long bytes, int blockSize, KvPrecision precision) {
        long per = bytesPerBlock(config, blockSize, precision);
        long n = bytes / per;
        Checks.require(n >= 1, "KV cache of " + bytes + " bytes holds no block of " + blockSize + " tokens ("
                + per + " bytes each for this model)");
        long maxByArray = (Integer.MAX_VALUE - 16L) / ((long) blockSize * config.kvDim());
        return (int) Math.min(Math.min(n, maxByArray), Integer.MAX_VALUE);
    }

    public int blocks() {
        return blocks;
    }

    public int blockSize() {
        return blockSize;
    }

    public KvPrecision precision() {
        return precision;
    }

    /** Tokens the whole pool can hold. */
    public long tokens() {
        return (long) blocks * blockSize;
    }

    /** Bytes of one block (keys and values, all layers). */
    public long bytesPerBlock() {
        return 2L * layers * blockSize * kvDim * precision.bytes();
    }

    /** Bytes of the whole pool. */
    public long bytes() {
        return bytesPerBlock() * blocks;
    }

    /**
     * Element offset of (block, KV head g, slot 0, 0) within a layer array: the start of the
     * {@code (blockSize, headDim)} entries of head {@code g} in {@code block}.
     */
    int headOffset(int block, int g) {
        return (block * kvHeads + g) * blockSize * headDim;
    }

    /** Layer {@code layer}'s keys, (blocks, kvHeads, blockSize, headDim), of an F32 pool (null for F16). */
    float[] keys32(int layer) {
        return keys32 == null ? null : keys32[layer];
    }

    /** Layer {@code layer}'s values, (blocks, kvHeads, blockSize, headDim), of an F32 pool (null for F16). */
    float[] values32(int layer) {
        return values32 == null ? null : values32[layer];
    }

    /** Widens {@code n} F16 key elements from element offset {@code off} of layer {@code layer} into {@code dst}. */
    void widenKeys(int layer, int off, float[] dst, int n, FloatOps ops) {
        ops.widenHalves(keys16[layer], off, dst, 0, n);
    }

    /** Widens {@code n} F16 value elements from element offset {@code off} of layer {@code layer} into {@code dst}. */
    void widenValues(int layer, int off, float[] dst, int n, FloatOps ops) {
        ops.widenHalves(values16[layer], off, dst, 0, n);
    }

    /** Stores one position's key row {@code k[kOff..+kvDim)} and value row {@code v[vOff..+kvDim)}, head by head. */
    void store(int layer, int block, int slot, float[] k, int kOff, float[] v, int vOff) {
        for (int g = 0; g < kvHeads; g++) {
            int o = headOffset(block, g) + slot * headDim;
            int src = g * headDim;
            if (keys32 != null) {
                System.arraycopy(k, kOff + src, keys32[layer], o, headDim);
                System.arraycopy(v, vOff + src, values32[layer], o, headDim);
            } else {
                short[] kd = keys16[layer];
                short[] vd = values16[layer];
                for (int d = 0; d < headDim; d++) {
                    kd[o + d] = Float.floatToFloat16(k[kOff + src + d]);
                    vd[o + d] = Float.floatToFloat16(v[vOff + src + d]);
                }
            }
        }
    }

    /** Copies key and value rows of one position as floats (for tests and diagnostics). */
    public void read(int layer, int block, int slot, float[] k, float[] v) {
        Checks.require(layer >= 0 && layer < layers && block >= 0 && block < blocks && slot >= 0
                && slot < blockSize, "no KV entry (layer " + layer + ", block " + block + ", slot " + slot + ")");
        for (int g = 0; g < kvHeads; g++) {
            int o = headOffset(block, g) + slot * headDim;
            if (keys32 != null) {
                System.arraycopy(keys32[layer], o, k, g * headDim, headDim);
                System.arraycopy(values32[layer], o, v, g * headDim, headDim);
            } else {
                for (int d = 0; d < headDim; d++) {
                    k[g * headDim + d] = Float.float16ToFloat(keys16[layer][o + d]);
                    v[g * headDim + d] = Float.float16ToFloat(values16[layer][o + d]);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "KvBlockPool[" + blocks + " blocks x " + blockSize + " tokens, " + precision + ", "
                + bytes() / (1024 * 1024) + " MiB]";
    }
}
