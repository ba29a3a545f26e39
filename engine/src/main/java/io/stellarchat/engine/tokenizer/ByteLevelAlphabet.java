package io.stellarchat.engine.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's reversible byte ↔ character mapping used by byte-level BPE vocabularies ({@code tokenizer.ggml.model
 * = gpt2}): the printable bytes {@code '!'..'~'}, {@code '¡'..'¬'} and {@code '®'..'ÿ'} map to the code point
 * of the same value; the remaining 68 bytes map, in increasing order, to U+0100, U+0101, … (so a space, byte
 * 0x20, becomes {@code 'Ġ'} U+0120 and a newline {@code 'Ċ'} U+010A). Every mapped character is in the BMP and
 * below U+0144, so a byte-encoded string has exactly one {@code char} per byte.
 */
final class ByteLevelAlphabet {
    private ByteLevelAlphabet() {}

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        boolean[] direct = new boolean[256];
        for (int b = 0; b < 256; b++) {
            direct[b] = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            char c = direct[b] ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    /** The character standing for byte {@code b} (0..255). */
    static char encode(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** Byte-encodes UTF-8 bytes {@code [from, to)}: one char per byte. */
    static String encode(byte[] utf8, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        }
        return new String(out);
    }

    /** The byte a character stands for, or -1 if {@code c} is not in the alphabet. */
    static int decode(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }
}
