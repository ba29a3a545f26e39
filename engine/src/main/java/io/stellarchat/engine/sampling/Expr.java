package io.stellarchat.engine.sampling;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The source form of a grammar rule body, before {@link RuleCompiler} flattens it into the byte-level
 * pushdown automaton: every front end (GBNF, JSON Schema, regular expressions, composition) builds these.
 * Terminals are sets of <em>bytes</em>; text is UTF-8 and a code point range becomes a few byte sequences
 * ({@link Utf8Ranges}). Immutable.
 */
sealed interface Expr {

    /** One byte out of a set: {@code set} is 256 bits in 4 longs, bit {@code b} for byte {@code b}. */
    record Bytes(long[] set) implements Expr {
        boolean has(int b) {
            return ((set[b >>> 6] >>> b) & 1L) != 0;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes x && Arrays.equals(set, x.set);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(set);
        }
    }

    /** The items one after the other; empty = the empty string. */
    record Seq(List<Expr> items) implements Expr {}

    /** One of the options (an empty list matches nothing). */
    record Alt(List<Expr> options) implements Expr {}

    /** A reference to a named rule. */
    record Ref(String name) implements Expr {}

    /** {@code body} between {@code min} and {@code max} times; {@code max < 0} = unbounded. */
    record Repeat(Expr body, int min, int max) implements Expr {}

    Expr EMPTY = new Seq(List.of());

    static Expr seq(Expr... items) {
        return items.length == 1 ? items[0] : new Seq(List.of(items));
    }

    static Expr seq(List<Expr> items) {
        return items.size() == 1 ? items.get(0) : new Seq(List.copyOf(items));
    }

    static Expr alt(Expr... options) {
        return options.length == 1 ? options[0] : new Alt(List.of(options));
    }

    static Expr alt(List<Expr> options) {
        return options.size() == 1 ? options.get(0) : new Alt(List.copyOf(options));
    }

    static Expr opt(Expr e) {
        return new Repeat(e, 0, 1);
    }

    static Expr star(Expr e) {
        return new Repeat(e, 0, -1);
    }

    static Expr plus(Expr e) {
        return new Repeat(e, 1, -1);
    }

    static Expr rep(Expr e, int min, int max) {
        return new Repeat(e, min, max);
    }

    static Expr ref(String name) {
        return new Ref(name);
    }

    /** The UTF-8 bytes of {@code text}, literally. */
    static Expr lit(String text) {
        return lit(text.getBytes(StandardCharsets.UTF_8));
    }

    static Expr lit(byte[] bytes) {
        List<Expr> items = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            items.add(oneByte(b & 0xFF));
        }
        return seq(items);
    }

    static Bytes oneByte(int b) {
        long[] s = new long[4];
        s[b >>> 6] |= 1L << b;
        return new Bytes(s);
    }

    /** Bytes {@code lo..hi} inclusive. */
    static Bytes byteRange(int lo, int hi) {
        long[] s = new long[4];
        for (int b = lo; b <= hi; b++) {
            s[b >>> 6] |= 1L << b;
        }
        return new Bytes(s);
    }

    /** The ASCII characters listed, e.g. {@code chars("0123456789")}. */
    static Bytes chars(String ascii) {
        long[] s = new long[4];
        for (int i = 0; i < ascii.length(); i++) {
            int b = ascii.charAt(i);
            s[b >>> 6] |= 1L << b;
        }
        return new Bytes(s);
    }

    static Bytes union(Bytes a, Bytes b) {
        long[] s = new long[4];
        for (int i = 0; i < 4; i++) {
            s[i] = a.set[i] | b.set[i];
        }
        return new Bytes(s);
    }

    /** The same expression with every rule reference renamed. */
    static Expr rename(Expr e, UnaryOperator<String> f) {
        return switch (e) {
            case Bytes b -> b;
            case Ref r -> new Ref(f.apply(r.name()));
            case Seq s -> new Seq(s.items().stream().map(x -> rename(x, f)).toList());
            case Alt a -> new Alt(a.options().stream().map(x -> rename(x, f)).toList());
            case Repeat r -> new Repeat(rename(r.body(), f), r.min(), r.max());
        };
    }
}
