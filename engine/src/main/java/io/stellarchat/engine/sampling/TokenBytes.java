package io.stellarchat.engine.sampling;

import io.stellarchat.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model's vocabulary as byte strings, arranged as a trie for grammar masks. Built once per model
 * ({@link #of}); immutable and thread-safe afterwards, shared by every {@link GrammarMatcher} of that model.
 *
 * <p><b>Which tokens.</b> A token's bytes are what it adds to the generated text
 * ({@link Tokenizer#tokenBytes}): a SentencePiece {@code ▁} is a space, a byte-fallback {@code <0xNN>} is
 * byte NN, a byte-level BPE token is decoded through GPT-2's byte alphabet, a user-defined token (e.g.
 * {@code <tool_call>} in some vocabularies) is its text. Control and unknown tokens, unused ones and tokens
 * of no bytes are never allowed under a grammar; end-of-generation tokens ({@link Tokenizer#isEndOfGeneration})
 * are allowed exactly where the grammar may end.
 *
 * <p><b>Trie.</b> The allowed tokens sorted by their bytes (unsigned) give a trie in pre-order: node
 * {@code n} has the edge byte {@code label[n]}, its first child and next sibling, and the tokens whose
 * bytes end at it. A mask walks this trie with the pushdown automaton and drops a whole subtree at the
 * first byte no stack accepts, so a state that allows few tokens costs a few node visits, not one check
 * per token.
 */
public final class TokenBytes {
    private final int vocabSize;
    private final byte[][] bytes;     // (vocabSize), null for tokens never allowed under a grammar
    private final int[] endTokens;    // end-of-generation ids
    // trie, node 0 = root: (nodes)
    private final int[] label;
    private final int[] firstChild;
    private final int[] nextSibling;
    private final int[] parent;
    private final int[] subtreeEnd;    // nodes are numbered in pre-order: n's subtree is [n, subtreeEnd[n])
    private final long[] subtreeBytes; // (nodes, 4): the edge bytes below node n
    private final int[] tokenFrom;    // tokens ending at node n: tokenIds[tokenFrom[n] .. tokenFrom[n+1])
    private final int[] tokenIds;

    private TokenBytes(byte[][] bytes, int[] endTokens) {
        this.vocabSize = bytes.length;
        this.bytes = bytes;
        this.endTokens = endTokens;
        Integer[] order = new Integer[bytes.length];
        int n = 0;
        long totalBytes = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != null) {
                order[n++] = i;
                totalBytes += bytes[i].length;
            }
        }
        Integer[] sorted = Arrays.copyOf(order, n);
        Arrays.sort(sorted, (a, b) -> {
            int c = Arrays.compareUnsigned(bytes[a], bytes[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int cap = (int) Math.min(Integer.MAX_VALUE - 8, totalBytes + 2);
        int[] lab = new int[Math.min(cap, 1 << 16)];
        int[] first = new int[lab.length];
        int[] next = new int[lab.length];
        int[] lastChild = new int[lab.length];
        int[] tokCount = new int[lab.length];
        int[] tokNode = new int[n];
        int nodes = 1;
        first[0] = -1;
        next[0] = -1;
        lastChild[0] = -1;
        int[] path = new int[1]; // path[d] = node at depth d of the previous token
        byte[] prev = new byte[0];
        int depthMax = 0;
        for (int k = 0; k < n; k++) {
            byte[] w = bytes[sorted[k]];
            int lcp = 0;
            while (lcp < w.length && lcp < prev.length && w[lcp] == prev[lcp]) {
                lcp++;
            }
            if (path.length < w.length + 1) {
                path = Arrays.copyOf(path, w.length + 1);
            }
            int node = path[lcp];
            for (int d = lcp; d < w.length; d++) {
                if (nodes == lab.length) {
                    int size = (int) Math.min(cap, (long) nodes * 2);
                    lab = Arrays.copyOf(lab, size);
                    first = Arrays.copyOf(first, size);
                    next = Arrays.copyOf(next, size);
                    lastChild = Arrays.copyOf(lastChild, size);
                    tokCount = Arrays.copyOf(tokCount, size);
                }
                int c = nodes++;
                lab[c] = w[d] & 0xFF;
                first[c] = -1;
                next[c] = -1;
                lastChild[c] = -1;
                if (lastChild[node] < 0) {
                    first[node] = c;
                } else {
                    next[lastChild[node]] = c;
                }
                lastChild[node] = c;
                node = c;
                path[d + 1] = c;
            }
            tokNode[k] = node;
            tokCount[node]++;
            prev = w;
            depthMax = Math.max(depthMax, w.length);
        }
        this.label = Arrays.copyOf(lab, nodes);
        this.firstChild = Arrays.copyOf(first, nodes);
        this.nextSibling = Arrays.copyOf(next, nodes);
        this.parent = new int[nodes];
        parent[0] = -1;
        for (int n0 = 0; n0 < nodes; n0++) {
            for (int c = firstChild[n0]; c >= 0; c = nextSibling[c]) {
                parent[c] = n0;
            }
        }
        this.subtreeEnd = new int[nodes];
        this.subtreeBytes = new long[nodes * 4];
        for (int n0 = nodes - 1; n0 >= 0; n0--) {
            subtreeEnd[n0] = Math.max(subtreeEnd[n0], n0 + 1);
            if (n0 > 0) {
                int p = parent[n0];
                subtreeEnd[p] = Math.max(subtreeEnd[p], subtreeEnd[n0]);
                int b = label[n0];
                subtreeBytes[p * 4 + (b >>> 6)] |= 1L << b;
                for (int w = 0; w < 4; w++) {
                    subtreeBytes[p * 4 + w] |= subtreeBytes[n0 * 4 + w];
                }
            }
        }
        this.tokenFrom = new int[nodes + 1];
        for (int i = 0; i < nodes; i++) {
            tokenFrom[i + 1] = tokenFrom[i] + tokCount[i];
        }
        this.tokenIds = new int[n];
        int[] fill = Arrays.copyOf(tokenFrom, nodes);
        for (int k = 0; k < n; k++) {
            tokenIds[fill[tokNode[k]]++] = sorted[k];
        }
    }

    /** The vocabulary of {@code tokenizer}. Cost: one pass over the vocabulary and a sort; do it once per model. */
    public static TokenBytes of(Tokenizer tokenizer) {
        int v = tokenizer.vocabSize();
        byte[][] bytes = new byte[v][];
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < v; i++) {
            if (tokenizer.isEndOfGeneration(i)) {
                ends.add(i);
                continue;
            }
            if (tokenizer.isControl(i)) {
                continue;
            }
            byte[] piece = tokenizer.pieceBytes(i, false);
            // unknown/unused tokens have no bytes in a stream; a token of no bytes could repeat forever
            bytes[i] = piece.length == 0 ? null : piece;
        }
        return new TokenBytes(bytes, ends.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * A vocabulary given directly (tests, synthetic models): {@code tokens[i]} is token i's bytes, or null
     * for a token never allowed; {@code endTokens} are allowed where the grammar may end.
     */
    public static TokenBytes of(byte[][] tokens, int[] endTokens) {
        byte[][] copy = new byte[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            copy[i] = tokens[i] == null || tokens[i].length == 0 ? null : tokens[i].clone();
        }
        for (int e : endTokens) {
            if (e < 0 || e >= tokens.length) {
                throw new IllegalArgumentException("end token " + e + " is outside the vocabulary");
            }
            copy[e] = null;
        }
        return new TokenBytes(copy, endTokens.clone());
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Token {@code id}'s bytes under a grammar, or null when a grammar never allows it. */
    public byte[] bytes(int id) {
        return bytes[id] == null ? null : bytes[id].clone();
    }

    /** Words of a mask over this vocabulary: {@code ceil(vocabSize / 64)}. */
    public int maskWords() {
        return (vocabSize + 63) >>> 6;
    }

    int trieNodes() {
        return label.length;
    }

    byte[] rawBytes(int id) {
        return bytes[id];
    }

    boolean isEnd(int id) {
        for (int e : endTokens) {
            if (e == id) {
                return true;
            }
        }
        return false;
    }

    int[] endTokens() {
        return endTokens;
    }

    /**
     * Sets in {@code mask} the bit of every token whose bytes {@code a} accepts from {@code s} (end tokens
     * not included): a depth-first walk of the trie, a subtree skipped at the first refused byte.
     */
    void walk(Automaton a, Automaton.State s, long[] mask) {
        walk(a, s, 0, mask);
    }

    /**
     * The context-independent half of a mask: walks from a truncated state ({@link Automaton#truncate}),
     * setting in {@code mask} the tokens accepted without leaving the kept frames, and returning the trie
     * nodes where some path left them (there, and in the subtree below, the full state must decide).
     */
    int[] walkIndependent(Automaton a, Automaton.State truncated, long[] mask) {
        IntList uncertain = new IntList();
        walkIndependent(a, truncated, 0, mask, uncertain);
        return uncertain.toArray();
    }

    private void walkIndependent(Automaton a, Automaton.State s, int node, long[] mask, IntList uncertain) {
        long[] nb = a.nextBytes(s);
        for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
            int b = label[c];
            if (((nb[b >>> 6] >>> b) & 1L) == 0) {
                continue;
            }
            Automaton.State s2 = a.step(s, b);
            if (s2 == null) {
                continue;
            }
            if (s2.accepting) {
                uncertain.add(c);
                continue;
            }
            for (int k = tokenFrom[c]; k < tokenFrom[c + 1]; k++) {
                int t = tokenIds[k];
                mask[t >>> 6] |= 1L << t;
            }
            if (firstChild[c] >= 0) {
                if (s2 == s && loopsOverSubtree(a, s2, c)) {
                    markSubtree(c, mask); // s2 loops and does not accept: no path below leaves the frames
                } else {
                    walkIndependent(a, s2, c, mask, uncertain);
                }
            }
        }
    }

    /**
     * The context-dependent half: for each node the independent walk left open, matches the node's bytes
     * from the full state {@code s} and, if they are accepted, sets its tokens and walks its subtree.
     */
    void walkDependent(Automaton a, Automaton.State s, int[] nodes, long[] mask) {
        byte[] path = new byte[64];
        for (int u : nodes) {
            int len = 0;
            for (int n = u; n > 0; n = parent[n]) {
                if (len == path.length) {
                    path = Arrays.copyOf(path, len * 2);
                }
                path[len++] = (byte) label[n];
            }
            Automaton.State cur = s;
            for (int i = len - 1; i >= 0 && cur != null; i--) {
                cur = a.step(cur, path[i] & 0xFF);
            }
            if (cur == null) {
                continue;
            }
            for (int k = tokenFrom[u]; k < tokenFrom[u + 1]; k++) {
                int t = tokenIds[k];
                mask[t >>> 6] |= 1L << t;
            }
            if (firstChild[u] >= 0 && cur.stacks.length > 0) {
                walk(a, cur, u, mask);
            }
        }
    }

    /** A growable int list (package scratch). */
    private static final class IntList {
        private int[] a = new int[16];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    private void walk(Automaton a, Automaton.State s, int node, long[] mask) {
        long[] nb = a.nextBytes(s);
        for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
            int b = label[c];
            if (((nb[b >>> 6] >>> b) & 1L) == 0) {
                continue;
            }
            Automaton.State s2 = a.step(s, b);
            if (s2 == null) {
                continue;
            }
            for (int k = tokenFrom[c]; k < tokenFrom[c + 1]; k++) {
                int t = tokenIds[k];
                mask[t >>> 6] |= 1L << t;
            }
            if (firstChild[c] >= 0 && s2.stacks.length > 0) {
                if (s2 == s && loopsOverSubtree(a, s2, c)) {
                    markSubtree(c, mask);
                } else {
                    walk(a, s2, c, mask);
                }
            }
        }
    }

    /**
     * Whether every byte below node {@code c} leads state {@code s} back to itself (e.g. ASCII text inside an
     * unbounded string): then every token of the subtree is accepted without walking it.
     */
    private boolean loopsOverSubtree(Automaton a, Automaton.State s, int c) {
        long[] loop = a.loopBytes(s);
        int o = c * 4;
        return (subtreeBytes[o] & ~loop[0]) == 0 && (subtreeBytes[o + 1] & ~loop[1]) == 0
                && (subtreeBytes[o + 2] & ~loop[2]) == 0 && (subtreeBytes[o + 3] & ~loop[3]) == 0;
    }

    /** Sets the tokens of the nodes strictly below {@code c} (a contiguous run in pre-order). */
    private void markSubtree(int c, long[] mask) {
        for (int k = tokenFrom[c + 1]; k < tokenFrom[subtreeEnd[c]]; k++) {
            int t = tokenIds[k];
            mask[t >>> 6] |= 1L << t;
        }
    }
}
