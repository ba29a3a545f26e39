package io.stellarchat.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE over token scores ({@code tokenizer.ggml.model = llama}), llama.cpp's
 * {@code llm_tokenizer_spm}.
 *
 * <p>The text (spaces already replaced by {@code ▁}) starts as one symbol per code point. Every adjacent pair
 * whose concatenation is a token is a candidate; the candidate with the highest score of that token merges
 * first (ties: the leftmost), and the merged symbol forms new candidates with its neighbours. A priority queue
 * keeps this O(n log n); stale candidates (a side was merged away since) are skipped when popped. A final symbol
 * that is not a token (always a single code point) is emitted as its UTF-8 bytes through the byte tokens
 * {@code <0xNN>}.
 */
final class SentencePieceEncoder {
    private final Map<String, Integer> ids;
    private final float[] scores;
    private final int[] byteTokens;

    /** @param byteTokens token of each byte value (256 entries, -1 where the vocabulary has none) */
    SentencePieceEncoder(Map<String, Integer> ids, float[] scores, int[] byteTokens) {
        this.ids = ids;
        this.scores = scores;
        this.byteTokens = byteTokens;
    }

    private record Candidate(float score, int left, int right, int size) {}

    void encode(String text, IntList out) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) {
            return;
        }
        // Symbols as a doubly linked list over char offsets: (start, length, prev, next); length 0 = merged away.
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            int cl = Character.charCount(text.codePointAt(off));
            start[i] = off;
            len[i] = cl;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            off += cl;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>(
                (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            offer(text, queue, start, len, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int l = c.left;
            int r = c.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != c.size) {
                continue; // stale: one side has changed since this candidate was made
            }
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            offer(text, queue, start, len, prev[l], l);
            offer(text, queue, start, len, l, next[l]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            Integer id = ids.get(piece);
            if (id != null) {
                out.add(id);
            } else {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    int t = byteTokens[b & 0xFF];
                    if (t < 0) {
                        throw new IllegalStateException(String.format(
                                "the vocabulary has no byte-fallback token <0x%02X> (nor an unknown token) for %s",
                                b & 0xFF, describe(piece)));
                    }
                    out.add(t);
                }
            }
        }
    }

    private void offer(String text, PriorityQueue<Candidate> queue, int[] start, int[] len, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int size = len[left] + len[right];
        Integer id = ids.get(text.substring(start[left], start[left] + size));
        if (id != null) {
            queue.add(new Candidate(scores[id], left, right, size));
        }
    }

    private static String describe(String piece) {
        return "U+" + Integer.toHexString(piece.codePointAt(0)).toUpperCase();
    }
}
