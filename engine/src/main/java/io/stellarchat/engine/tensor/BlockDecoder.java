package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar decoding of ggml blocks into floats: the reference every kernel is checked against.
 *
 * <p>Each decoder writes the elements of its blocks in ggml's {@code dequantize_row_*} order and computes each
 * value with the same float operations in the same order (so results are bit-identical to ggml's reference
 * dequantization and to gguf-py's {@code quants.dequantize}). All multi-byte fields are little-endian and read
 * unaligned: a tensor in a mapped GGUF file may start at any offset.
 *
 * <p>Block layouts (byte offsets inside one block; "f16" is an IEEE half):
 * <pre>
 * Q8_0 (34 B / 32):  d f16 @0 | qs int8[32] @2                      x[j] = qs[j]*d
 * Q4_0 (18 B / 32):  d f16 @0 | qs u8[16] @2                        x[j] = (lo(qs[j])-8)*d, x[j+16] = (hi(qs[j])-8)*d
 * Q4_1 (20 B / 32):  d f16 @0 | m f16 @2 | qs u8[16] @4             x[j] = lo(qs[j])*d + m, x[j+16] = hi(qs[j])*d + m
 * Q5_0 (22 B / 32):  d f16 @0 | qh u32 @2 | qs u8[16] @6            5th bit of x[j] is qh bit j, of x[j+16] qh bit j+16; (q-16)*d
 * Q5_1 (24 B / 32):  d f16 @0 | m f16 @2 | qh u32 @4 | qs u8[16] @8 q*d + m
 * Q2_K (84 B / 256): scales u8[16] @0 (lo nibble scale, hi nibble min) | qs u8[64] @16 | d f16 @80 | dmin f16 @82
 * Q3_K (110 B/256):  hmask u8[32] @0 | qs u8[64] @32 | scales 12 B @96 (16 x 6-bit, offset 32) | d f16 @108
 * Q4_K (144 B/256):  d f16 @0 | dmin f16 @2 | scales 12 B @4 (8 x 6-bit scale + 8 x 6-bit min) | qs u8[128] @16
 * Q5_K (176 B/256):  d f16 @0 | dmin f16 @2 | scales 12 B @4 | qh u8[32] @16 | qs u8[128] @48
 * Q6_K (210 B/256):  ql u8[128] @0 | qh u8[64] @128 | scales int8[16] @192 | d f16 @208
 * </pre>
 */
final class BlockDecoder {
    private BlockDecoder() {}

    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LEF32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether the kernels can decode {@code type}. */
    static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(LE16, off));
    }

    static int u8(MemorySegment s, long off) {
        return s.get(I8, off) & 0xFF;
    }

    /**
     * Decodes {@code n} elements starting at byte {@code off} (a block boundary) into {@code dst[dstOff ..)}.
     * {@code n} must be a multiple of the type's block size; callers check this against the tensor shape.
     */
    static void decode(GgmlType type, MemorySegment s, long off, int n, float[] dst, int dstOff) {
        switch (type) {
            case F32 -> MemorySegment.copy(s, LEF32, off, dst, dstOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Float.float16ToFloat(s.get(LE16, off + 2L * i));
                }
            }
            case BF16 -> {
                // bf16 is the high half of an f32: shift the 16 stored bits into place.
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Float.intBitsToFloat((s.get(LE16, off + 2L * i) & 0xFFFF) << 16);
                }
            }
            default -> {
                int bs = type.blockSize();
                long ts = type.typeSize();
                for (int b = 0; b < n / bs; b++) {
                    decodeBlock(type, s, off + b * ts, dst, dstOff + b * bs);
                }
            }
        }
    }

    /** Decodes one block of a quantized type at byte {@code off} into {@code dst[o .. o + blockSize)}. */
    static void decodeBlock(GgmlType type, MemorySegment s, long off, float[] dst, int o) {
        switch (type) {
            case Q8_0 -> q8_0(s, off, dst, o);
            case Q4_0 -> q4_0(s, off, dst, o);
            case Q4_1 -> q4_1(s, off, dst, o);
            case Q5_0 -> q5_0(s, off, dst, o);
            case Q5_1 -> q5_1(s, off, dst, o);
            case Q2_K -> q2_k(s, off, dst, o);
            case Q3_K -> q3_k(s, off, dst, o);
            case Q4_K -> q4_k(s, off, dst, o);
            case Q5_K -> q5_k(s, off, dst, o);
            case Q6_K -> q6_k(s, off, dst, o);
            default -> throw new UnsupportedOperationException("no block decoder for ggml type " + type);
        }
    }

    // Q8_0: d f16 | qs int8[32]; x[j] = qs[j] * d
    static void q8_0(MemorySegment s, long off, float[] dst, int o) {
        float d = f16(s, off);
        for (int j = 0; j < 32; j++) {
            dst[o + j] = s.get(I8, off + 2 + j) * d;
        }
    }

    // Q4_0: d f16 | qs[16]; low nibble of qs[j] is element j, high nibble element j+16; (q - 8) * d
    static void q4_0(MemorySegment s, long off, float[] dst, int o) {
        float d = f16(s, off);
        for (int j = 0; j < 16; j++) {
            int b = u8(s, off + 2 + j);
            dst[o + j] = ((b & 0x0F) - 8) * d;
            dst[o + j + 16] = ((b >>> 4) - 8) * d;
        }
    }

    // Q4_1: d f16 | m f16 | qs[16]; q * d + m
    static void q4_1(MemorySegment s, long off, float[] dst, int o) {
        float d = f16(s, off);
        float m = f16(s, off + 2);
        for (int j = 0; j < 16; j++) {
            int b = u8(s, off + 4 + j);
            dst[o + j] = (b & 0x0F) * d + m;
            dst[o + j + 16] = (b >>> 4) * d + m;
        }
    }

    // Q5_0: d f16 | qh u32 | qs[16]; bit 4 of element j is qh bit j, of element j+16 qh bit j+16; (q - 16) * d
    static void q5_0(MemorySegment s, long off, float[] dst, int o) {
        float d = f16(s, off);
        int qh = s.get(LE32, off + 2);
        for (int j = 0; j < 16; j++) {
            int b = u8(s, off + 6 + j);
            int q0 = (b & 0x0F) | (((qh >>> j) & 1) << 4);
            int q1 = (b >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            dst[o + j] = (q0 - 16) * d;
            dst[o + j + 16] = (q1 - 16) * d;
        }
    }

    // Q5_1: d f16 | m f16 | qh u32 | qs[16]; q * d + m
    static void q5_1(MemorySegment s, long off, float[] dst, int o) {
        float d = f16(s, off);
        float m = f16(s, off + 2);
        int qh = s.get(LE32, off + 4);
        for (int j = 0; j < 16; j++) {
            int b = u8(s, off + 8 + j);
            int q0 = (b & 0x0F) | (((qh >>> j) & 1) << 4);
            int q1 = (b >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
            dst[o + j] = q0 * d + m;
            dst[o + j + 16] = q1 * d + m;
        }
    }

    // Q2_K: scales[16] @0 | qs[64] @16 | d @80 | dmin @82.
    // Element e = 128*h + 32*k + l (h half, k 2-bit plane, l in 0..31): 2 bits (k) of qs[32*h + l];
    // sub-block e/16 has scale = d * (scales & 15), min = dmin * (scales >> 4); x = scale * q - min.
    static void q2_k(MemorySegment s, long off, float[] dst, int o) {
        float d = f16(s, off + 80);
        float dmin = f16(s, off + 82);
        for (int sub = 0; sub < 16; sub++) {
            int sc = u8(s, off + sub);
            float dl = d * (sc & 0x0F);
            float ml = dmin * (sc >>> 4);
            int h = sub >>> 3;                 // which 128-element half
            int shift = 2 * ((sub >>> 1) & 3); // which 2-bit plane
            int lBase = (sub & 1) * 16;        // first or second 16 bytes of the half's 32
            long q = off + 16 + 32L * h + lBase;
            int e = o + 16 * sub;
            for (int l = 0; l < 16; l++) {
                dst[e + l] = dl * ((u8(s, q + l) >>> shift) & 3) - ml;
            }
        }
    }

    // The 6-bit signed scale (stored with offset 32) of Q3_K sub-block j (0..15) from the 12 packed bytes at sc:
    // low 4 bits from byte j (j < 8) low nibble or byte j-8 high nibble; high 2 bits from byte 8 + j%4, bits 2*(j/4).
    static int q3kScale(MemorySegment s, long sc, int j) {
        int low = j < 8 ? u8(s, sc + j) & 0x0F : u8(s, sc + j - 8) >>> 4;
        int high = (u8(s, sc + 8 + (j & 3)) >>> (2 * (j >>> 2))) & 3;
        return (low | (high << 4)) - 32;
    }

    // Q3_K: hmask[32] @0 | qs[64] @32 | scales[12] @96 | d @108.
    // Element e = 128*h + 32*k + l: low 2 bits are bits 2k of qs[32*h + l]; the high bit is bit (4*h + k) of hmask[l];
    // a clear high bit subtracts 4, so q is in -4..3; x = d * scale(e/16) * q.
    static void q3_k(MemorySegment s, long off, float[] dst, int o) {
        float dAll = f16(s, off + 108);
        for (int sub = 0; sub < 16; sub++) {
            float dl = dAll * q3kScale(s, off + 96, sub);
            int h = sub >>> 3;
            int k = (sub >>> 1) & 3;
            int lBase = (sub & 1) * 16;
            int mask = 1 << (4 * h + k);
            long q = off + 32 + 32L * h + lBase;
            long hm = off + lBase;
            int e = o + 16 * sub;
            for (int l = 0; l < 16; l++) {
                int lo = (u8(s, q + l) >>> (2 * k)) & 3;
                int hi = (u8(s, hm + l) & mask) != 0 ? 0 : 4;
                dst[e + l] = dl * (lo - hi);
            }
        }
    }

    // The 6-bit scale (which = 0) or min (which = 1) of K-quant sub-block j (0..7) from 12 packed bytes at sc:
    // j < 4: scale = bytes[j] & 63, min = bytes[j+4] & 63;
    // j >= 4: scale = (bytes[j+4] & 15) | (bytes[j-4] >> 6) << 4, min = (bytes[j+4] >> 4) | (bytes[j] >> 6) << 4.
    static int kScale(MemorySegment s, long sc, int j) {
        if (j < 4) {
            return u8(s, sc + j) & 63;
        }
        return (u8(s, sc + j + 4) & 0x0F) | ((u8(s, sc + j - 4) >>> 6) << 4);
    }

    static int kMin(MemorySegment s, long sc, int j) {
        if (j < 4) {
            return u8(s, sc + j + 4) & 63;
        }
        return (u8(s, sc + j + 4) >>> 4) | ((u8(s, sc + j) >>> 6) << 4);
    }

    /**
     * All eight 6-bit scales of the 12 packed bytes at {@code sc}, byte j of the result being {@code kScale(s, sc, j)}:
     * two loads and a few word-wide masks instead of eight byte-by-byte decodes (bytes 0..3 masked to 6 bits give
     * scales 0..3; the low nibbles of bytes 8..11 with the top two bits of bytes 0..3 give scales 4..7).
     */
    static long kScales(MemorySegment s, long sc) {
        int u0 = s.get(LE32, sc);
        int u2 = s.get(LE32, sc + 8);
        int low = u0 & 0x3F3F3F3F;
        int high = (u2 & 0x0F0F0F0F) | (((u0 >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    /** All eight 6-bit mins of the 12 packed bytes at {@code sc}, byte j being {@code kMin(s, sc, j)} (see {@link #kScales}). */
    static long kMins(MemorySegment s, long sc) {
        int u1 = s.get(LE32, sc + 4);
        int u2 = s.get(LE32, sc + 8);
        int low = u1 & 0x3F3F3F3F;
        int high = ((u2 >>> 4) & 0x0F0F0F0F) | (((u1 >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    // Q4_K: d @0 | dmin @2 | scales[12] @4 | qs[128] @16.
    // Chunk c (0..3) of 64 elements uses qs[32c .. 32c+32): low nibbles are elements 64c + l (sub-block 2c),
    // high nibbles 64c + 32 + l (sub-block 2c+1); x = (d * scale) * q - dmin * min.
    static void q4_k(MemorySegment s, long off, float[] dst, int o) {
        float d = f16(s, off);
        float dmin = f16(s, off + 2);
        for (int c = 0; c < 4; c++) {
            float d1 = d * kScale(s, off + 4, 2 * c);
            float m1 = dmin * kMin(s, off + 4, 2 * c);
            float d2 = d * kScale(s, off + 4, 2 * c + 1);
            float m2 = dmin * kMin(s, off + 4, 2 * c + 1);
            long q = off + 16 + 32L * c;
            int e = o + 64 * c;
            for (int l = 0; l < 32; l++) {
                int b = u8(s, q + l);
                dst[e + l] = d1 * (b & 0x0F) - m1;
                dst[e + 32 + l] = d2 * (b >>> 4) - m2;
            }
        }
    }

    // Q5_K: d @0 | dmin @2 | scales[12] @4 | qh[32] @16 | qs[128] @48.
    // As Q4_K; the 5th bit of element 64c + l is bit 2c of qh[l], of element 64c + 32 + l bit 2c+1 of qh[l].
    static void q5_k(MemorySegment s, long off, float[] dst, int o) {
        float d = f16(s, off);
        float dmin = f16(s, off + 2);
        for (int c = 0; c < 4; c++) {
            float d1 = d * kScale(s, off + 4, 2 * c);
            float m1 = dmin * kMin(s, off + 4, 2 * c);
            float d2 = d * kScale(s, off + 4, 2 * c + 1);
            float m2 = dmin * kMin(s, off + 4, 2 * c + 1);
            long q = off + 48 + 32L * c;
            int e = o + 64 * c;
            for (int l = 0; l < 32; l++) {
                int b = u8(s, q + l);
                int h = u8(s, off + 16 + l);
                dst[e + l] = d1 * ((b & 0x0F) + (((h >>> (2 * c)) & 1) << 4)) - m1;
                dst[e + 32 + l] = d2 * ((b >>> 4) + (((h >>> (2 * c + 1)) & 1) << 4)) - m2;
            }
        }
    }

    // Q6_K: ql[128] @0 | qh[64] @128 | scales int8[16] @192 | d @208.
    // Half h (128 elements) uses ql[64h ..], qh[32h ..]; for l in 0..31 element 128h + 32k + l takes
    // low 4 bits from ql[64h + l + 32*(k&1)] (low nibble for k < 2, high for k >= 2) and high 2 bits from
    // qh[32h + l] bits 2k; q in 0..63 minus 32; x = (d * scales[e/16]) * q.
    static void q6_k(MemorySegment s, long off, float[] dst, int o) {
        float d = f16(s, off + 208);
        for (int h = 0; h < 2; h++) {
            long ql = off + 64L * h;
            long qh = off + 128 + 32L * h;
            for (int k = 0; k < 4; k++) {
                for (int half = 0; half < 2; half++) {
                    int e = 128 * h + 32 * k + 16 * half;
                    float dl = d * s.get(I8, off + 192 + e / 16);
                    for (int i = 0; i < 16; i++) {
                        int l = 16 * half + i;
                        int lowByte = u8(s, ql + l + 32 * (k & 1));
                        int low = k < 2 ? lowByte & 0x0F : lowByte >>> 4;
                        int high = (u8(s, qh + l) >>> (2 * k)) & 3;
                        dst[o + e + i] = dl * ((low | (high << 4)) - 32);
                    }
                }
            }
        }
    }
}
