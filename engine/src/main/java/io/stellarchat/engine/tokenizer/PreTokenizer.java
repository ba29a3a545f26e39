package io.stellarchat.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words byte-level BPE merges within, as llama.cpp does for each
 * {@code tokenizer.ggml.pre} value.
 *
 * <p>llama.cpp runs a list of regexes one after the other; each regex splits every current piece into its
 * matches and the gaps between them (nothing is dropped). Two regexes (GPT-2's and Llama 3's) are hand-written
 * scanners there; we port their exact behaviour ({@link #splitGpt2}, {@link #splitLlama3}). Every other regex
 * runs through std::regex, which knows no Unicode classes, so llama.cpp first "collapses" the text: each
 * non-ASCII code point becomes one stand-in character for its class ({@link UnicodeClass#collapse}), and
 * {@code \p{L}}, {@code \p{N}}, {@code \p{P}}, {@code \p{M}}, {@code \p{S}} in the regex become bracket sets
 * of that stand-in plus the ASCII members of the class. We do the same with java.util.regex, whose
 * leftmost-first backtracking gives the same matches as ECMAScript for these patterns. Regexes without a
 * class run on the code points themselves, with non-ASCII whitespace replaced by U+000B.
 *
 * <p>All positions are code point indexes; a piece list is a list of lengths that sum to the text length.
 */
final class PreTokenizer {

    /** One step of the pipeline: split each piece further. */
    private sealed interface Step permits Gpt2Scan, Llama3Scan, RegexStep {}

    private record Gpt2Scan() implements Step {}

    private record Llama3Scan() implements Step {}

    /** A regex run on collapsed text ({@code collapsed}) or on the code points. */
    private record RegexStep(Pattern pattern, boolean collapsed) implements Step {}

    // The regexes as llama.cpp lists them (src/llama-vocab.cpp, llm_tokenizer_bpe), in llama.cpp's syntax.
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN35 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String SEED_CODER = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String BAILINGMOE = "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
    static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String GPT4O = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String DEEPSEEK3_WORDS = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
    static final String BLOOM = " ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+";
    static final String CJK_HAN_KANA = "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+";
    static final String DEEPSEEK_LLM_LETTERS = "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43]+";
    static final String DEEPSEEK_LLM_PUNCT = "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+";
    static final String CJK_HANGUL = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";

    /** The ASCII members llama.cpp adds for each class when it collapses a regex. */
    private static final Map<String, String> CLASS_SETS = Map.of(
            "\\p{N}", "\\u00D1" + "0-9",
            "\\p{L}", "\\u00D2" + "A-Za-z",
            "\\p{Lu}", "\\u00D2" + "A-Za-z",
            "\\p{Ll}", "\\u00D2" + "A-Za-z",
            "\\p{Lt}", "\\u00D2" + "A-Za-z",
            "\\p{Lm}", "\\u00D2" + "A-Za-z",
            "\\p{Lo}", "\\u00D2" + "A-Za-z",
            "\\p{P}", "\\u00D3" + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}",
            "\\p{M}", "\\u00D4",
            "\\p{S}", "\\u00D5" + "\\$\\+<->^`\\|");

    private final List<Step> steps;

    private PreTokenizer(List<String> regexes) {
        this(regexes, true);
    }

    /** @param simplify rewrite recursive lookahead groups into character classes (false only to test that) */
    PreTokenizer(List<String> regexes, boolean simplify) {
        List<Step> list = new ArrayList<>();
        for (String regex : regexes) {
            if (regex.equals(GPT2)) {
                list.add(new Gpt2Scan());
            } else if (regex.equals(LLAMA3)) {
                list.add(new Llama3Scan());
            } else {
                boolean collapsed = CLASS_SETS.keySet().stream().anyMatch(regex::contains);
                list.add(new RegexStep(Pattern.compile(collapsed ? collapseRegex(regex, simplify) : javaRegex(regex)),
                        collapsed));
            }
        }
        this.steps = List.copyOf(list);
    }

    /**
     * The pre-tokenizer for a {@code tokenizer.ggml.pre} type as llama.cpp maps it.
     *
     * @throws IllegalArgumentException for a type llama.cpp does not know either
     */
    static PreTokenizer forType(PreType type) {
        return new PreTokenizer(switch (type) {
            case DEFAULT -> List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
            case LLAMA3 -> List.of(LLAMA3);
            case DEEPSEEK_LLM -> List.of("[\r\n]", DEEPSEEK_LLM_LETTERS, DEEPSEEK_LLM_PUNCT, "\\s+$", CJK_HANGUL, "\\p{N}+");
            case DEEPSEEK3_LLM -> List.of("\\p{N}{1,3}", CJK_HAN_KANA, DEEPSEEK3_WORDS);
            case DEEPSEEK_CODER -> List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK_HANGUL, "\\p{N}");
            case FALCON -> List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
            case STARCODER -> List.of("\\p{N}", GPT2);
            case GPT2 -> List.of(GPT2);
            case QWEN2 -> List.of(QWEN2);
            case QWEN35 -> List.of(QWEN35);
            case BLOOM -> List.of(BLOOM);
            case VIKING -> List.of(BLOOM, "\\p{N}");
            case TEKKEN -> List.of(TEKKEN);
            case GPT4O -> List.of(GPT4O);
            case SEED_CODER -> List.of(SEED_CODER);
            case BAILINGMOE -> List.of(BAILINGMOE);
        });
    }

    /** Splits {@code cps} (code points) into word lengths, in order; the lengths sum to {@code cps.length}. */
    List<Integer> split(int[] cps) {
        List<Integer> pieces = new ArrayList<>();
        if (cps.length == 0) {
            return pieces;
        }
        pieces.add(cps.length);
        String collapsed = null;
        String wide = null;
        for (Step step : steps) {
            pieces = switch (step) {
                case Gpt2Scan g -> splitGpt2(cps, pieces);
                case Llama3Scan l -> splitLlama3(cps, pieces);
                case RegexStep r when r.collapsed() -> {
                    if (collapsed == null) {
                        collapsed = collapsedText(cps);
                    }
                    yield splitRegex(r.pattern(), collapsed, null, pieces);
                }
                case RegexStep r -> {
                    if (wide == null) {
                        wide = wideText(cps);
                    }
                    yield splitRegex(r.pattern(), wide, cps, pieces);
                }
            };
        }
        return pieces;
    }

    private static String collapsedText(int[] cps) {
        char[] out = new char[cps.length];
        for (int i = 0; i < cps.length; i++) {
            out[i] = UnicodeClass.collapse(cps[i]);
        }
        return new String(out);
    }

    private static String wideText(int[] cps) {
        StringBuilder sb = new StringBuilder(cps.length);
        for (int cp : cps) {
            sb.appendCodePoint(cp > 0x7F && UnicodeClass.isWhitespace(cp) ? 0x0B : cp);
        }
        return sb.toString();
    }

    /**
     * Runs {@code pattern} over each piece; emits the gaps and the matches. {@code text} is either the
     * collapsed text (one char per code point, {@code cps == null}) or the code points as UTF-16.
     */
    private static List<Integer> splitRegex(Pattern pattern, String text, int[] cps, List<Integer> pieces) {
        List<Integer> out = new ArrayList<>(pieces.size() * 2);
        int cpStart = 0;
        int charStart = 0;
        for (int len : pieces) {
            int charEnd = cps == null ? cpStart + len : charStart + utf16Length(cps, cpStart, cpStart + len);
            // A fresh matcher over just this piece: lookahead and '$' must not see past it (std::regex
            // iterates over the piece as its whole target).
            Matcher m = pattern.matcher(text.substring(charStart, charEnd));
            int last = 0;
            while (find(m, charEnd - charStart)) {
                if (m.end() == m.start()) {
                    continue; // none of llama.cpp's regexes match empty; never emit an empty piece
                }
                if (m.start() > last) {
                    out.add(cpCount(text, charStart, last, m.start(), cps));
                }
                out.add(cpCount(text, charStart, m.start(), m.end(), cps));
                last = m.end();
            }
            if (last < charEnd - charStart) {
                out.add(cpCount(text, charStart, last, charEnd - charStart, cps));
            }
            cpStart += len;
            charStart = charEnd;
        }
        return out;
    }

    private static boolean find(Matcher m, int pieceLength) {
        try {
            return m.find();
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("pre-tokenizer regex " + m.pattern()
                    + " overflowed the stack on a piece of " + pieceLength + " characters");
        }
    }

    private static int utf16Length(int[] cps, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            n += Character.charCount(cps[i] > 0x7F && UnicodeClass.isWhitespace(cps[i]) ? 0x0B : cps[i]);
        }
        return n;
    }

    private static int cpCount(String text, int base, int from, int to, int[] cps) {
        return cps == null ? to - from : text.codePointCount(base + from, base + to);
    }

    /** Translates llama.cpp regex syntax to java.util.regex for code point text (only '$' differs). */
    private static String javaRegex(String regex) {
        // ECMAScript '$' (no multiline) matches only at the very end; Java's would also match before a final
        // line terminator.
        return regex.endsWith("$") ? regex.substring(0, regex.length() - 1) + "\\z" : regex;
    }

    /** llama.cpp's regex collapsing: each class becomes its stand-in plus its ASCII members. */
    static String collapseRegex(String regex, boolean simplify) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                out.append('[');
                inside = true;
                continue;
            }
            if (inside && c == ']' && regex.charAt(i - 1) != '\\') {
                out.append(']');
                inside = false;
                continue;
            }
            if (c == '\\' && i + 3 < regex.length() && regex.charAt(i + 1) == 'p' && regex.charAt(i + 2) == '{') {
                int close = regex.indexOf('}', i + 3);
                if (close >= 0 && close <= i + 10) {
                    String set = CLASS_SETS.get(regex.substring(i, close + 1));
                    if (set != null) {
                        out.append(inside ? set : "[" + set + "]");
                        i = close;
                        continue;
                    }
                }
            }
            out.append(c);
        }
        // Tekken / GPT-4o spell "a letter that is not lowercase ASCII" as a repeated lookahead group. On
        // collapsed text the letters are exactly the letter stand-in and A-Z, a-z, so each group is a plain
        // character class with the same matches, which runs more cheaply (PreTokenizerTest checks this).
        String java = !simplify ? out.toString() : out.toString()
                .replace("((?=[\\u00D2A-Za-z])([^a-z]))", "[\\u00D2A-Z]")
                .replace("((?=[\\u00D2A-Za-z])([^A-Z]))", "[\\u00D2a-z]");
        return javaRegex(java);
    }

    // ---- llama.cpp's hand-written scanners -------------------------------------------------------------

    /** Scanner state over one piece [ini, end) of the code points. */
    private static final class Scan {
        final int[] cps;
        final int ini;
        final int end;
        final List<Integer> out;
        int prevEnd;

        Scan(int[] cps, int ini, int end, List<Integer> out) {
            this.cps = cps;
            this.ini = ini;
            this.end = end;
            this.out = out;
            this.prevEnd = ini;
        }

        boolean in(int pos) {
            return pos >= ini && pos < end;
        }

        /** Code point at pos, or -1 outside the piece. */
        int cp(int pos) {
            return in(pos) ? cps[pos] : -1;
        }

        boolean letter(int pos) {
            return in(pos) && UnicodeClass.isLetter(cps[pos]);
        }

        boolean number(int pos) {
            return in(pos) && UnicodeClass.isNumber(cps[pos]);
        }

        boolean space(int pos) {
            return in(pos) && UnicodeClass.isWhitespace(cps[pos]);
        }

        /** "[^\s\p{L}\p{N}]": any code point of the piece that is neither whitespace, letter nor number. */
        boolean other(int pos) {
            return in(pos) && !space(pos) && !letter(pos) && !number(pos);
        }

        int emit(int to) {
            int len = to - prevEnd;
            if (len > 0) {
                out.add(len);
            }
            prevEnd = to;
            return len;
        }

        /** Length (2 or 3) of a contraction 's 't 're 've 'm 'll 'd at pos, or 0. */
        int contraction(int pos, boolean ignoreCase) {
            if (cp(pos) != '\'' || pos + 1 >= end) {
                return 0;
            }
            int n1 = ignoreCase ? Character.toLowerCase(cp(pos + 1)) : cp(pos + 1);
            if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
                return 2;
            }
            if (pos + 2 < end) {
                int n2 = ignoreCase ? Character.toLowerCase(cp(pos + 2)) : cp(pos + 2);
                if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
                    return 3;
                }
            }
            return 0;
        }
    }

    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    static List<Integer> splitGpt2(int[] cps, List<Integer> pieces) {
        List<Integer> out = new ArrayList<>(pieces.size() * 4);
        int start = 0;
        for (int len : pieces) {
            Scan s = new Scan(cps, start, start + len, out);
            int pos = start;
            while (pos < s.end) {
                int c = s.cp(pos);
                int k = s.contraction(pos, false);
                if (k > 0) {
                    pos += s.emit(pos + k);
                    continue;
                }
                int probe = c == ' ' ? pos + 1 : pos; // the optional leading space
                if (s.letter(probe)) {
                    pos = probe;
                    while (s.letter(pos)) {
                        pos++;
                    }
                    s.emit(pos);
                    continue;
                }
                if (s.number(probe)) {
                    pos = probe;
                    while (s.number(pos)) {
                        pos++;
                    }
                    s.emit(pos);
                    continue;
                }
                if (s.other(probe)) {
                    pos = probe;
                    while (s.other(pos)) {
                        pos++;
                    }
                    s.emit(pos);
                    continue;
                }
                int spaces = 0;
                while (s.space(pos + spaces)) {
                    spaces++;
                }
                if (spaces > 1 && s.in(pos + spaces)) { // \s+(?!\S): leave the last space to the next word
                    pos += spaces - 1;
                    s.emit(pos);
                    continue;
                }
                if (spaces > 0) {
                    pos += spaces;
                    s.emit(pos);
                    continue;
                }
                s.emit(++pos);
            }
            start += len;
        }
        return out;
    }

    /**
     * Llama 3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
     * |\s*[\r\n]+|\s+(?!\S)|\s+}.
     */
    static List<Integer> splitLlama3(int[] cps, List<Integer> pieces) {
        List<Integer> out = new ArrayList<>(pieces.size() * 4);
        int start = 0;
        for (int len : pieces) {
            Scan s = new Scan(cps, start, start + len, out);
            int pos = start;
            while (pos < s.end) {
                int c = s.cp(pos);
                int k = s.contraction(pos, true);
                if (k > 0) {
                    pos += s.emit(pos + k);
                    continue;
                }
                if (!(c == '\r' || c == '\n' || s.number(pos)) && (s.letter(pos) || s.letter(pos + 1))) {
                    pos++;
                    while (s.letter(pos)) {
                        pos++;
                    }
                    s.emit(pos);
                    continue;
                }
                if (s.number(pos)) {
                    int ini = pos;
                    while (s.number(pos)) {
                        if (++pos - ini >= 3) {
                            s.emit(pos);
                            ini = pos;
                        }
                    }
                    s.emit(pos);
                    continue;
                }
                int probe = c == ' ' ? pos + 1 : pos;
                // llama.cpp tests the first code point with the piece-bounds check of the current one, so a
                // lone trailing space is taken here (same result as \s+).
                if (!s.space(probe) && !s.letter(probe) && !s.number(probe)) {
                    pos = probe;
                    while (s.other(pos)) {
                        pos++;
                    }
                    while (s.cp(pos) == '\r' || s.cp(pos) == '\n') {
                        pos++;
                    }
                    s.emit(pos);
                    continue;
                }
                int spaces = 0;
                int lastNewline = 0;
                while (s.space(pos + spaces)) {
                    int c2 = s.cp(pos + spaces);
                    if (c2 == '\r' || c2 == '\n') {
                        lastNewline = pos + spaces + 1;
                    }
                    spaces++;
                }
                if (lastNewline > 0) { // \s*[\r\n]+
                    pos = lastNewline;
                    s.emit(pos);
                    continue;
                }
                if (spaces > 1 && s.in(pos + spaces)) {
                    pos += spaces - 1;
                    s.emit(pos);
                    continue;
                }
                if (spaces > 0) {
                    pos += spaces;
                    s.emit(pos);
                    continue;
                }
                s.emit(++pos);
            }
            start += len;
        }
        return out;
    }
}
