package io.stellarchat.engine.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * The decimal integers of {@code [lo, hi]} as an expression (no leading zeros, {@code -} for negatives,
 * no {@code -0}): split by sign and by digit count, and each same-length range {@code [x, y]} by its first
 * differing digit into "x's digit, then ≥ the rest of x", "a digit strictly between, then any digits" and
 * "y's digit, then ≤ the rest of y". Bounds are limited to 16 digits. Stateless.
 */
final class IntegerRanges {
    private IntegerRanges() {}

    private static final Expr.Bytes DIGIT = Expr.byteRange('0', '9');

    static Expr range(long lo, long hi) {
        List<Expr> options = new ArrayList<>();
        if (lo < 0) {
            long negHi = Math.min(hi, -1);
            // -x for x in [-negHi, -lo]
            options.add(Expr.seq(Expr.lit("-"), unsigned(-negHi, -lo)));
        }
        if (hi >= 0) {
            options.add(unsigned(Math.max(lo, 0), hi));
        }
        return Expr.alt(options);
    }

    /** Non-negative integers in [a, b]. */
    private static Expr unsigned(long a, long b) {
        String sa = Long.toString(a);
        String sb = Long.toString(b);
        List<Expr> options = new ArrayList<>();
        if (sa.length() == sb.length()) {
            return sameLength(sa, sb);
        }
        options.add(sameLength(sa, "9".repeat(sa.length())));
        int between = sb.length() - sa.length() - 1; // lengths strictly between: all numbers of those lengths
        if (between > 0) {
            options.add(Expr.seq(Expr.byteRange('1', '9'), Expr.rep(DIGIT, sa.length(), sb.length() - 2)));
        }
        options.add(sameLength("1" + "0".repeat(sb.length() - 1), sb));
        return Expr.alt(options);
    }

    /** Digit strings of one length between x and y inclusive (x ≤ y). */
    private static Expr sameLength(String x, String y) {
        if (x.isEmpty()) {
            return Expr.EMPTY;
        }
        char x0 = x.charAt(0);
        char y0 = y.charAt(0);
        String xr = x.substring(1);
        String yr = y.substring(1);
        if (x0 == y0) {
            return Expr.seq(Expr.lit(String.valueOf(x0)), sameLength(xr, yr));
        }
        List<Expr> options = new ArrayList<>();
        options.add(Expr.seq(Expr.lit(String.valueOf(x0)), atLeast(xr)));
        if (y0 - x0 > 1) {
            options.add(Expr.seq(Expr.byteRange(x0 + 1, y0 - 1), Expr.rep(DIGIT, xr.length(), xr.length())));
        }
        options.add(Expr.seq(Expr.lit(String.valueOf(y0)), atMost(yr)));
        return Expr.alt(options);
    }

    private static Expr atLeast(String s) {
        if (s.isEmpty()) {
            return Expr.EMPTY;
        }
        if (s.chars().allMatch(c -> c == '0')) {
            return Expr.rep(DIGIT, s.length(), s.length());
        }
        char c = s.charAt(0);
        Expr same = Expr.seq(Expr.lit(String.valueOf(c)), atLeast(s.substring(1)));
        return c == '9' ? same
                : Expr.alt(same, Expr.seq(Expr.byteRange(c + 1, '9'), Expr.rep(DIGIT, s.length() - 1, s.length() - 1)));
    }

    private static Expr atMost(String s) {
        if (s.isEmpty()) {
            return Expr.EMPTY;
        }
        if (s.chars().allMatch(c -> c == '9')) {
            return Expr.rep(DIGIT, s.length(), s.length());
        }
        char c = s.charAt(0);
        Expr same = Expr.seq(Expr.lit(String.valueOf(c)), atMost(s.substring(1)));
        return c == '0' ? same
                : Expr.alt(Expr.seq(Expr.byteRange('0', c - 1), Expr.rep(DIGIT, s.length() - 1, s.length() - 1)), same);
    }
}
