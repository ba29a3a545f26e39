package io.stellarchat.engine.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * A JSON Schema {@code pattern} as the content of a JSON string: the regular expression is matched on the
 * decoded string, so each character it allows becomes its JSON encoding ({@code "} as {@code \"}, a
 * newline as {@code \n}, other controls as {@code \}{@code u00XX}, the rest as UTF-8).
 *
 * <p>Subset (Java/ECMA syntax): literals and escaped punctuation, {@code .}, classes {@code [a-z]},
 * {@code [^...]} with {@code \d \w \s} inside, {@code \d \D \w \W \s \S \n \r \t \f \v \xHH \}{@code uHHHH},
 * groups {@code ( )}, {@code (?: )} and named groups, alternation, {@code * + ?} and {@code {n} {n,} {n,m}}
 * (a lazy {@code ?} suffix changes nothing here). {@code ^} only at the start and {@code $} only at the end;
 * without them the pattern may match anywhere, so any text is allowed around it, as JSON Schema says.
 * Refused with a {@link GrammarException}: backreferences, lookaround, word boundaries, possessive
 * quantifiers, anchors elsewhere. Single use, not thread-safe.
 */
final class RegexCompiler {
    private final String re;
    private int pos;

    private RegexCompiler(String re) {
        this.re = re;
    }

    /** The string content (between the quotes) whose decoded text the pattern finds a match in. */
    static Expr compile(String pattern) {
        String p = pattern;
        boolean start = p.startsWith("^");
        if (start) {
            p = p.substring(1);
        }
        boolean end = p.endsWith("$") && !p.endsWith("\\$");
        if (end) {
            p = p.substring(0, p.length() - 1);
        }
        RegexCompiler c = new RegexCompiler(p);
        Expr body = c.alternation();
        if (c.pos != p.length()) {
            throw c.error("unexpected ')'");
        }
        Expr any = Expr.star(encode(Utf8Ranges.complement(new int[0])));
        return Expr.seq(start ? Expr.EMPTY : any, body, end ? Expr.EMPTY : any);
    }

    private Expr alternation() {
        List<Expr> options = new ArrayList<>();
        options.add(concat());
        while (pos < re.length() && re.charAt(pos) == '|') {
            pos++;
            options.add(concat());
        }
        return Expr.alt(options);
    }

    private Expr concat() {
        List<Expr> items = new ArrayList<>();
        while (pos < re.length() && re.charAt(pos) != '|' && re.charAt(pos) != ')') {
            items.add(quantified(atom()));
        }
        return Expr.seq(items);
    }

    private Expr quantified(Expr atom) {
        while (pos < re.length()) {
            char c = re.charAt(pos);
            int min;
            int max;
            if (c == '*') {
                pos++;
                min = 0;
                max = -1;
            } else if (c == '+') {
                pos++;
                min = 1;
                max = -1;
            } else if (c == '?') {
                pos++;
                min = 0;
                max = 1;
            } else if (c == '{' && pos + 1 < re.length() && Character.isDigit(re.charAt(pos + 1))) {
                pos++;
                min = number();
                max = min;
                if (peek() == ',') {
                    pos++;
                    max = Character.isDigit(peek()) ? number() : -1;
                }
                if (peek() != '}') {
                    throw error("expected '}'");
                }
                pos++;
                if (max >= 0 && max < min) {
                    throw error("repetition {" + min + "," + max + "} has max < min");
                }
            } else {
                return atom;
            }
            if (peek() == '?') {
                pos++; // lazy: the same language
            } else if (peek() == '+') {
                throw error("possessive quantifiers are not supported");
            }
            atom = Expr.rep(atom, min, max);
        }
        return atom;
    }

    private Expr atom() {
        char c = re.charAt(pos);
        switch (c) {
            case '(' -> {
                pos++;
                if (re.startsWith("?:", pos)) {
                    pos += 2;
                } else if (re.startsWith("?<", pos) && pos + 2 < re.length()
                        && re.charAt(pos + 2) != '=' && re.charAt(pos + 2) != '!') {
                    int close = re.indexOf('>', pos);
                    if (close < 0) {
                        throw error("unterminated group name");
                    }
                    pos = close + 1;
                } else if (peek() == '?') {
                    throw error("lookaround and inline flags are not supported");
                }
                Expr inner = alternation();
                if (peek() != ')') {
                    throw error("missing ')'");
                }
                pos++;
                return inner;
            }
            case '[' -> {
                return encode(classSet());
            }
            case '.' -> {
                pos++;
                return encode(Utf8Ranges.complement(Utf8Ranges.normalize(List.of(new int[] {'\n', '\n'},
                        new int[] {'\r', '\r'}, new int[] {0x85, 0x85}, new int[] {0x2028, 0x2029}))));
            }
            case '\\' -> {
                pos++;
                int[] set = escapeSet();
                return encode(set);
            }
            case '^', '$' -> throw error("anchors are supported only at the start and end of a pattern");
            case '*', '+', '?', '{' -> throw error("nothing to repeat");
            default -> {
                int cp = re.codePointAt(pos);
                pos += Character.charCount(cp);
                return encode(new int[] {cp, cp});
            }
        }
    }

    private int[] classSet() {
        pos++; // [
        boolean negate = peek() == '^';
        if (negate) {
            pos++;
        }
        List<int[]> ranges = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (pos >= re.length()) {
                throw error("unterminated character class");
            }
            char c = re.charAt(pos);
            if (c == ']' && !first) {
                pos++;
                break;
            }
            first = false;
            int lo;
            if (c == '\\') {
                pos++;
                int[] set = escapeSet();
                if (set.length != 2 || set[0] != set[1]) {
                    for (int i = 0; i < set.length; i += 2) {
                        ranges.add(new int[] {set[i], set[i + 1]});
                    }
                    continue;
                }
                lo = set[0];
            } else if (c == '[') {
                throw error("nested classes are not supported");
            } else {
                lo = re.codePointAt(pos);
                pos += Character.charCount(lo);
            }
            int hi = lo;
            if (peek() == '-' && pos + 1 < re.length() && re.charAt(pos + 1) != ']') {
                pos++;
                if (peek() == '\\') {
                    pos++;
                    int[] set = escapeSet();
                    if (set.length != 2 || set[0] != set[1]) {
                        throw error("a class shorthand cannot end a range");
                    }
                    hi = set[0];
                } else {
                    hi = re.codePointAt(pos);
                    pos += Character.charCount(hi);
                }
                if (hi < lo) {
                    throw error("character range is reversed");
                }
            }
            ranges.add(new int[] {lo, hi});
        }
        int[] set = Utf8Ranges.normalize(ranges);
        return negate ? Utf8Ranges.complement(set) : set;
    }

    /** The set an escape (after the backslash) stands for. */
    private int[] escapeSet() {
        if (pos >= re.length()) {
            throw error("dangling backslash");
        }
        char c = re.charAt(pos++);
        int[] digits = {'0', '9'};
        int[] word = Utf8Ranges.normalize(List.of(new int[] {'0', '9'}, new int[] {'A', 'Z'}, new int[] {'_', '_'},
                new int[] {'a', 'z'}));
        int[] space = Utf8Ranges.normalize(List.of(new int[] {'\t', '\r'}, new int[] {' ', ' '}));
        return switch (c) {
            case 'd' -> digits;
            case 'D' -> Utf8Ranges.complement(digits);
            case 'w' -> word;
            case 'W' -> Utf8Ranges.complement(word);
            case 's' -> space;
            case 'S' -> Utf8Ranges.complement(space);
            case 'n' -> new int[] {'\n', '\n'};
            case 'r' -> new int[] {'\r', '\r'};
            case 't' -> new int[] {'\t', '\t'};
            case 'f' -> new int[] {'\f', '\f'};
            case 'v' -> new int[] {0x0B, 0x0B};
            case 'x' -> one(hex(2));
            case 'u' -> one(hex(4));
            case 'b', 'B' -> throw error("word boundaries are not supported");
            default -> {
                if (Character.isLetterOrDigit(c)) {
                    throw error("escape '\\" + c + "' is not supported");
                }
                yield new int[] {c, c};
            }
        };
    }

    private static int[] one(int cp) {
        return new int[] {cp, cp};
    }

    private int hex(int n) {
        if (pos + n > re.length()) {
            throw error("truncated hex escape");
        }
        try {
            int v = Integer.parseInt(re.substring(pos, pos + n), 16);
            pos += n;
            return v;
        } catch (NumberFormatException e) {
            throw error("bad hex escape");
        }
    }

    private int number() {
        int start = pos;
        while (pos < re.length() && Character.isDigit(re.charAt(pos))) {
            pos++;
        }
        if (pos - start > 5) {
            throw error("repetition count too large");
        }
        return Integer.parseInt(re.substring(start, pos));
    }

    private char peek() {
        return pos < re.length() ? re.charAt(pos) : '\0';
    }

    /** The JSON string encodings of the code points of a normalized set. */
    static Expr encode(int[] set) {
        List<Expr> options = new ArrayList<>();
        long[] plain = new long[4];
        List<int[]> wide = new ArrayList<>();
        for (int i = 0; i < set.length; i += 2) {
            for (int c = set[i]; c <= Math.min(set[i + 1], 0x7F); c++) {
                if (c == '"') {
                    options.add(Expr.lit("\\\""));
                } else if (c == '\\') {
                    options.add(Expr.lit("\\\\"));
                } else if (c < 0x20) {
                    options.add(Expr.lit(switch (c) {
                        case '\n' -> "\\n";
                        case '\r' -> "\\r";
                        case '\t' -> "\\t";
                        case '\b' -> "\\b";
                        case '\f' -> "\\f";
                        default -> String.format("\\u%04x", c);
                    }));
                } else {
                    plain[c >>> 6] |= 1L << c;
                }
            }
            if (set[i + 1] > 0x7F) {
                wide.add(new int[] {Math.max(0x80, set[i]), set[i + 1]});
            }
        }
        if (plain[0] != 0 || plain[1] != 0) {
            options.addFirst(new Expr.Bytes(plain));
        }
        if (!wide.isEmpty()) {
            options.add(Utf8Ranges.expr(Utf8Ranges.normalize(wide)));
        }
        return options.isEmpty() ? new Expr.Alt(List.of()) : Expr.alt(options);
    }

    private GrammarException error(String what) {
        return new GrammarException("pattern '" + re + "' at " + pos + ": " + what);
    }
}
