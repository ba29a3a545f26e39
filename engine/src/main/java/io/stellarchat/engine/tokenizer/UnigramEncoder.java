package io.stellarchat.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SentencePiece Unigram ({@code tokenizer.ggml.model = t5}; llama.cpp's UGM, {@code llm_tokenizer_ugm}): the
 * vocabulary of T5 and of XLM-RoBERTa rerankers and embedders (bge-m3, bge-reranker-v2-m3, multilingual-e5).
 *
 * <p>Encoding one text fragment has two steps, both over UTF-8 bytes:
 * <ol>
 *   <li>Normalisation. At each position the longest path into the user-defined tokens' trie is copied as is;
 *       otherwise the longest key of the precompiled charsmap ({@code tokenizer.ggml.precompiled_charsmap}, a
 *       SentencePiece XOR-compressed double array followed by NUL-terminated replacements) is replaced; otherwise
 *       one code point is copied. In the result every space byte becomes {@code ▁}; with
 *       {@code remove_extra_whitespaces} runs of spaces collapse and every word gets one {@code ▁} before it
 *       (so leading and trailing spaces vanish); otherwise {@code add_space_prefix} puts one {@code ▁} before
 *       the first non-space.</li>
 *   <li>Viterbi. {@code best[i]} is the highest score sum of a segmentation of the first {@code i} bytes. From
 *       each code point boundary every token that starts there (a walk down the byte trie of normal,
 *       user-defined and unused tokens) is a candidate ending further on; a user-defined token scores 0, others
 *       their {@code scores} entry. A code point that no single token covers may also be taken as the unknown
 *       token at the lowest normal score minus 10. Sums are formed in double and stored as float, as llama.cpp
 *       does; a tie keeps the earlier candidate. Backtracking from the end gives the tokens; a run of unknowns
 *       becomes one unknown token.</li>
 * </ol>
 *
 * <p>Token kinds are the file's {@code token_type} values, before the tokenizer's text-based adjustments (llama.cpp
 * builds this tokenizer before it adjusts them). Immutable and thread-safe.
 */
final class UnigramEncoder {
    private static final byte[] ESCAPED_SPACE = "\u2581".getBytes(StandardCharsets.UTF_8);
    private static final byte[] REPLACEMENT = "\uFFFD".getBytes(StandardCharsets.UTF_8);
    private static final float UNKNOWN_PENALTY = 10f;

    private final ByteTrie tokens;
    private final ByteTrie userDefined;
    private final boolean[] isUserDefined;
    private final float[] scores;
    private final int unk;
    private final float unknownScore;
    private final boolean addSpacePrefix;
    private final boolean removeExtraWhitespaces;
    private final Charsmap charsmap;

    /**
     * @param texts      token texts, index = id
     * @param types      the file's token types ({@link Vocabulary#TYPE_NORMAL} …)
     * @param scores     token scores (log probabilities)
     * @param unk        the unknown token
     * @param charsmap   the precompiled charsmap, empty when the file has none
     * @throws IllegalArgumentException if the charsmap is malformed
     */
    UnigramEncoder(String[] texts, int[] types, float[] scores, int unk, boolean addSpacePrefix,
                   boolean removeExtraWhitespaces, byte[] charsmap) {
        this.scores = scores;
        this.unk = unk;
        this.addSpacePrefix = addSpacePrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.charsmap = charsmap.length == 0 ? null : new Charsmap(charsmap);
        ByteTrie.Builder all = new ByteTrie.Builder();
        ByteTrie.Builder user = new ByteTrie.Builder();
        this.isUserDefined = new boolean[texts.length];
        float min = Float.MAX_VALUE;
        for (int id = 0; id < texts.length; id++) {
            int t = types[id];
            if (t == Vocabulary.TYPE_NORMAL) {
                min = Math.min(min, scores[id]);
            }
            byte[] bytes = texts[id].getBytes(StandardCharsets.UTF_8);
            if (t == Vocabulary.TYPE_NORMAL || t == Vocabulary.TYPE_USER_DEFINED || t == Vocabulary.TYPE_UNUSED) {
                all.insert(bytes, id);
            }
            if (t == Vocabulary.TYPE_USER_DEFINED) {
                user.insert(bytes, id);
                isUserDefined[id] = true;
            }
        }
        this.unknownScore = min - UNKNOWN_PENALTY;
        this.tokens = all.build();
        this.userDefined = user.build();
    }

    void encode(String text, IntList out) {
        byte[] s = normalize(text.getBytes(StandardCharsets.UTF_8));
        int n = s.length;
        if (n == 0) {
            return;
        }
        // best[i]: score sum, token and start of the last token of the best segmentation of s[0, i).
        float[] sum = new float[n + 1];
        int[] token = new int[n + 1];
        int[] from = new int[n + 1];
        Arrays.fill(sum, -Float.MAX_VALUE);
        Arrays.fill(token, unk);
        sum[0] = 0;
        for (int i = 0; i < n; ) {
            int cpLen = Math.min(utf8Length(s[i]), n - i);
            boolean whole = false;
            double base = sum[i];
            int node = tokens.child(ByteTrie.ROOT, s[i]);
            int end = i + 1;
            while (node >= 0) {
                int id = tokens.value(node);
                if (id >= 0) {
                    if (end - i == cpLen) {
                        whole = true;
                    }
                    double challenger = base + (isUserDefined[id] ? 0.0 : (double) scores[id]);
                    if (challenger > sum[end]) {
                        sum[end] = (float) challenger;
                        token[end] = id;
                        from[end] = i;
                    }
                }
                if (end >= n) {
                    break;
                }
                node = tokens.child(node, s[end++]);
            }
            if (!whole) {
                int e = i + cpLen;
                double challenger = base + unknownScore;
                if (challenger > sum[e]) {
                    sum[e] = (float) challenger;
                    token[e] = unk;
                    from[e] = i;
                }
            }
            i += cpLen;
        }
        int start = out.size();
        boolean prevUnknown = false;
        for (int at = n; ; at = from[at]) {
            boolean unknown = token[at] == unk;
            if (!(prevUnknown && unknown)) {
                out.add(token[at]);
            }
            if (from[at] == 0) {
                break;
            }
            prevUnknown = unknown;
        }
        out.reverse(start);
    }

    /** llama.cpp's unicode_len_utf8: the sequence length a lead byte announces (1 for a stray continuation). */
    private static int utf8Length(byte b) {
        int hi = (b & 0xFF) >> 4;
        return hi < 12 ? 1 : hi < 14 ? 2 : hi == 14 ? 3 : 4;
    }

    /** Normalisation of one fragment (see the class comment). */
    byte[] normalize(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length * 3);
        boolean prependOnce = addSpacePrefix;
        boolean prepended = false;
        boolean inWord = false;
        int at = 0;
        while (at < in.length) {
            byte[] rep;
            int repFrom;
            int repLen;
            int consumed;
            int user = userDefined.longestPath(in, at);
            long mapped;
            if (user > 0) {
                rep = in;
                repFrom = at;
                repLen = user;
                consumed = user;
            } else if (charsmap != null && (mapped = charsmap.longestMatch(in, at)) >= 0) {
                consumed = (int) (mapped >>> 32);
                int offset = (int) mapped;
                rep = charsmap.replacements;
                repFrom = offset;
                int e = offset;
                while (e < rep.length && rep[e] != 0) {
                    e++;
                }
                repLen = e - offset;
            } else {
                int len = validSequence(in, at);
                if (len > 0) {
                    rep = in;
                    repFrom = at;
                    repLen = len;
                    consumed = len;
                } else {
                    rep = REPLACEMENT;
                    repFrom = 0;
                    repLen = REPLACEMENT.length;
                    consumed = 1;
                }
            }
            for (int k = repFrom; k < repFrom + repLen; k++) {
                byte c = rep[k];
                if (c != ' ') {
                    if (!inWord) {
                        inWord = true;
                        if ((prependOnce && !prepended) || removeExtraWhitespaces) {
                            out.writeBytes(ESCAPED_SPACE);
                            prepended = true;
                        }
                    }
                    out.write(c);
                } else {
                    inWord = false;
                    if (!removeExtraWhitespaces) {
                        out.writeBytes(ESCAPED_SPACE);
                    }
                }
            }
            at += consumed;
        }
        return out.toByteArray();
    }

    /** Length of the well-formed UTF-8 sequence at {@code at}, or 0 if it is not one. */
    private static int validSequence(byte[] s, int at) {
        int b = s[at] & 0xFF;
        int len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || at + len > s.length) {
            return 0;
        }
        for (int k = 1; k < len; k++) {
            if ((s[at + k] & 0xC0) != 0x80) {
                return 0;
            }
        }
        return len;
    }

    /**
     * SentencePiece's precompiled normaliser: a 4-byte little-endian size, that many bytes of XOR-compressed
     * double-array entries (32-bit little-endian: BASE in bits 10–30, shifted left by 8 more when bit 9 is set;
     * LEAF in bit 8; the label in bits 0–7; a value entry has bit 31 set and the replacement's offset in bits
     * 0–30), then the NUL-terminated replacement strings.
     */
    static final class Charsmap {
        private final int[] array;
        final byte[] replacements;

        Charsmap(byte[] blob) {
            if (blob.length < 4) {
                throw new IllegalArgumentException("tokenizer.ggml.precompiled_charsmap is shorter than its header");
            }
            ByteBuffer bb = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
            long size = Integer.toUnsignedLong(bb.getInt(0));
            if (size + 4 >= blob.length) {
                throw new IllegalArgumentException("tokenizer.ggml.precompiled_charsmap: its double array of " + size
                        + " bytes does not fit in " + blob.length + " bytes");
            }
            this.array = new int[(int) (size / 4)];
            for (int i = 0; i < array.length; i++) {
                array[i] = bb.getInt(4 + 4 * i);
            }
            this.replacements = Arrays.copyOfRange(blob, 4 + (int) size, blob.length);
            validate();
        }

        /**
         * Walks every state reachable from the root once, so that a value entry outside the array or a
         * replacement offset outside the strings is reported when the model loads, not when a text reaches it.
         */
        private void validate() {
            if (array.length == 0) {
                return;
            }
            java.util.BitSet seen = new java.util.BitSet();
            java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>();
            todo.push(base(array[0]));
            while (!todo.isEmpty()) {
                long state = todo.pop();
                for (int c = 1; c < 256; c++) {
                    long index = state ^ c;
                    if (index >= array.length) {
                        continue;
                    }
                    int packed = array[(int) index];
                    if ((packed & (0x80000000 | 0xFF)) != c) {
                        continue;
                    }
                    long child = index ^ base(packed);
                    if (((packed >>> 8) & 1) != 0) {
                        long offset = node(child) & 0x7FFFFFFF;
                        if (offset >= replacements.length) {
                            throw new IllegalArgumentException("tokenizer.ggml.precompiled_charsmap: replacement offset "
                                    + offset + " is outside its " + replacements.length + " bytes");
                        }
                    }
                    if ((child & ~0xFFL) < array.length && !seen.get((int) child)) {
                        seen.set((int) child);
                        todo.push(child);
                    }
                }
            }
        }

        private int node(long index) {
            if (index < 0 || index >= array.length) {
                throw new IllegalArgumentException("tokenizer.ggml.precompiled_charsmap: entry " + index
                        + " is outside its double array of " + array.length);
            }
            return array[(int) index];
        }

        private static long base(int packed) {
            return ((packed & 0xFFFFFFFFL) >>> 10) << ((packed & (1 << 9)) >>> 6);
        }

        /**
         * The longest key that prefixes {@code s[at..]}: (consumed bytes << 32 | replacement offset), or -1.
         *
         * @throws IllegalArgumentException if the array points outside itself or its replacements (which
         *                                  {@link #validate} already rules out)
         */
        long longestMatch(byte[] s, int at) {
            if (array.length == 0) {
                return -1;
            }
            long index = base(array[0]);
            int bestLen = 0;
            long bestOffset = 0;
            for (int k = at; k < s.length; k++) {
                int c = s[k] & 0xFF;
                if (c == 0) {
                    break;
                }
                index ^= c;
                if (index < 0 || index >= array.length) {
                    break; // past the array: no such child (llama.cpp reads one entry beyond; we stop)
                }
                int packed = array[(int) index];
                if ((packed & (0x80000000 | 0xFF)) != c) {
                    break;
                }
                boolean leaf = ((packed >>> 8) & 1) != 0;
                index ^= base(packed);
                if (leaf) {
                    bestLen = k - at + 1;
                    bestOffset = node(index) & 0x7FFFFFFF;
                }
            }
            if (bestLen == 0) {
                return -1;
            }
            if (bestOffset >= replacements.length) {
                throw new IllegalArgumentException("tokenizer.ggml.precompiled_charsmap: replacement offset "
                        + bestOffset + " is outside its " + replacements.length + " bytes");
            }
            return ((long) bestLen << 32) | bestOffset;
        }
    }

    /** A byte trie frozen into arrays: each node's children sorted by byte, found by binary search. */
    static final class ByteTrie {
        static final int ROOT = 0;
        private final int[] childStart; // node -> first index in childByte/childNode; childStart[node + 1] ends it
        private final byte[] childByte;
        private final int[] childNode;
        private final int[] value;      // token id at node, or -1

        private ByteTrie(int[] childStart, byte[] childByte, int[] childNode, int[] value) {
            this.childStart = childStart;
            this.childByte = childByte;
            this.childNode = childNode;
            this.value = value;
        }

        int value(int node) {
            return value[node];
        }

        /** The child of {@code node} along byte {@code b}, or -1. */
        int child(int node, byte b) {
            int lo = childStart[node];
            int hi = childStart[node + 1] - 1;
            int key = b & 0xFF;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int m = childByte[mid] & 0xFF;
                if (m < key) {
                    lo = mid + 1;
                } else if (m > key) {
                    hi = mid - 1;
                } else {
                    return childNode[mid];
                }
            }
            return -1;
        }

        /** How many bytes of {@code s[at..]} the trie has a path for (token or not, as llama.cpp's naive_trie). */
        int longestPath(byte[] s, int at) {
            int node = ROOT;
            int k = at;
            while (k < s.length && (node = child(node, s[k])) >= 0) {
                k++;
            }
            return k - at;
        }

        /**
         * Inserts keys into a first-child / next-sibling trie (the root's children in a direct table), then
         * freezes it: each node's children copied together and sorted by byte. No per-edge objects, no sort of
         * the keys, so a 250k-piece vocabulary builds in well under a second.
         */
        static final class Builder {
            private int[] firstChild = new int[1024];
            private int[] nextSibling = new int[1024];
            private byte[] label = new byte[1024];
            private int[] value = new int[1024];
            private final int[] rootChild = new int[256];
            private int nodes = 1;

            Builder() {
                Arrays.fill(rootChild, -1);
                firstChild[ROOT] = -1;
                nextSibling[ROOT] = -1;
                value[ROOT] = -1;
            }

            private int newNode(byte b) {
                if (nodes == value.length) {
                    int cap = nodes * 2;
                    firstChild = Arrays.copyOf(firstChild, cap);
                    nextSibling = Arrays.copyOf(nextSibling, cap);
                    label = Arrays.copyOf(label, cap);
                    value = Arrays.copyOf(value, cap);
                }
                firstChild[nodes] = -1;
                nextSibling[nodes] = -1;
                label[nodes] = b;
                value[nodes] = -1;
                return nodes++;
            }

            /** Adds {@code key} → {@code id}; a key inserted twice keeps the later id, as llama.cpp's trie. */
            void insert(byte[] key, int id) {
                if (key.length == 0) {
                    return; // the root's value is never looked at
                }
                int node = rootChild[key[0] & 0xFF];
                if (node < 0) {
                    node = newNode(key[0]);
                    rootChild[key[0] & 0xFF] = node;
                }
                for (int i = 1; i < key.length; i++) {
                    byte b = key[i];
                    int c = firstChild[node];
                    while (c >= 0 && label[c] != b) {
                        c = nextSibling[c];
                    }
                    if (c < 0) {
                        c = newNode(b);
                        nextSibling[c] = firstChild[node];
                        firstChild[node] = c;
                    }
                    node = c;
                }
                value[node] = id;
            }

            ByteTrie build() {
                int[] start = new int[nodes + 1];
                for (int b = 0; b < 256; b++) {
                    if (rootChild[b] >= 0) {
                        start[ROOT + 1]++;
                    }
                }
                for (int n = 1; n < nodes; n++) {
                    for (int c = firstChild[n]; c >= 0; c = nextSibling[c]) {
                        start[n + 1]++;
                    }
                }
                for (int n = 0; n < nodes; n++) {
                    start[n + 1] += start[n];
                }
                byte[] bytes = new byte[start[nodes]];
                int[] child = new int[start[nodes]];
                int k = 0;
                for (int b = 0; b < 256; b++) {
                    if (rootChild[b] >= 0) {
                        bytes[k] = (byte) b;
                        child[k++] = rootChild[b];
                    }
                }
                for (int n = 1; n < nodes; n++) {
                    int from = k;
                    for (int c = firstChild[n]; c >= 0; c = nextSibling[c]) {
                        // insertion sort by unsigned byte: a node has few children
                        int j = k++;
                        while (j > from && (bytes[j - 1] & 0xFF) > (label[c] & 0xFF)) {
                            bytes[j] = bytes[j - 1];
                            child[j] = child[j - 1];
                            j--;
                        }
                        bytes[j] = label[c];
                        child[j] = c;
                    }
                }
                return new ByteTrie(start, bytes, child, Arrays.copyOf(value, nodes));
            }
        }
    }
}
