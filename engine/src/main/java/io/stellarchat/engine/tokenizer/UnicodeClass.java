package io.stellarchat.engine.tokenizer;

/**
 * The code point classes llama.cpp's pre-tokenizers look at (its {@code unicode_cpt_flags}), derived from the
 * JDK's Unicode tables instead of a generated copy of {@code UnicodeData.txt}.
 *
 * <p>Categories: letter = L*, number = N*, mark = M*, punctuation = P*, symbol = S*, separator = Z*,
 * control = Cc/Cf/Co/Cs, undefined = Cn. Whitespace is its own set (Unicode White_Space): U+0009–U+000D,
 * U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 — note that
 * U+001C–U+001F are not whitespace here, unlike Python's {@code \s}.
 *
 * <p>The JDK may know a newer Unicode version than the table llama.cpp was generated from; the difference is
 * limited to code points assigned in between.
 */
final class UnicodeClass {
    private UnicodeClass() {}

    /** The byte-sized stand-ins llama.cpp uses when it "collapses" text for std::regex. */
    static final char COLLAPSED_OTHER = '\u00D0';
    static final char COLLAPSED_NUMBER = '\u00D1';
    static final char COLLAPSED_LETTER = '\u00D2';
    static final char COLLAPSED_PUNCTUATION = '\u00D3';
    static final char COLLAPSED_MARK = '\u00D4';
    static final char COLLAPSED_SYMBOL = '\u00D5';
    static final char COLLAPSED_WHITESPACE = '\u000B';

    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    static boolean isLetter(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> true;
            default -> false;
        };
    }

    static boolean isNumber(int cp) {
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }

    /**
     * The one character that stands for {@code cp} in collapsed text: ASCII stays itself; any other code
     * point becomes {@link #COLLAPSED_WHITESPACE} or the stand-in of its category.
     */
    static char collapse(int cp) {
        if (cp < 128) {
            return (char) cp;
        }
        if (isWhitespace(cp)) {
            return COLLAPSED_WHITESPACE;
        }
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> COLLAPSED_NUMBER;
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> COLLAPSED_LETTER;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> COLLAPSED_PUNCTUATION;
            case Character.NON_SPACING_MARK, Character.COMBINING_SPACING_MARK, Character.ENCLOSING_MARK -> COLLAPSED_MARK;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> COLLAPSED_SYMBOL;
            default -> COLLAPSED_OTHER;
        };
    }
}
