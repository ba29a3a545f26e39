package io.stellarchat.engine.sampling;

import java.nio.charset.StandardCharsets;

/** Feeds text to a grammar's automaton byte by byte. */
final class GrammarTesting {
    private GrammarTesting() {}

    /** Whether {@code text} (UTF-8) is a complete match of {@code g}. */
    static boolean matches(Grammar g, String text) {
        Automaton.State s = prefixState(g, text);
        return s != null && s.accepting;
    }

    /** Whether {@code text} can be continued into a match (every byte accepted). */
    static boolean isPrefix(Grammar g, String text) {
        return prefixState(g, text) != null;
    }

    static Automaton.State prefixState(Grammar g, String text) {
        Automaton a = g.automaton();
        Automaton.State s = a.initial;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            s = a.advance(s, b & 0xFF);
            if (s == null) {
                return null;
            }
        }
        return s;
    }
}
