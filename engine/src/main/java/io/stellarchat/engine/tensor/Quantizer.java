package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Float32 to ggml block quantization, for the synthetic-model maker and for tests.
 *
 * <p>Round-to-nearest with a plain scale (and min) choice per block: simple, deterministic, not tuned for
 * quality (llama.cpp's importance-weighted search does better). The bytes written follow the layouts in
 * {@link BlockDecoder}, so {@code dequantize(quantize(x))} is close to {@code x}: within half a quantization
 * step of the block's decoded scale for every type.
 */
public final class Quantizer {
    private Quantizer() {}

    /** Whether {@link #quantizeRow} can write {@code type}. */
    public static boolean supports(GgmlType type) {
        return BlockDecoder.supports(type);
    }

    /**
     * Bytes taken by a row of {@code n} elements of {@code type}.
     *
     * @throws IllegalArgumentException when {@code n} is negative or not a multiple of the block size
     */
    public static long rowBytes(GgmlType type, int n) {
        long bytes = type.byteSize(n);
        if (bytes < 0) {
            throw new IllegalArgumentException(
                    "row of " + n + " elements is not a whole number of " + type + " blocks of " + type.blockSize());
        }
        return bytes;
    }

    /**
     * Quantizes {@code src[off .. off + n)} into {@code dst} at byte {@code dstOff}, writing {@link #rowBytes}
     * bytes.
     *
     * @throws IllegalArgumentException when the type is not supported, {@code n} is not a whole number of blocks,
     *     or {@code src}/{@code dst} are too short
     */
    public static void quantizeRow(GgmlType type, float[] src, int off, int n, MemorySegment dst, long dstOff) {
        if (!supports(type)) {
            throw new IllegalArgumentException("cannot quantize to ggml type " + type);
        }
        long bytes = rowBytes(type, n);
        if (off < 0 || off > src.length - n) {
            throw new IllegalArgumentException("source range [" + off + ", " + off + " + " + n
                    + ") is outside a float[" + src.length + "]");
        }
        if (dstOff < 0 || dstOff > dst.byteSize() - bytes) {
            throw new IllegalArgumentException("destination range [" + dstOff + ", " + dstOff + " + " + bytes
                    + ") is outside a segment of " + dst.byteSize() + " bytes");
        }
        switch (type) {
            case F32 -> MemorySegment.copy(src, off, dst, BlockDecoder.LEF32, dstOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(BlockDecoder.LE16, dstOff + 2L * i, Float.floatToFloat16(src[off + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(BlockDecoder.LE16, dstOff + 2L * i, toBf16(src[off + i]));
                }
            }
            default -> {
                int bs = type.blockSize();
                for (int b = 0; b < n / bs; b++) {
                    quantizeBlock(type, src, off + b * bs, dst, dstOff + (long) b * type.typeSize());
                }
            }
        }
    }

    /** Float32 to bfloat16 bits, rounding to nearest even; NaN stays a (quiet) NaN. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    private static void quantizeBlock(GgmlType type, float[] x, int o, MemorySegment s, long off) {
        switch (type) {
            case Q8_0 -> q8_0(x, o, s, off);
            case Q4_0 -> qSymmetric(x, o, s, off, 4);
            case Q5_0 -> qSymmetric(x, o, s, off, 5);
            case Q4_1 -> qAffine(x, o, s, off, 4);
            case Q5_1 -> qAffine(x, o, s, off, 5);
            case Q2_K -> q2_k(x, o, s, off);
            case Q3_K -> q3_k(x, o, s, off);
            case Q4_K -> q45_k(x, o, s, off, 4);
            case Q5_K -> q45_k(x, o, s, off, 5);
            case Q6_K -> q6_k(x, o, s, off);
            default -> throw new IllegalArgumentException("cannot quantize to ggml type " + type);
        }
    }

    private static void putF16(MemorySegment s, long off, float v) {
        s.set(BlockDecoder.LE16, off, Float.floatToFloat16(v));
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private static void q8_0(float[] x, int o, MemorySegment s, long off) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[o + j]));
        }
        putF16(s, off, amax / 127f);
        float d = BlockDecoder.f16(s, off); // quantize against the scale the decoder will see
        float id = d != 0 ? 1f / d : 0f;
        for (int j = 0; j < 32; j++) {
            s.set(BlockDecoder.I8, off + 2 + j, (byte) clamp(Math.round(x[o + j] * id), -127, 127));
        }
    }

    // Q4_0 / Q5_0: the value of largest magnitude maps to -2^(bits-1); q = round(x/d) + 2^(bits-1).
    private static void qSymmetric(float[] x, int o, MemorySegment s, long off, int bits) {
        int half = 1 << (bits - 1);
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            if (Math.abs(x[o + j]) > amax) {
                amax = Math.abs(x[o + j]);
                max = x[o + j];
            }
        }
        putF16(s, off, max / -half);
        float d = BlockDecoder.f16(s, off);
        float id = d != 0 ? 1f / d : 0f;
        int[] q = new int[32];
        for (int j = 0; j < 32; j++) {
            q[j] = clamp(Math.round(x[o + j] * id) + half, 0, 2 * half - 1);
        }
        long qs = off + (bits == 4 ? 2 : 6);
        packNibbles(q, s, qs);
        if (bits == 5) {
            s.set(BlockDecoder.LE32, off + 2, highBits(q));
        }
    }

    // Q4_1 / Q5_1: d = (max - min) / (2^bits - 1), m = min; q = round((x - m) / d).
    private static void qAffine(float[] x, int o, MemorySegment s, long off, int bits) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[o + j]);
            max = Math.max(max, x[o + j]);
        }
        int levels = (1 << bits) - 1;
        putF16(s, off, (max - min) / levels);
        putF16(s, off + 2, min);
        float d = BlockDecoder.f16(s, off);
        float m = BlockDecoder.f16(s, off + 2);
        float id = d != 0 ? 1f / d : 0f;
        int[] q = new int[32];
        for (int j = 0; j < 32; j++) {
            q[j] = clamp(Math.round((x[o + j] - m) * id), 0, levels);
        }
        long qs = off + (bits == 4 ? 4 : 8);
        packNibbles(q, s, qs);
        if (bits == 5) {
            s.set(BlockDecoder.LE32, off + 4, highBits(q));
        }
    }

    // Element j in the low nibble of byte j, element j+16 in the high nibble.
    private static void packNibbles(int[] q, MemorySegment s, long qs) {
        for (int j = 0; j < 16; j++) {
            s.set(BlockDecoder.I8, qs + j, (byte) ((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4)));
        }
    }

    // Bit 4 of element j goes to bit j of the u32.
    private static int highBits(int[] q) {
        int qh = 0;
        for (int j = 0; j < 32; j++) {
            qh |= ((q[j] >>> 4) & 1) << j;
        }
        return qh;
    }

    /**
     * Q2_K: per sub-block of 16, scale = (max - min') / 3 and min = -min' with min' = min(0, smallest x); both
     * are quantized to 4 bits against the block's largest scale and min (d = maxScale / 15, dmin = maxMin / 15).
     */
    private static void q2_k(float[] x, int o, MemorySegment s, long off) {
        float[] scales = new float[16];
        float[] mins = new float[16];
        subBlockScaleMin(x, o, 16, 16, 3, scales, mins);
        float maxScale = max(scales);
        float maxMin = max(mins);
        putF16(s, off + 80, maxScale / 15f);
        putF16(s, off + 82, maxMin / 15f);
        float d = BlockDecoder.f16(s, off + 80);
        float dmin = BlockDecoder.f16(s, off + 82);
        int[] q = new int[256];
        for (int j = 0; j < 16; j++) {
            int ls = d > 0 ? clamp(Math.round(scales[j] / d), 0, 15) : 0;
            int lm = dmin > 0 ? clamp(Math.round(mins[j] / dmin), 0, 15) : 0;
            s.set(BlockDecoder.I8, off + j, (byte) (ls | (lm << 4)));
            requantizeAffine(x, o + 16 * j, 16, d * ls, dmin * lm, 3, q, 16 * j);
        }
        // Element 128h + 32k + l lives in bits 2k of qs[32h + l].
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int b = 0;
                for (int k = 0; k < 4; k++) {
                    b |= q[128 * h + 32 * k + l] << (2 * k);
                }
                s.set(BlockDecoder.I8, off + 16 + 32 * h + l, (byte) b);
            }
        }
    }

    /**
     * Q3_K: per sub-block of 16 a signed scale that maps the value of largest magnitude to -4; the 16 scales are
     * quantized to 6 signed bits against the largest (d = maxScale / -32), elements to -4..3.
     */
    private static void q3_k(float[] x, int o, MemorySegment s, long off) {
        float[] scales = new float[16];
        float maxScale = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = signedMax(x, o + 16 * j, 16) / -4f;
            if (Math.abs(scales[j]) > Math.abs(maxScale)) {
                maxScale = scales[j];
            }
        }
        for (int i = 96; i < 108; i++) {
            s.set(BlockDecoder.I8, off + i, (byte) 0);
        }
        putF16(s, off + 108, maxScale / -32f);
        float d = BlockDecoder.f16(s, off + 108);
        int[] q = new int[256];
        for (int j = 0; j < 16; j++) {
            int l = d != 0 ? clamp(Math.round(scales[j] / d), -32, 31) : 0;
            int stored = l + 32;
            long lowByte = off + 96 + (j < 8 ? j : j - 8);
            int shiftLow = j < 8 ? 0 : 4;
            s.set(BlockDecoder.I8, lowByte, (byte) (BlockDecoder.u8(s, lowByte) | ((stored & 0x0F) << shiftLow)));
            long highByte = off + 96 + 8 + (j & 3);
            s.set(BlockDecoder.I8, highByte,
                    (byte) (BlockDecoder.u8(s, highByte) | ((stored >>> 4) << (2 * (j >>> 2)))));
            float dl = d * l;
            for (int i = 0; i < 16; i++) {
                int v = dl != 0 ? clamp(Math.round(x[o + 16 * j + i] / dl), -4, 3) : 0;
                q[16 * j + i] = v + 4; // 0..7: bit 2 is the hmask bit
            }
        }
        // Element 128h + 32k + l: low 2 bits in bits 2k of qs[32h + l], high bit in bit 4h + k of hmask[l].
        for (int l = 0; l < 32; l++) {
            int hm = 0;
            for (int h = 0; h < 2; h++) {
                int b = 0;
                for (int k = 0; k < 4; k++) {
                    int v = q[128 * h + 32 * k + l];
                    b |= (v & 3) << (2 * k);
                    hm |= ((v >>> 2) & 1) << (4 * h + k);
                }
                s.set(BlockDecoder.I8, off + 32 + 32 * h + l, (byte) b);
            }
            s.set(BlockDecoder.I8, off + l, (byte) hm);
        }
    }

    /** Q4_K / Q5_K: 8 sub-blocks of 32 with a 6-bit scale and a 6-bit min each (d = maxScale/63, dmin = maxMin/63). */
    private static void q45_k(float[] x, int o, MemorySegment s, long off, int bits) {
        int levels = (1 << bits) - 1;
        float[] scales = new float[8];
        float[] mins = new float[8];
        subBlockScaleMin(x, o, 8, 32, levels, scales, mins);
        putF16(s, off, max(scales) / 63f);
        putF16(s, off + 2, max(mins) / 63f);
        float d = BlockDecoder.f16(s, off);
        float dmin = BlockDecoder.f16(s, off + 2);
        int[] ls = new int[8];
        int[] lm = new int[8];
        for (int j = 0; j < 8; j++) {
            ls[j] = d > 0 ? clamp(Math.round(scales[j] / d), 0, 63) : 0;
            lm[j] = dmin > 0 ? clamp(Math.round(mins[j] / dmin), 0, 63) : 0;
        }
        // 12 bytes: j < 4 -> byte j = scale, byte j+4 = min (6 bits each); j >= 4 -> byte j+4 holds the low
        // nibbles of scale and min, and their top 2 bits go to bits 6-7 of bytes j-4 and j.
        byte[] packed = new byte[12];
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                packed[j] |= (byte) ls[j];
                packed[j + 4] |= (byte) lm[j];
            } else {
                packed[j + 4] = (byte) ((ls[j] & 0x0F) | ((lm[j] & 0x0F) << 4));
                packed[j - 4] |= (byte) ((ls[j] >>> 4) << 6);
                packed[j] |= (byte) ((lm[j] >>> 4) << 6);
            }
        }
        MemorySegment.copy(packed, 0, s, BlockDecoder.I8, off + 4, 12);
        int[] q = new int[256];
        for (int j = 0; j < 8; j++) {
            requantizeAffine(x, o + 32 * j, 32, d * ls[j], dmin * lm[j], levels, q, 32 * j);
        }
        long qs = off + (bits == 4 ? 16 : 48);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int lo = q[64 * c + l];
                int hi = q[64 * c + 32 + l];
                s.set(BlockDecoder.I8, qs + 32 * c + l, (byte) ((lo & 0x0F) | ((hi & 0x0F) << 4)));
            }
        }
        if (bits == 5) {
            for (int l = 0; l < 32; l++) {
                int h = 0;
                for (int c = 0; c < 4; c++) {
                    h |= ((q[64 * c + l] >>> 4) & 1) << (2 * c);
                    h |= ((q[64 * c + 32 + l] >>> 4) & 1) << (2 * c + 1);
                }
                s.set(BlockDecoder.I8, off + 16 + l, (byte) h);
            }
        }
    }

    /** Q6_K: per sub-block of 16 a signed scale mapping the largest magnitude to -32; int8 scales, d = max/-128. */
    private static void q6_k(float[] x, int o, MemorySegment s, long off) {
        float[] scales = new float[16];
        float maxScale = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = signedMax(x, o + 16 * j, 16) / -32f;
            if (Math.abs(scales[j]) > Math.abs(maxScale)) {
                maxScale = scales[j];
            }
        }
        putF16(s, off + 208, maxScale / -128f);
        float d = BlockDecoder.f16(s, off + 208);
        int[] q = new int[256];
        for (int j = 0; j < 16; j++) {
            int l = d != 0 ? clamp(Math.round(scales[j] / d), -128, 127) : 0;
            s.set(BlockDecoder.I8, off + 192 + j, (byte) l);
            float dl = d * l;
            for (int i = 0; i < 16; i++) {
                int v = dl != 0 ? clamp(Math.round(x[o + 16 * j + i] / dl), -32, 31) : 0;
                q[16 * j + i] = v + 32;
            }
        }
        // Element 128h + 32k + l: low nibble in ql[64h + l + 32*(k&1)] (low half for k < 2), high 2 bits in
        // bits 2k of qh[32h + l].
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int q0 = q[128 * h + l];
                int q1 = q[128 * h + 32 + l];
                int q2 = q[128 * h + 64 + l];
                int q3 = q[128 * h + 96 + l];
                s.set(BlockDecoder.I8, off + 64 * h + l, (byte) ((q0 & 0x0F) | ((q2 & 0x0F) << 4)));
                s.set(BlockDecoder.I8, off + 64 * h + 32 + l, (byte) ((q1 & 0x0F) | ((q3 & 0x0F) << 4)));
                int hb = (q0 >>> 4) | ((q1 >>> 4) << 2) | ((q2 >>> 4) << 4) | ((q3 >>> 4) << 6);
                s.set(BlockDecoder.I8, off + 128 + 32 * h + l, (byte) hb);
            }
        }
    }

    // For each of `count` sub-blocks of `len`: scale = (max - lo) / levels, min = -lo with lo = min(0, smallest).
    private static void subBlockScaleMin(float[] x, int o, int count, int len, int levels, float[] scales,
            float[] mins) {
        for (int j = 0; j < count; j++) {
            float lo = 0;
            float hi = -Float.MAX_VALUE;
            for (int i = 0; i < len; i++) {
                lo = Math.min(lo, x[o + j * len + i]);
                hi = Math.max(hi, x[o + j * len + i]);
            }
            scales[j] = Math.max(0f, (hi - lo) / levels);
            mins[j] = -lo;
        }
    }

    // q = round((x + min) / scale) clamped to 0..levels; the decoder computes scale * q - min.
    private static void requantizeAffine(float[] x, int o, int len, float scale, float min, int levels, int[] q,
            int qo) {
        for (int i = 0; i < len; i++) {
            q[qo + i] = scale != 0 ? clamp(Math.round((x[o + i] + min) / scale), 0, levels) : 0;
        }
    }

    // The element of largest magnitude, with its sign.
    private static float signedMax(float[] x, int o, int len) {
        float amax = 0;
        float max = 0;
        for (int i = 0; i < len; i++) {
            if (Math.abs(x[o + i]) > amax) {
                amax = Math.abs(x[o + i]);
                max = x[o + i];
            }
        }
        return max;
    }

    private static float max(float[] v) {
        float m = 0;
        for (float f : v) {
            m = Math.max(m, f);
        }
        return m;
    }
}
