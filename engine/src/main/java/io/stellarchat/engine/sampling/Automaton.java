package io.stellarchat.engine.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The compiled form of a {@link Grammar}: a byte-level pushdown automaton in llama.cpp's style. Immutable
 * and thread-safe; the per-sequence position lives in {@link State} values.
 *
 * <p><b>Code.</b> {@code code} holds every alternative of every rule as a run of elements ended by
 * {@link #END}; a <em>position</em> is an index into it. An element {@code e >= 0} is a reference to rule
 * {@code e}; {@code e <= -2} is the byte set {@code -e - 2} of {@code sets} (each 256 bits in 4 longs).
 * {@code ruleAlts[r]} lists the start positions of rule r's alternatives.
 *
 * <p><b>Stacks.</b> A {@link Stack} is a persistent linked list of positions: the top is where matching
 * goes on, the rest are return positions in the callers. After {@link #closure} every top points at a byte
 * set: rule references are expanded into each alternative (predictions), a finished alternative pops to
 * its caller, and a reference that ends its alternative is not pushed at all (a tail call), so right
 * recursion — the form of every repetition — keeps stacks shallow.
 *
 * <p><b>States.</b> A {@link State} is the set of stacks alive after some input (a nondeterministic
 * parse), in a canonical order so that equal sets are equal keys for the mask cache, plus whether the
 * input so far is a complete match ({@code accepting}: some stack ran empty).
 *
 * <p><b>Transitions are memoized.</b> {@link #step} interns every state it reaches (a concurrent map, at
 * most {@value #MAX_INTERNED} states per automaton) and records, in the source state's 256-entry table,
 * the state each byte leads to. A trie walk then costs one array read per node once a state has been seen,
 * and a loop such as "any character inside a string" leads a state back to itself. The tables are shared by
 * every thread matching this grammar: they are written without locks, which is safe because each table is
 * published through a volatile field, each entry is either null (computed again) or a fully built immutable
 * state, and a racing write stores an equal one.
 */
final class Automaton {
    static final int END = -1;

    final int[] code;
    final int[][] ruleAlts;
    final long[][] sets;
    final int root;
    final String[] ruleNames;
    final State initial;
    /** At most this many interned states (each with a 256-entry table: about 1.3 KiB) per automaton. */
    static final int MAX_INTERNED = 20_000;
    private final ConcurrentHashMap<State, State> interned = new ConcurrentHashMap<>();
    /** Stands for "no stack takes this byte" in transition tables. */
    private static final State DEAD = new State(new Stack[0], false);

    Automaton(int[] code, int[][] ruleAlts, long[][] sets, int root, String[] ruleNames) {
        this.code = code;
        this.ruleAlts = ruleAlts;
        this.sets = sets;
        this.root = root;
        this.ruleNames = ruleNames;
        Closure c = new Closure();
        for (int start : ruleAlts[root]) {
            c.expand(start, null);
        }
        this.initial = intern(c.state());
    }

    private State intern(State s) {
        if (interned.size() >= MAX_INTERNED) {
            return s; // still correct, only no longer shared
        }
        State prev = interned.putIfAbsent(s, s);
        return prev == null ? s : prev;
    }

    /** The state after byte {@code b}, or null if no stack takes it; memoized (see the class comment). */
    State step(State s, int b) {
        State[] table = s.next;
        if (table != null) {
            State n = table[b];
            if (n != null) {
                return n == DEAD ? null : n;
            }
        }
        State n = advance(s, b);
        State canonical = n == null ? null : intern(n);
        if (table == null) {
            table = new State[256];
            s.next = table; // a racing thread may install its own table: entries lost are recomputed
        }
        table[b] = canonical == null ? DEAD : canonical;
        return canonical;
    }

    /**
     * {@code s} with every stack cut to its top {@code depth} frames (interned, not accepting): the part of
     * the state that decides every token which does not leave those frames. Matching from it, a path that
     * pops past the cut shows as an accepting state — there the answer depends on the frames cut off.
     */
    State truncate(State s, int depth) {
        List<Stack> out = new ArrayList<>(s.stacks.length);
        Set<Stack> seen = new HashSet<>();
        for (Stack st : s.stacks) {
            Stack t = cut(st, depth);
            if (seen.add(t)) {
                out.add(t);
            }
        }
        Stack[] a = out.toArray(new Stack[0]);
        Arrays.sort(a, Stack::compare);
        return intern(new State(a, false));
    }

    private static Stack cut(Stack st, int depth) {
        if (st == null || depth == 0) {
            return null;
        }
        if (st.depth <= depth) {
            return st;
        }
        return new Stack(st.pos, cut(st.next, depth - 1));
    }

    /** The bytes that lead {@code s} back to itself (interned identity), computed once per state. */
    long[] loopBytes(State s) {
        long[] lb = s.loopBytes;
        if (lb == null) {
            lb = new long[4];
            long[] nb = nextBytes(s);
            for (int b = 0; b < 256; b++) {
                if (((nb[b >>> 6] >>> b) & 1L) != 0 && step(s, b) == s) {
                    lb[b >>> 6] |= 1L << b;
                }
            }
            s.loopBytes = lb;
        }
        return lb;
    }

    /** The bytes some stack of {@code s} can take next, computed once per state (do not modify). */
    long[] nextBytes(State s) {
        long[] nb = s.nextBytes;
        if (nb == null) {
            nb = new long[4];
            nextBytes(s, nb);
            s.nextBytes = nb;
        }
        return nb;
    }

    static int setElement(int setId) {
        return -setId - 2;
    }

    int ruleCount() {
        return ruleAlts.length;
    }

    /** Whether the byte set at top position {@code pos} contains byte {@code b}. */
    boolean accepts(int pos, int b) {
        long[] s = sets[-code[pos] - 2];
        return ((s[b >>> 6] >>> b) & 1L) != 0;
    }

    /** The state after byte {@code b}, or null if no stack can take it. */
    State advance(State s, int b) {
        Closure c = null;
        for (Stack st : s.stacks) {
            if (accepts(st.pos, b)) {
                if (c == null) {
                    c = new Closure();
                }
                c.expand(st.pos + 1, st.next);
            }
        }
        if (c == null) {
            return null;
        }
        State out = c.state();
        return out.stacks.length == 0 && !out.accepting ? null : out;
    }

    /** The state after all of {@code bytes}, or null as soon as one is refused (memoized steps). */
    State advance(State s, byte[] bytes) {
        State cur = s;
        for (int i = 0; i < bytes.length && cur != null; i++) {
            cur = step(cur, bytes[i] & 0xFF);
        }
        return cur;
    }

    /** The bytes some stack of {@code s} can take next: the union of the top byte sets, into {@code out}. */
    void nextBytes(State s, long[] out) {
        Arrays.fill(out, 0L);
        for (Stack st : s.stacks) {
            long[] set = sets[-code[st.pos] - 2];
            out[0] |= set[0];
            out[1] |= set[1];
            out[2] |= set[2];
            out[3] |= set[3];
        }
    }

    /** Collects the stacks reachable from pushed positions, each top on a byte set. Single use. */
    private final class Closure {
        private final List<Stack> tops = new ArrayList<>(4);
        private Set<Stack> seen; // (position, rest) pairs already expanded, created once needed
        private Stack firstSeen;
        private boolean accepting;

        // (position, rest) pairs still to expand: an explicit stack, so that a long chain of rules that can
        // match nothing (a nullable element under a long bounded repeat) cannot overflow the thread's stack
        private int[] pendingPos;
        private Stack[] pendingNext;
        private int pending;

        void expand(int pos, Stack next) {
            while (true) {
                int e = code[pos];
                if (e == END) {
                    if (next == null) {
                        accepting = true;
                    } else {
                        pos = next.pos; // the rule ended: go on with its caller's continuation
                        next = next.next;
                        continue;
                    }
                } else {
                    Stack key = new Stack(pos, next);
                    if (markSeen(key)) {
                        if (e < 0) {
                            tops.add(key);
                        } else {
                            // a reference: push the continuation unless the reference ends its alternative (tail call)
                            Stack cont = code[pos + 1] == END ? next : new Stack(pos + 1, next);
                            int[] alts = ruleAlts[e];
                            for (int i = alts.length - 1; i >= 0; i--) {
                                push(alts[i], cont);
                            }
                        }
                    }
                }
                if (pending == 0) {
                    return;
                }
                pending--;
                pos = pendingPos[pending];
                next = pendingNext[pending];
                pendingNext[pending] = null;
            }
        }

        private void push(int pos, Stack next) {
            if (pendingPos == null) {
                pendingPos = new int[8];
                pendingNext = new Stack[8];
            } else if (pending == pendingPos.length) {
                pendingPos = Arrays.copyOf(pendingPos, pending * 2);
                pendingNext = Arrays.copyOf(pendingNext, pending * 2);
            }
            pendingPos[pending] = pos;
            pendingNext[pending] = next;
            pending++;
        }

        private boolean markSeen(Stack key) {
            if (seen == null) {
                if (firstSeen == null) {
                    firstSeen = key;
                    return true;
                }
                if (firstSeen.equals(key)) {
                    return false;
                }
                seen = new HashSet<>();
                seen.add(firstSeen);
            }
            return seen.add(key);
        }

        State state() {
            Stack[] a = tops.toArray(new Stack[0]);
            if (a.length > 1) {
                Arrays.sort(a, Stack::compare);
            }
            return new State(a, accepting);
        }
    }

    /** One parse stack: {@code pos} on top, then the return positions in {@code next}. Immutable. */
    static final class Stack {
        final int pos;
        final Stack next;
        final int hash;
        final int depth;

        Stack(int pos, Stack next) {
            this.pos = pos;
            this.next = next;
            this.hash = 31 * (next == null ? 0 : next.hash) + pos * 0x9E3779B1;
            this.depth = next == null ? 1 : next.depth + 1;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Stack s)) {
                return false;
            }
            Stack a = this;
            Stack b = s;
            while (a != null && b != null) {
                if (a == b) {
                    return true;
                }
                if (a.hash != b.hash || a.pos != b.pos || a.depth != b.depth) {
                    return false;
                }
                a = a.next;
                b = b.next;
            }
            return a == b;
        }

        /** A total order: by hash, then position by position from the top. */
        static int compare(Stack a, Stack b) {
            int c = Integer.compare(a.hash, b.hash);
            while (c == 0 && a != b) {
                if (a == null) {
                    return -1;
                }
                if (b == null) {
                    return 1;
                }
                c = Integer.compare(a.pos, b.pos);
                a = a.next;
                b = b.next;
            }
            return c;
        }
    }

    /** A set of stacks in canonical order, and whether the input so far is a complete match. Immutable. */
    static final class State {
        final Stack[] stacks;
        final boolean accepting;
        private final int hash;
        // Memo tables filled by Automaton.step / nextBytes and shared between threads (see the class comment).
        // Volatile: a table is published only after it is filled (nextBytes) or created (next); entries of
        // `next` are immutable states, so a racing reader sees null (and recomputes) or a complete state.
        volatile State[] next;
        volatile long[] nextBytes;
        volatile long[] loopBytes;

        State(Stack[] stacks, boolean accepting) {
            this.stacks = stacks;
            this.accepting = accepting;
            this.hash = Arrays.hashCode(stacks) * 2 + (accepting ? 1 : 0);
        }

        /** Nothing more can follow: the match is complete and no stack wants another byte. */
        boolean complete() {
            return accepting && stacks.length == 0;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && s.hash == hash && s.accepting == accepting
                    && Arrays.equals(s.stacks, stacks);
        }
    }
}
