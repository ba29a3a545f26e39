package io.stellarchat.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Dequantization of blocks whose bytes are written here by hand from ggml's block layouts, with the expected
 * floats computed from the format's definition (chosen so every product is exact in float). Each block is
 * placed at an odd offset inside the segment, as a tensor inside a mapped file may be.
 *
 * <p>Half floats used: 0x3C00 = 1, 0x3800 = 0.5, 0x3400 = 0.25, 0x3000 = 0.125, 0xBC00 = -1.
 */
class BlockLayoutTest {

    /** Little-endian bytes of one block. */
    static final class Block {
        final ByteBuffer buf;

        Block(GgmlType type) {
            buf = ByteBuffer.allocate(type.typeSize()).order(ByteOrder.LITTLE_ENDIAN);
        }

        Block u8(int off, int v) {
            buf.put(off, (byte) v);
            return this;
        }

        Block or(int off, int v) {
            buf.put(off, (byte) (buf.get(off) | v));
            return this;
        }

        Block f16(int off, int bits) {
            buf.putShort(off, (short) bits);
            return this;
        }

        Block u32(int off, int v) {
            buf.putInt(off, v);
            return this;
        }
    }

    /** Dequantizes one row made of the given block bytes, stored at byte offset 3 of a segment. */
    static float[] decode(GgmlType type, int elements, byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(bytes.length + 3);
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 3, bytes.length);
            Tensor t = new Tensor("hand." + type, type, new long[] {elements}, seg.asSlice(3));
            float[] out = new float[elements];
            Kernels.scalar().dequantizeRow(t, 0, out, 0);
            float[] vec = new float[elements];
            Kernels.vector().dequantizeRow(t, 0, vec, 0);
            assertArrayEquals(out, vec, 0f);
            return out;
        }
    }

    @Test
    void f32F16Bf16DecodeTheirBitPatterns() {
        ByteBuffer f32 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-0.0f)
                .putFloat(Float.MIN_VALUE);
        assertArrayEquals(new float[] {1.5f, -0.0f, Float.MIN_VALUE}, decode(GgmlType.F32, 3, f32.array()));

        ByteBuffer f16 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        f16.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x7BFF)
                .putShort((short) 0x0001).putShort((short) 0x7C00).putShort((short) 0x3555);
        float[] got = decode(GgmlType.F16, 6, f16.array());
        // 0x3555: exponent 13 - 15 = -2, mantissa 0x155 / 1024
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY,
                (1 + 0x155 / 1024f) / 4}, got);

        ByteBuffer bf16 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        bf16.putShort((short) 0x3F80).putShort((short) 0xC040).putShort((short) 0x0001).putShort((short) 0x7F80);
        assertArrayEquals(new float[] {1f, -3f, Float.intBitsToFloat(0x10000), Float.POSITIVE_INFINITY},
                decode(GgmlType.BF16, 4, bf16.array()));
    }

    @Test
    void q8_0IsInt8TimesScale() {
        Block b = new Block(GgmlType.Q8_0).f16(0, 0x3800);
        for (int j = 0; j < 32; j++) {
            b.u8(2 + j, j * 8 - 128); // -128, -120, ..., 120
        }
        float[] got = decode(GgmlType.Q8_0, 32, b.buf.array());
        for (int j = 0; j < 32; j++) {
            assertEquals((j * 8 - 128) * 0.5f, got[j], 0f, "element " + j);
        }
    }

    @Test
    void q4_0LowNibblesAreTheFirstHalf() {
        Block b = new Block(GgmlType.Q4_0).f16(0, 0x3400);
        for (int j = 0; j < 16; j++) {
            b.u8(2 + j, j | ((15 - j) << 4));
        }
        float[] got = decode(GgmlType.Q4_0, 32, b.buf.array());
        for (int j = 0; j < 16; j++) {
            assertEquals((j - 8) * 0.25f, got[j], 0f, "element " + j);
            assertEquals((15 - j - 8) * 0.25f, got[16 + j], 0f, "element " + (16 + j));
        }
    }

    @Test
    void q4_1AddsTheMin() {
        Block b = new Block(GgmlType.Q4_1).f16(0, 0x3800).f16(2, 0xBC00);
        for (int j = 0; j < 16; j++) {
            b.u8(4 + j, j | ((15 - j) << 4));
        }
        float[] got = decode(GgmlType.Q4_1, 32, b.buf.array());
        for (int j = 0; j < 16; j++) {
            assertEquals(j * 0.5f - 1f, got[j], 0f, "element " + j);
            assertEquals((15 - j) * 0.5f - 1f, got[16 + j], 0f, "element " + (16 + j));
        }
    }

    @Test
    void q5_0TakesBitFourOfElementEFromBitEOfQh() {
        int qh = 0x8001_2003; // elements 0, 1, 13, 16, 31 have the high bit
        Block b = new Block(GgmlType.Q5_0).f16(0, 0x3C00).u32(2, qh);
        for (int j = 0; j < 16; j++) {
            b.u8(6 + j, j | ((15 - j) << 4));
        }
        float[] got = decode(GgmlType.Q5_0, 32, b.buf.array());
        for (int e = 0; e < 32; e++) {
            int nibble = e < 16 ? e : 15 - (e - 16);
            int q = nibble + 16 * ((qh >>> e) & 1);
            assertEquals(q - 16, got[e], 0f, "element " + e);
        }
    }

    @Test
    void q5_1AddsTheMinToTheFiveBitValue() {
        int qh = 0x0F0F_F0F0;
        Block b = new Block(GgmlType.Q5_1).f16(0, 0x3400).f16(2, 0x3C00).u32(4, qh);
        for (int j = 0; j < 16; j++) {
            b.u8(8 + j, ((j * 3) & 15) | (((j * 5) & 15) << 4));
        }
        float[] got = decode(GgmlType.Q5_1, 32, b.buf.array());
        for (int e = 0; e < 32; e++) {
            int nibble = e < 16 ? (e * 3) & 15 : ((e - 16) * 5) & 15;
            int q = nibble + 16 * ((qh >>> e) & 1);
            assertEquals(q * 0.25f + 1f, got[e], 0f, "element " + e);
        }
    }

    // K-quants: element e = 128*h + 32*k + l (h: half of the super-block, k: 2-bit plane, l: 0..31); its quant
    // bits sit in byte 32*h + l of qs at bit 2*k (Q2_K, Q3_K).

    @Test
    void q2_kScalesMinsAndTwoBitPlanes() {
        Block b = new Block(GgmlType.Q2_K).f16(80, 0x3800).f16(82, 0x3400);
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 7 + e / 64) & 3;
            int h = e / 128;
            int k = (e % 128) / 32;
            int l = e % 32;
            b.or(16 + 32 * h + l, q[e] << (2 * k));
        }
        for (int j = 0; j < 16; j++) {
            b.u8(j, (j & 15) | ((15 - j) << 4)); // scale j, min 15 - j
        }
        float[] got = decode(GgmlType.Q2_K, 256, b.buf.array());
        for (int e = 0; e < 256; e++) {
            int j = e / 16;
            assertEquals(0.5f * j * q[e] - 0.25f * (15 - j), got[e], 0f, "element " + e);
        }
    }

    @Test
    void q3_kSixBitSignedScalesAndHighBitMask() {
        Block b = new Block(GgmlType.Q3_K).f16(108, 0x3400);
        int[] q = new int[256];     // 0..7, bit 2 goes to hmask
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 5 + e / 32) & 7;
            int h = e / 128;
            int k = (e % 128) / 32;
            int l = e % 32;
            b.or(32 + 32 * h + l, (q[e] & 3) << (2 * k));
            if ((q[e] & 4) != 0) {
                b.or(l, 1 << (4 * h + k)); // hmask[l], bit 4h + k
            }
        }
        int[] sc = new int[16];     // stored 6-bit values; the scale is sc - 32
        for (int j = 0; j < 16; j++) {
            sc[j] = (j * 4 + 1) & 63;
            if (j < 8) {
                b.or(96 + j, sc[j] & 15);
            } else {
                b.or(96 + j - 8, (sc[j] & 15) << 4);
            }
            b.or(96 + 8 + j % 4, (sc[j] >> 4) << (2 * (j / 4)));
        }
        float[] got = decode(GgmlType.Q3_K, 256, b.buf.array());
        for (int e = 0; e < 256; e++) {
            int j = e / 16;
            // a set high bit means q - 4 + 4 = the 3-bit value minus 4
            assertEquals(0.25f * (sc[j] - 32) * (q[e] - 4), got[e], 0f, "element " + e);
        }
    }

    /** Packs 8 six-bit scales and mins into the 12 bytes at {@code off} (Q4_K / Q5_K). */
    static void packScaleMin(Block b, int off, int[] sc, int[] mn) {
        for (int j = 0; j < 4; j++) {
            b.u8(off + j, sc[j] | ((sc[j + 4] >> 4) << 6));
            b.u8(off + j + 4, mn[j] | ((mn[j + 4] >> 4) << 6));
            b.u8(off + j + 8, (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
        }
    }

    /** The word-wide unpacking of K-quant scales and mins gives kScale / kMin for every byte value in every slot. */
    @Test
    void packedKScalesAndMinsEqualTheBytewiseDecode() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(12);
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
            for (int trial = 0; trial < 2000; trial++) {
                for (int i = 0; i < 12; i++) {
                    s.set(ValueLayout.JAVA_BYTE, i, (byte) (trial < 256 ? trial : rnd.nextInt(256)));
                }
                long scales = BlockDecoder.kScales(s, 0);
                long mins = BlockDecoder.kMins(s, 0);
                for (int j = 0; j < 8; j++) {
                    assertEquals(BlockDecoder.kScale(s, 0, j), (int) ((scales >>> (8 * j)) & 0xFF), "scale " + j);
                    assertEquals(BlockDecoder.kMin(s, 0, j), (int) ((mins >>> (8 * j)) & 0xFF), "min " + j);
                }
            }
        }
    }

    @Test
    void q4_kChunksOf64WithLowThenHighNibbles() {
        Block b = new Block(GgmlType.Q4_K).f16(0, 0x3400).f16(2, 0x3000);
        int[] sc = {40, 1, 63, 17, 33, 48, 5, 60};
        int[] mn = {63, 0, 20, 31, 32, 47, 62, 9};
        packScaleMin(b, 4, sc, mn);
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 5 + e / 64) & 15;
            int c = e / 64;
            int l = e % 32;
            boolean high = (e % 64) >= 32;
            b.or(16 + 32 * c + l, high ? q[e] << 4 : q[e]);
        }
        float[] got = decode(GgmlType.Q4_K, 256, b.buf.array());
        for (int e = 0; e < 256; e++) {
            int j = e / 32;
            assertEquals(0.25f * sc[j] * q[e] - 0.125f * mn[j], got[e], 0f, "element " + e);
        }
    }

    @Test
    void q5_kAddsTheFifthBitFromQh() {
        Block b = new Block(GgmlType.Q5_K).f16(0, 0x3000).f16(2, 0x3400);
        int[] sc = {2, 63, 16, 47, 32, 1, 50, 31};
        int[] mn = {5, 60, 33, 0, 63, 16, 48, 7};
        packScaleMin(b, 4, sc, mn);
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 7 + e / 32) & 31;
            int j = e / 32;       // sub-block: bit j of qh[l] holds bit 4
            int l = e % 32;
            boolean high = j % 2 == 1;
            b.or(48 + 32 * (j / 2) + l, high ? (q[e] & 15) << 4 : q[e] & 15);
            b.or(16 + l, (q[e] >> 4) << j);
        }
        float[] got = decode(GgmlType.Q5_K, 256, b.buf.array());
        for (int e = 0; e < 256; e++) {
            int j = e / 32;
            assertEquals(0.125f * sc[j] * q[e] - 0.25f * mn[j], got[e], 0f, "element " + e);
        }
    }

    @Test
    void q6_kSixBitValuesWithSignedInt8Scales() {
        Block b = new Block(GgmlType.Q6_K).f16(208, 0x3800);
        int[] q = new int[256];
        for (int e = 0; e < 256; e++) {
            q[e] = (e * 11 + e / 128) & 63;
            int h = e / 128;
            int k = (e % 128) / 32;
            int l = e % 32;
            // low nibble: ql[64h + l] for k = 0 (low) and 2 (high), ql[64h + 32 + l] for k = 1 (low) and 3 (high)
            int qlIndex = 64 * h + l + (k % 2 == 1 ? 32 : 0);
            b.or(qlIndex, k < 2 ? q[e] & 15 : (q[e] & 15) << 4);
            b.or(128 + 32 * h + l, (q[e] >> 4) << (2 * k));
        }
        int[] sc = new int[16];
        for (int j = 0; j < 16; j++) {
            sc[j] = j * 17 - 128; // -128 .. 127
            b.u8(192 + j, sc[j]);
        }
        float[] got = decode(GgmlType.Q6_K, 256, b.buf.array());
        for (int e = 0; e < 256; e++) {
            assertEquals(0.5f * sc[e / 16] * (q[e] - 32), got[e], 0f, "element " + e);
        }
    }
}
