package io.stellarchat.engine.sampling;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llama.cpp's GBNF grammar text as {@link Expr} rules. Supported: {@code name ::= body} rules (names of
 * letters, digits, {@code -} and {@code _}), alternatives {@code |}, groups {@code ( )}, {@code *} {@code +}
 * {@code ?} and {@code {m}} {@code {m,}} {@code {m,n}} repetition, string literals with escapes
 * ({@code \n \r \t \\ \" \xHH}, {@code \}{@code uHHHH}, {@code \}{@code UHHHHHHHH}), character classes with ranges and negation
 * ({@code [a-z0-9_]}, {@code [^"\\]}) over Unicode code points, {@code .} (any character), {@code #}
 * comments. A rule body may span lines; it ends where the next {@code name ::=} begins. The start rule is
 * {@code root}. Single use, not thread-safe.
 */
final class GbnfParser {
    private final String src;
    private int pos;

    private GbnfParser(String src) {
        this.src = src;
    }

    static Map<String, Expr> parse(String text) {
        if (text == null) {
            throw new GrammarException("GBNF text is null");
        }
        return new GbnfParser(text).rules();
    }

    private Map<String, Expr> rules() {
        Map<String, Expr> rules = new LinkedHashMap<>();
        skipSpace();
        while (pos < src.length()) {
            int at = pos;
            String name = name();
            if (name.isEmpty()) {
                throw error("expected a rule name");
            }
            skipSpace();
            if (!src.startsWith("::=", pos)) {
                throw error("expected '::=' after rule name '" + name + "'");
            }
            pos += 3;
            Expr body = alternatives();
            if (rules.put(name, body) != null) {
                pos = at;
                throw error("rule '" + name + "' is defined twice");
            }
            skipSpace();
        }
        if (rules.isEmpty()) {
            throw new GrammarException("GBNF: the grammar has no rules");
        }
        return rules;
    }

    private Expr alternatives() {
        List<Expr> options = new ArrayList<>();
        options.add(sequence());
        while (true) {
            skipSpace();
            if (pos < src.length() && src.charAt(pos) == '|') {
                pos++;
                options.add(sequence());
            } else {
                return Expr.alt(options);
            }
        }
    }

    private Expr sequence() {
        List<Expr> items = new ArrayList<>();
        while (true) {
            skipSpace();
            if (pos >= src.length()) {
                break;
            }
            char c = src.charAt(pos);
            if (c == '|' || c == ')' || atRuleStart()) {
                break;
            }
            Expr item = atom();
            items.add(postfix(item));
        }
        return Expr.seq(items);
    }

    private Expr postfix(Expr item) {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '*') {
                pos++;
                item = Expr.star(item);
            } else if (c == '+') {
                pos++;
                item = Expr.plus(item);
            } else if (c == '?') {
                pos++;
                item = Expr.opt(item);
            } else if (c == '{') {
                pos++;
                int min = number();
                int max = min;
                skipBlanks();
                if (pos < src.length() && src.charAt(pos) == ',') {
                    pos++;
                    skipBlanks();
                    max = pos < src.length() && Character.isDigit(src.charAt(pos)) ? number() : -1;
                }
                skipBlanks();
                expect('}');
                if (max >= 0 && max < min) {
                    throw error("repetition {" + min + "," + max + "} has max < min");
                }
                item = Expr.rep(item, min, max);
            } else {
                break;
            }
        }
        return item;
    }

    private Expr atom() {
        char c = src.charAt(pos);
        switch (c) {
            case '"' -> {
                pos++;
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                while (true) {
                    if (pos >= src.length()) {
                        throw error("unterminated string literal");
                    }
                    char d = src.charAt(pos);
                    if (d == '"') {
                        pos++;
                        break;
                    }
                    int cp = d == '\\' ? escape() : src.codePointAt(pos);
                    if (d != '\\') {
                        pos += Character.charCount(cp);
                    }
                    out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                }
                return Expr.lit(out.toByteArray());
            }
            case '[' -> {
                return charClass();
            }
            case '(' -> {
                pos++;
                Expr inner = alternatives();
                skipSpace();
                expect(')');
                return inner;
            }
            case '.' -> {
                pos++;
                return Utf8Ranges.expr(Utf8Ranges.normalize(List.of(new int[] {0, Utf8Ranges.MAX})));
            }
            default -> {
                String name = name();
                if (name.isEmpty()) {
                    throw error("unexpected character '" + c + "'");
                }
                return Expr.ref(name);
            }
        }
    }

    private Expr charClass() {
        pos++; // [
        boolean negate = pos < src.length() && src.charAt(pos) == '^';
        if (negate) {
            pos++;
        }
        List<int[]> ranges = new ArrayList<>();
        while (true) {
            if (pos >= src.length()) {
                throw error("unterminated character class");
            }
            if (src.charAt(pos) == ']') {
                pos++;
                break;
            }
            int lo = classChar();
            int hi = lo;
            if (pos + 1 < src.length() && src.charAt(pos) == '-' && src.charAt(pos + 1) != ']') {
                pos++;
                hi = classChar();
                if (hi < lo) {
                    throw error("character range is reversed");
                }
            }
            ranges.add(new int[] {lo, hi});
        }
        int[] set = Utf8Ranges.normalize(ranges);
        return Utf8Ranges.expr(negate ? Utf8Ranges.complement(set) : set);
    }

    private int classChar() {
        if (src.charAt(pos) == '\\') {
            return escape();
        }
        int cp = src.codePointAt(pos);
        pos += Character.charCount(cp);
        return cp;
    }

    /** An escape at {@code pos} (the backslash); returns its code point and moves past it. */
    private int escape() {
        pos++;
        if (pos >= src.length()) {
            throw error("dangling backslash");
        }
        char c = src.charAt(pos++);
        return switch (c) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case '0' -> 0;
            case '\\', '"', '[', ']', '-', '^', '\'' -> c;
            case 'x' -> hex(2);
            case 'u' -> hex(4);
            case 'U' -> hex(8);
            default -> throw error("unknown escape '\\" + c + "'");
        };
    }

    private int hex(int digits) {
        if (pos + digits > src.length()) {
            throw error("truncated hex escape");
        }
        try {
            int v = Integer.parseInt(src.substring(pos, pos + digits), 16);
            pos += digits;
            if (v > Utf8Ranges.MAX) {
                throw error("code point above U+10FFFF");
            }
            return v;
        } catch (NumberFormatException e) {
            throw error("bad hex escape");
        }
    }

    private int number() {
        int start = pos;
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
            pos++;
        }
        if (start == pos || pos - start > 6) {
            throw error("expected a repetition count");
        }
        return Integer.parseInt(src.substring(start, pos));
    }

    private String name() {
        int start = pos;
        while (pos < src.length() && isNameChar(src.charAt(pos))) {
            pos++;
        }
        return src.substring(start, pos);
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    /** Whether a new rule ({@code name ::=}) starts at {@code pos}. */
    private boolean atRuleStart() {
        int p = pos;
        while (p < src.length() && isNameChar(src.charAt(p))) {
            p++;
        }
        if (p == pos) {
            return false;
        }
        while (p < src.length() && (src.charAt(p) == ' ' || src.charAt(p) == '\t')) {
            p++;
        }
        return src.startsWith("::=", p);
    }

    private void expect(char c) {
        if (pos >= src.length() || src.charAt(pos) != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private void skipBlanks() {
        while (pos < src.length() && (src.charAt(pos) == ' ' || src.charAt(pos) == '\t')) {
            pos++;
        }
    }

    private void skipSpace() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '#') {
                while (pos < src.length() && src.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else {
                return;
            }
        }
    }

    private GrammarException error(String what) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < Math.min(pos, src.length()); i++) {
            if (src.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new GrammarException("GBNF line " + line + ", column " + col + ": " + what);
    }
}
