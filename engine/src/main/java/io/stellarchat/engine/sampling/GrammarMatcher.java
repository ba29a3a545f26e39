package io.stellarchat.engine.sampling;

import java.util.Arrays;

/**
 * Where one sequence stands in its {@link Grammar}: which tokens may come next, and whether the text so far
 * is a complete match.
 *
 * <p><b>Ownership.</b> Mutable, one per sequence, owned by the thread that samples that sequence (the engine
 * thread of {@code BatchEngine}, or the caller's thread in {@code Generator}); not thread-safe, no locks.
 * The grammar, the vocabulary and the grammar's mask cache it reads are shared and thread-safe.
 *
 * <p><b>State.</b> An automaton state (a set of parse stacks, immutable, so {@link #accept} either moves
 * to a new state or leaves the old one untouched). {@code RUNNING} while more bytes may follow;
 * {@link #canEnd()} when the text so far is a complete match (end-of-generation tokens are allowed then);
 * {@link #isComplete()} when it is complete and nothing may follow — the caller stops the sequence.
 *
 * <p><b>Masks.</b> {@link #fillMask} walks the vocabulary trie from the current state (see
 * {@link TokenBytes}) and keeps the result in the grammar's cache under the state, so the next visit of the
 * same state — every character inside an unbounded string, every repeated array element — is one copy. A
 * first visit is split as in XGrammar: the stacks cut to their top {@value Grammar#INDEPENDENT_DEPTH} frames
 * decide most tokens (those that stay inside, e.g. any text inside a string) and that half is cached under
 * the cut state, shared by every context; only the trie subtrees where a path leaves the top frames (a
 * token that closes the string and goes on) are matched against the full state.
 */
public final class GrammarMatcher {
    private final Grammar grammar;
    private final TokenBytes vocab;
    private final Automaton automaton;
    private final Grammar.MaskCache cache;
    private Automaton.State state;
    private long maskNanos;
    private int masks;
    private int misses;

    public GrammarMatcher(Grammar g, TokenBytes vocab) {
        if (g == null || vocab == null) {
            throw new IllegalArgumentException("grammar and vocabulary are required");
        }
        this.grammar = g;
        this.vocab = vocab;
        this.automaton = g.automaton();
        this.cache = g.masks(vocab);
        this.state = automaton.initial;
    }

    public Grammar grammar() {
        return grammar;
    }

    /**
     * Moves past {@code token} if the grammar allows it here.
     *
     * @return false (and the state unchanged) when the token is illegal here
     */
    public boolean accept(int token) {
        if (token < 0 || token >= vocab.vocabSize()) {
            return false;
        }
        if (vocab.isEnd(token)) {
            return state.accepting; // the end of the text: the state stays where it is
        }
        byte[] b = vocab.rawBytes(token);
        if (b == null) {
            return false;
        }
        Automaton.State next = automaton.advance(state, b);
        if (next == null) {
            return false;
        }
        state = next;
        return true;
    }

    /** Whether the text so far is a complete match (end-of-generation tokens are allowed). */
    public boolean canEnd() {
        return state.accepting;
    }

    /** Complete and nothing may follow: the sequence should stop here. */
    public boolean isComplete() {
        return state.complete();
    }

    /**
     * Sets bit {@code i} of {@code allowedBits} (word {@code i >>> 6}, bit {@code i & 63}) exactly for the
     * tokens allowed next, clearing all others; end-of-generation tokens are set only when
     * {@link #canEnd()}.
     *
     * @param allowedBits at least {@link TokenBytes#maskWords()} words
     */
    public void fillMask(long[] allowedBits) {
        int words = vocab.maskWords();
        if (allowedBits.length < words) {
            throw new IllegalArgumentException("mask has " + allowedBits.length + " words, needs " + words);
        }
        long t0 = System.nanoTime();
        long[] m = cache.get(state);
        if (m == null) {
            // XGrammar's split: the tokens decided by the top frames of the stacks are walked once per
            // truncated state and shared by every context it occurs in (the same string rule under another
            // property); only the subtrees where a path leaves those frames are walked with the full state.
            Automaton.State top = automaton.truncate(state, Grammar.INDEPENDENT_DEPTH);
            Grammar.MaskCache.Independent ind = cache.independent(top);
            if (ind == null) {
                long[] acc = new long[words];
                int[] open = vocab.walkIndependent(automaton, top, acc);
                ind = new Grammar.MaskCache.Independent(acc, open);
                cache.putIndependent(top, ind);
            }
            m = ind.accepted().clone();
            vocab.walkDependent(automaton, state, ind.uncertain(), m);
            if (state.accepting) {
                for (int e : vocab.endTokens()) {
                    m[e >>> 6] |= 1L << e;
                }
            }
            cache.put(state, m);
            misses++;
        }
        System.arraycopy(m, 0, allowedBits, 0, words);
        Arrays.fill(allowedBits, words, allowedBits.length, 0L);
        masks++;
        maskNanos += System.nanoTime() - t0;
    }

    /** Whether {@code token} is allowed next, checked directly (the brute-force twin of {@link #fillMask}). */
    public boolean isAllowed(int token) {
        if (token < 0 || token >= vocab.vocabSize()) {
            return false;
        }
        if (vocab.isEnd(token)) {
            return state.accepting;
        }
        byte[] b = vocab.rawBytes(token);
        return b != null && automaton.advance(state, b) != null;
    }

    /** Masks computed so far, of which walked (not from the cache), and their total time: for benchmarks. */
    public String maskStats() {
        return masks + " masks, " + misses + " walked, " + maskNanos / 1000 + " us";
    }
}
