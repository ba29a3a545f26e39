package io.stellarchat.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * BERT WordPiece ({@code tokenizer.ggml.model = bert}), llama.cpp's {@code llm_tokenizer_wpm}.
 *
 * <p>Normalize (optionally reduce each code point to the first code point of its NFD form and drop marks;
 * optionally lowercase), drop NUL, U+FFFD and control characters, split at whitespace, and make every
 * punctuation mark, ASCII symbol and CJK ideograph a word of its own. Each word, prefixed with {@code ▁}, is
 * covered greedily by the longest vocabulary entries from the left; if some position has no entry, the whole
 * word becomes the unknown token.
 */
final class WordPieceEncoder {
    private final Map<String, Integer> ids;
    private final int maxTokenBytes;
    private final int unk;
    private final boolean lowercase;
    private final boolean stripAccents;

    WordPieceEncoder(Map<String, Integer> ids, int maxTokenBytes, int unk, boolean lowercase, boolean stripAccents) {
        this.ids = ids;
        this.maxTokenBytes = maxTokenBytes;
        this.unk = unk;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    void encode(String text, IntList out) {
        for (String word : words(text)) {
            byte[] w = ("\u2581" + word).getBytes(StandardCharsets.UTF_8);
            int n = w.length;
            IntList found = new IntList();
            boolean whole = true;
            for (int i = 0; i < n && whole; ) {
                whole = false;
                for (int j = Math.min(n, i + maxTokenBytes + 1); j > i; j--) {
                    if (j < n && (w[j] & 0xC0) == 0x80) {
                        continue; // not a character boundary: no vocabulary entry can end here
                    }
                    Integer id = ids.get(new String(w, i, j - i, StandardCharsets.UTF_8));
                    if (id != null) {
                        found.add(id);
                        i = j;
                        whole = true;
                        break;
                    }
                }
            }
            if (whole && found.size() > 0) {
                for (int id : found.toArray()) {
                    out.add(id);
                }
            } else {
                out.add(unk);
            }
        }
    }

    private List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        text.codePoints().forEach(c -> {
            int cp = stripAccents ? nfdFirst(c) : c;
            if (UnicodeClass.isWhitespace(cp)) {
                flush(cur, words);
                return;
            }
            int type = Character.getType(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(type)) {
                return;
            }
            if (stripAccents && isMark(type)) {
                return;
            }
            int out = lowercase ? Character.toLowerCase(cp) : cp;
            if (isPunctuation(type) || (cp < 0x7F && isSymbol(type)) || isChinese(cp)) {
                flush(cur, words);
                words.add(new String(Character.toChars(out)));
            } else {
                cur.appendCodePoint(out);
            }
        });
        flush(cur, words);
        return words;
    }

    private static void flush(StringBuilder cur, List<String> words) {
        if (!cur.isEmpty()) {
            words.add(cur.toString());
            cur.setLength(0);
        }
    }

    private static int nfdFirst(int cp) {
        if (cp < 0xC0) {
            return cp; // nothing below U+00C0 decomposes
        }
        return Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFD).codePointAt(0);
    }

    private static boolean isControl(int type) {
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
                || type == Character.SURROGATE;
    }

    private static boolean isMark(int type) {
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    private static boolean isPunctuation(int type) {
        return switch (type) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isSymbol(int type) {
        return type == Character.MATH_SYMBOL || type == Character.CURRENCY_SYMBOL
                || type == Character.MODIFIER_SYMBOL || type == Character.OTHER_SYMBOL;
    }

    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
