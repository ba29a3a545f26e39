package io.stellarchat.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = gpt2}), llama.cpp's {@code llm_tokenizer_bpe}.
 *
 * <p>The pre-tokenizer cuts the text into words; each word's UTF-8 bytes are byte-encoded
 * ({@link ByteLevelAlphabet}, one char per byte) and start as one symbol per byte. The adjacent pair with the
 * lowest merge rank ({@code tokenizer.ggml.merges} index) merges first (ties: the leftmost), through a priority
 * queue with lazy deletion, until no pair has a rank. Each final symbol is its token; one that is not in the
 * vocabulary falls back to its single-byte ASCII characters (llama.cpp drops the others). With
 * {@code ignoreMerges} (llama3), a word that is itself a token is emitted as is.
 */
final class BytePairEncoder {
    private final Map<String, Integer> ids;
    private final Map<String, Integer> ranks;
    private final PreTokenizer preTokenizer;
    private final boolean ignoreMerges;

    BytePairEncoder(Map<String, Integer> ids, Map<String, Integer> ranks, PreTokenizer preTokenizer,
                    boolean ignoreMerges) {
        this.ids = ids;
        this.ranks = ranks;
        this.preTokenizer = preTokenizer;
        this.ignoreMerges = ignoreMerges;
    }

    private record Candidate(int rank, int left, int right, int size) {}

    void encode(String text, IntList out) {
        int[] cps = text.codePoints().toArray();
        List<Integer> words = preTokenizer.split(cps);
        int charPos = 0;
        for (int cpLen : words) {
            int charEnd = text.offsetByCodePoints(charPos, cpLen);
            byte[] utf8 = text.substring(charPos, charEnd).getBytes(StandardCharsets.UTF_8);
            charPos = charEnd;
            encodeWord(ByteLevelAlphabet.encode(utf8, 0, utf8.length), out);
        }
    }

    private void encodeWord(String word, IntList out) {
        if (ignoreMerges) {
            Integer id = ids.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        int n = word.length(); // one char per byte
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>(
                (a, b) -> a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            offer(word, queue, len, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int l = c.left;
            int r = c.right;
            // Stale if a side was merged away or grew: a symbol only grows by absorbing its right neighbour, so
            // unchanged lengths mean unchanged texts.
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != c.size) {
                continue;
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            offer(word, queue, len, prev[l], l);
            offer(word, queue, len, l, next[l]);
        }
        for (int i = 0; i != -1 && n > 0; i = next[i]) {
            String piece = word.substring(i, i + len[i]);
            Integer id = ids.get(piece);
            if (id != null) {
                out.add(id);
                continue;
            }
            for (int k = 0; k < piece.length(); k++) {
                char ch = piece.charAt(k);
                Integer single = ch < 0x80 ? ids.get(String.valueOf(ch)) : null;
                if (single != null) {
                    out.add(single);
                }
            }
        }
    }

    private void offer(String word, PriorityQueue<Candidate> queue, int[] len, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        String key = word.substring(left, left + len[left]) + ' ' + word.substring(right, right + len[right]);
        Integer rank = ranks.get(key);
        if (rank != null) {
            queue.add(new Candidate(rank, left, right, len[left] + len[right]));
        }
    }
}
