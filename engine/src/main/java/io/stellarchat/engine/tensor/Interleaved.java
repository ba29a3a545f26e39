package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * Reads the {@link Tensor.Layout#INTERLEAVED_16} layout in Java (engine-native's "x16" form, described in its C
 * source): rows in groups of 16; the record of group g, block b (Q4_0: 288 bytes, Q8_0: 544) starts at
 * {@code (g * blocks + b) * record}; it holds the 16 rows' f16 scales (row j's at 2j), then 64-byte chunks with
 * row j's four bytes at 4j: chunk k carries bytes {@code qs[4k .. 4k + 3]} of each row's block.
 *
 * <p>Decoding gives the very floats the file-order decoder gives ({@link BlockDecoder}: {@code (q - 8) * d},
 * {@code q * d}). Stateless.
 */
final class Interleaved {
    private Interleaved() {}

    static long recordBytes(GgmlType type) {
        return 16L * type.typeSize();
    }

    /** Row {@code row} of interleaved {@code w} as floats into {@code dst[dstOff .. dstOff + cols)}. */
    static void dequantizeRow(Tensor w, int row, float[] dst, int dstOff) {
        MemorySegment s = w.data();
        int blocks = w.cols() / 32;
        long rec = recordBytes(w.type());
        int g = row / 16;
        int j = row % 16;
        boolean q4 = w.type() == GgmlType.Q4_0;
        for (int b = 0; b < blocks; b++) {
            long base = ((long) g * blocks + b) * rec;
            float d = BlockDecoder.f16(s, base + 2L * j);
            int o = dstOff + 32 * b;
            for (int k = 0; k < (q4 ? 4 : 8); k++) {
                for (int m = 0; m < 4; m++) {
                    long at = base + 32 + 64L * k + 4L * j + m;
                    if (q4) {
                        int u = BlockDecoder.u8(s, at);
                        dst[o + 4 * k + m] = ((u & 0x0F) - 8) * d;
                        dst[o + 16 + 4 * k + m] = ((u >>> 4) - 8) * d;
                    } else {
                        dst[o + 4 * k + m] = s.get(BlockDecoder.I8, at) * d;
                    }
                }
            }
        }
    }
}
