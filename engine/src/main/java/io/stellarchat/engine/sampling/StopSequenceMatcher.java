package io.stellarchat.engine.sampling;

import java.util.List;
import java.util.Optional;

/**
 * Finds a request's stop sequences in the text it generates, across token boundaries, and decides which
 * text is safe to stream now.
 *
 * <h2>Design</h2>
 * <b>Ownership.</b> One matcher per request, fed by that request's generation only; not thread-safe.
 *
 * <p><b>What it guarantees.</b> The concatenation of everything {@link #push} returns, plus {@link #flush},
 * equals the generated text cut just before the first stop sequence (or all of it when none occurs), and
 * no text is ever returned that a later piece could turn into part of a stop sequence. Text that ends
 * with a proper prefix of some stop sequence is held back until it either completes the stop (it is then
 * dropped) or cannot (it is then released). A lone high surrogate at the end is held back too, so a
 * returned string never ends in the middle of a UTF-16 pair.
 *
 * <p><b>Which stop wins.</b> Generation stops as soon as the text contains a complete stop sequence, as in
 * OpenAI's and vLLM's servers: the piece is scanned one char at a time, and at the first char that
 * completes any stop the text is cut at that stop's start (the longest stop ending there, if several do,
 * so the earliest start). A stop that would have completed later is not waited for.
 *
 * <p><b>Matching</b> is exact on UTF-16 chars: no Unicode normalisation, no case folding. Each stop keeps a
 * Knuth–Morris–Pratt automaton whose state is the length of the longest suffix of the text so far that is
 * a prefix of that stop, so a push costs O(piece length × number of stops) whatever the stops look like
 * ("aaaa…" included), and the held-back text is exactly the longest such suffix over all stops.
 *
 * <p><b>States.</b> OPEN (accepting pieces) → STOPPED (a stop matched: {@link #push} throws, {@link #flush}
 * returns ""); {@link #flush} in OPEN releases the held text and leaves the matcher OPEN with nothing held.
 */
public final class StopSequenceMatcher {

    /**
     * What {@link #push} produced: {@code text} is safe to emit now; {@code stopped} is true when a stop
     * sequence matched, in which case {@code text} is everything before it and generation should end.
     */
    public record Result(String text, boolean stopped) {
        public Result {
            if (text == null) {
                throw new IllegalArgumentException("text must not be null");
            }
        }
    }

    private final String[] stops;
    private final int[][] failure; // per stop: KMP failure function, (stop length)
    private final int[] state;     // per stop: length of the longest suffix of the text that prefixes it
    private final StringBuilder held = new StringBuilder(); // text not yet returned
    private String matched;        // the stop that ended generation; null while OPEN

    /** @param stops the stop sequences, each non-empty; an empty list never stops */
    public StopSequenceMatcher(List<String> stops) {
        if (stops == null) {
            throw new IllegalArgumentException("stops must not be null (use List.of() for none)");
        }
        this.stops = new String[stops.size()];
        this.failure = new int[stops.size()][];
        this.state = new int[stops.size()];
        for (int i = 0; i < stops.size(); i++) {
            String s = stops.get(i);
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stops[" + i + "] must be a non-empty string, got "
                        + (s == null ? "null" : "\"\""));
            }
            this.stops[i] = s;
            this.failure[i] = failureFunction(s);
        }
    }

    /** failure[j] = length of the longest proper prefix of s[0..j] that is also a suffix of it. */
    private static int[] failureFunction(String s) {
        int[] f = new int[s.length()];
        int k = 0;
        for (int j = 1; j < s.length(); j++) {
            while (k > 0 && s.charAt(j) != s.charAt(k)) {
                k = f[k - 1];
            }
            if (s.charAt(j) == s.charAt(k)) {
                k++;
            }
            f[j] = k;
        }
        return f;
    }

    /**
     * Feeds the next piece of generated text.
     *
     * @throws IllegalStateException after a stop sequence matched
     */
    public Result push(String piece) {
        if (piece == null) {
            throw new IllegalArgumentException("piece must not be null");
        }
        if (matched != null) {
            throw new IllegalStateException("a stop sequence already matched; no more text is accepted");
        }
        int base = held.length(); // index in held+piece of piece's first char
        held.append(piece);
        for (int p = 0; p < piece.length(); p++) {
            char c = piece.charAt(p);
            int winner = -1;
            for (int i = 0; i < stops.length; i++) {
                String s = stops[i];
                int k = state[i];
                if (k == s.length()) {
                    k = failure[i][k - 1]; // cannot happen while OPEN, kept for a total automaton
                }
                while (k > 0 && s.charAt(k) != c) {
                    k = failure[i][k - 1];
                }
                if (s.charAt(k) == c) {
                    k++;
                }
                state[i] = k;
                if (k == s.length() && (winner < 0 || s.length() > stops[winner].length())) {
                    winner = i;
                }
            }
            if (winner >= 0) {
                int start = base + p + 1 - stops[winner].length(); // >= 0: see the class comment
                String text = held.substring(0, start);
                held.setLength(0);
                matched = stops[winner];
                return new Result(text, true);
            }
        }
        int keep = 0;
        for (int k : state) {
            keep = Math.max(keep, k);
        }
        int cut = held.length() - keep;
        if (cut > 0 && Character.isHighSurrogate(held.charAt(cut - 1))) {
            cut--;
        }
        String text = held.substring(0, cut);
        held.delete(0, cut);
        return new Result(text, false);
    }

    /**
     * At the end of generation (when no stop matched): returns the held-back text and empties the buffer.
     * After a stop matched it returns "" — the text after a stop is never emitted.
     */
    public String flush() {
        String text = held.toString();
        held.setLength(0);
        java.util.Arrays.fill(state, 0);
        return text;
    }

    /** Whether a stop sequence has matched. */
    public boolean stopped() {
        return matched != null;
    }

    /** The stop sequence that ended generation, if one did (llama.cpp's server reports it). */
    public Optional<String> matchedStop() {
        return Optional.ofNullable(matched);
    }
}
