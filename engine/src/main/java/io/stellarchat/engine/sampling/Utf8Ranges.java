package io.stellarchat.engine.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * Code point sets as byte-level expressions: a set of Unicode scalar values (sorted, disjoint, inclusive
 * ranges, surrogates excluded) becomes an alternation of UTF-8 byte-range sequences, each sequence one
 * {@link Expr.Bytes} per byte. A range is split where its encodings change length and where its
 * continuation bytes stop spanning the full {@code 80..BF}, so every sequence is a product of byte ranges
 * (the classic UTF-8 range compilation of regular-expression engines).
 */
final class Utf8Ranges {
    private Utf8Ranges() {}

    static final int MAX = 0x10FFFF;

    /** {@code ranges} as pairs {@code lo0, hi0, lo1, hi1, …}: sorted and merged, surrogates removed. */
    static int[] normalize(List<int[]> ranges) {
        List<int[]> r = new ArrayList<>();
        for (int[] x : ranges) {
            int lo = Math.max(0, x[0]);
            int hi = Math.min(MAX, x[1]);
            if (lo > hi) {
                continue;
            }
            // drop the surrogate block D800..DFFF
            if (lo < 0xD800 && hi > 0xDFFF) {
                r.add(new int[] {lo, 0xD7FF});
                r.add(new int[] {0xE000, hi});
            } else if (lo >= 0xD800 && hi <= 0xDFFF) {
                continue;
            } else if (lo >= 0xD800 && lo <= 0xDFFF) {
                r.add(new int[] {0xE000, hi});
            } else if (hi >= 0xD800 && hi <= 0xDFFF) {
                r.add(new int[] {lo, 0xD7FF});
            } else {
                r.add(new int[] {lo, hi});
            }
        }
        r.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<int[]> merged = new ArrayList<>();
        for (int[] x : r) {
            if (!merged.isEmpty() && merged.getLast()[1] + 1 >= x[0]) {
                merged.getLast()[1] = Math.max(merged.getLast()[1], x[1]);
            } else {
                merged.add(x.clone());
            }
        }
        int[] out = new int[merged.size() * 2];
        for (int i = 0; i < merged.size(); i++) {
            out[2 * i] = merged.get(i)[0];
            out[2 * i + 1] = merged.get(i)[1];
        }
        return out;
    }

    /** The complement of a normalized set within the scalar values. */
    static int[] complement(int[] set) {
        List<int[]> r = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < set.length; i += 2) {
            if (set[i] > next) {
                r.add(new int[] {next, set[i] - 1});
            }
            next = set[i + 1] + 1;
        }
        if (next <= MAX) {
            r.add(new int[] {next, MAX});
        }
        return normalize(r);
    }

    /** The byte-level expression matching exactly the UTF-8 encodings of a normalized set. */
    static Expr expr(int[] set) {
        List<Expr> options = new ArrayList<>();
        long[] single = new long[4]; // one-byte encodings gathered into one byte set
        for (int i = 0; i < set.length; i += 2) {
            split(set[i], set[i + 1], options, single);
        }
        if (single[0] != 0 || single[1] != 0) {
            options.addFirst(new Expr.Bytes(single));
        }
        return options.isEmpty() ? new Expr.Alt(List.of()) : Expr.alt(options);
    }

    private static void split(int lo, int hi, List<Expr> out, long[] single) {
        int[] bounds = {0x7F, 0x7FF, 0xFFFF};
        for (int b : bounds) {
            if (lo <= b && hi > b) {
                split(lo, b, out, single);
                split(b + 1, hi, out, single);
                return;
            }
        }
        if (hi <= 0x7F) {
            for (int c = lo; c <= hi; c++) {
                single[c >>> 6] |= 1L << c;
            }
            return;
        }
        int n = hi <= 0x7FF ? 2 : hi <= 0xFFFF ? 3 : 4;
        for (int i = 1; i < n; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    split(lo, lo | m, out, single);
                    split((lo | m) + 1, hi, out, single);
                    return;
                }
                if ((hi & m) != m) {
                    split(lo, (hi & ~m) - 1, out, single);
                    split(hi & ~m, hi, out, single);
                    return;
                }
            }
        }
        byte[] a = encode(lo, n);
        byte[] z = encode(hi, n);
        List<Expr> seq = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            seq.add(Expr.byteRange(a[i] & 0xFF, z[i] & 0xFF));
        }
        out.add(Expr.seq(seq));
    }

    private static byte[] encode(int cp, int n) {
        return switch (n) {
            case 2 -> new byte[] {(byte) (0xC0 | cp >> 6), (byte) (0x80 | cp & 0x3F)};
            case 3 -> new byte[] {(byte) (0xE0 | cp >> 12), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
            default -> new byte[] {(byte) (0xF0 | cp >> 18), (byte) (0x80 | cp >> 12 & 0x3F),
                    (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
        };
    }
}
