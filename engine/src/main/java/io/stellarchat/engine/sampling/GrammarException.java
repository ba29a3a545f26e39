package io.stellarchat.engine.sampling;

/**
 * A grammar source (GBNF text, a JSON Schema, a regular expression inside one) that cannot be compiled: a
 * syntax error, an undefined rule, left recursion, or — for a strict JSON Schema — a keyword this engine
 * does not support. The message names the problem and where it is (rule name, JSON pointer, offset).
 */
public final class GrammarException extends RuntimeException {
    public GrammarException(String message) {
        super(message);
    }
}
