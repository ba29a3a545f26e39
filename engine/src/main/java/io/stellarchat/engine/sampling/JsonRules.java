package io.stellarchat.engine.sampling;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of generated JSON shared by {@link Grammar#jsonObject()} and {@link JsonSchemaCompiler}: bounded
 * whitespace, strings (UTF-8 code points except {@code "}, {@code \} and controls, plus the JSON escapes
 * with lone surrogates excluded), numbers of bounded length, and generic values. A rule set under
 * construction; single use, not thread-safe.
 */
final class JsonRules {
    /** Spaces allowed after one newline between tokens. */
    static final int MAX_INDENT = 20;
    static final int MAX_INT_DIGITS = 16;
    static final int MAX_FRACTION_DIGITS = 16;

    final Map<String, Expr> rules = new LinkedHashMap<>();
    private int counter;

    /** Defines a fresh rule named after {@code hint}; returns its name. */
    String define(String hint, Expr body) {
        String name = hint + "-" + (counter++);
        rules.put(name, body);
        return name;
    }

    /** Defines {@code name} once (later calls return the name). */
    private String shared(String name, java.util.function.Supplier<Expr> body) {
        if (!rules.containsKey(name)) {
            rules.put(name, Expr.EMPTY); // reserve: a body may refer back to its own rule
            rules.put(name, body.get());
        }
        return name;
    }

    Expr ws() {
        return Expr.ref(shared("ws", () -> Expr.opt(Expr.alt(Expr.lit(" "),
                Expr.seq(Expr.lit("\n"), Expr.rep(Expr.lit(" "), 0, MAX_INDENT))))));
    }

    /** Code points allowed unescaped in a JSON string. */
    static int[] plainChars() {
        return Utf8Ranges.normalize(List.of(new int[] {0x20, 0x21}, new int[] {0x23, 0x5B},
                new int[] {0x5D, Utf8Ranges.MAX}));
    }

    /** One character of a JSON string's content: a plain code point or an escape. */
    Expr stringChar() {
        return Expr.ref(shared("char", () -> Expr.alt(Utf8Ranges.expr(plainChars()), escape())));
    }

    static Expr escape() {
        Expr.Bytes hex = Expr.chars("0123456789abcdefABCDEF");
        Expr notSurrogate = Expr.alt(
                Expr.seq(Expr.chars("0123456789abcefABCEF"), hex, hex, hex),
                Expr.seq(Expr.chars("dD"), Expr.chars("01234567"), hex, hex));
        return Expr.seq(Expr.lit("\\"), Expr.alt(Expr.chars("\"\\/bfnrt"), Expr.seq(Expr.lit("u"), notSurrogate)));
    }

    Expr string() {
        return Expr.ref(shared("string", () -> quoted(Expr.star(stringChar()))));
    }

    static Expr quoted(Expr content) {
        return Expr.seq(Expr.lit("\""), content, Expr.lit("\""));
    }

    /** An unsigned integer without leading zeros, at most {@value #MAX_INT_DIGITS} digits. */
    static Expr unsignedInt() {
        return Expr.alt(Expr.lit("0"), Expr.seq(Expr.byteRange('1', '9'),
                Expr.rep(Expr.byteRange('0', '9'), 0, MAX_INT_DIGITS - 1)));
    }

    static Expr fraction() {
        return Expr.seq(Expr.lit("."), Expr.rep(Expr.byteRange('0', '9'), 1, MAX_FRACTION_DIGITS));
    }

    Expr integer() {
        return Expr.ref(shared("integer", () -> Expr.seq(Expr.opt(Expr.lit("-")), unsignedInt())));
    }

    Expr number() {
        return Expr.ref(shared("number", () -> Expr.seq(Expr.opt(Expr.lit("-")), unsignedInt(),
                Expr.opt(fraction()),
                Expr.opt(Expr.seq(Expr.chars("eE"), Expr.opt(Expr.chars("+-")),
                        Expr.rep(Expr.byteRange('0', '9'), 1, 3))))));
    }

    Expr bool() {
        return Expr.alt(Expr.lit("true"), Expr.lit("false"));
    }

    /** Any JSON value. */
    Expr value() {
        return Expr.ref(shared("value", () -> Expr.alt(Expr.ref(object()), array(), string(), number(), bool(),
                Expr.lit("null"))));
    }

    /** Any JSON object: {@code "{" ws (member ("," ws member)*)? "}"}, member = string ws ":" ws value ws. */
    String object() {
        return shared("object", () -> {
            Expr member = Expr.ref(shared("member", () -> Expr.seq(string(), ws(), Expr.lit(":"), ws(),
                    value(), ws())));
            return Expr.seq(Expr.lit("{"), ws(),
                    Expr.opt(Expr.seq(member, Expr.star(Expr.seq(Expr.lit(","), ws(), member)))),
                    Expr.lit("}"));
        });
    }

    Expr array() {
        return Expr.ref(shared("array", () -> list(value(), 0, -1)));
    }

    /** {@code "[" ws (item ws ("," ws item ws)*)? "]"} with between min and max items (max < 0: any). */
    Expr list(Expr item, int min, int max) {
        Expr it = Expr.seq(item, ws());
        Expr more = Expr.seq(Expr.lit(","), ws(), it);
        Expr body;
        if (max == 0) {
            body = Expr.EMPTY;
        } else {
            Expr tail = Expr.rep(more, Math.max(0, min - 1), max < 0 ? -1 : max - 1);
            body = min == 0 ? Expr.opt(Expr.seq(it, tail)) : Expr.seq(it, tail);
        }
        return Expr.seq(Expr.lit("["), ws(), body, Expr.lit("]"));
    }

    /** A tuple: the given items in order, then {@code rest} items (null: none) between the bounds. */
    Expr tuple(List<Expr> prefix, Expr rest, int min, int max) {
        // items after the prefix: count in [max(0, min - n), max - n]
        int n = prefix.size();
        List<Expr> parts = new ArrayList<>();
        parts.add(Expr.lit("["));
        parts.add(ws());
        // prefix items may stop early only when min allows it: item k (0-based) is required while k < min
        Expr tail = Expr.EMPTY;
        if (rest != null && (max < 0 || max > n)) {
            Expr more = Expr.seq(Expr.lit(","), ws(), rest, ws());
            tail = Expr.rep(more, Math.max(0, min - n), max < 0 ? -1 : max - n);
        }
        Expr acc = tail;
        for (int k = Math.min(n, max < 0 ? n : max) - 1; k >= 0; k--) {
            Expr item = Expr.seq(k == 0 ? Expr.EMPTY : Expr.seq(Expr.lit(","), ws()), prefix.get(k), ws(), acc);
            acc = k < min ? item : Expr.opt(item);
        }
        if (n == 0) {
            acc = list(rest == null ? Expr.alt(List.of()) : rest, min, max);
            return acc;
        }
        parts.add(acc);
        parts.add(Expr.lit("]"));
        return Expr.seq(parts);
    }
}
