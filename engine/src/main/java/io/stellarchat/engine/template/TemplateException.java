package io.stellarchat.engine.template;

import java.io.Serial;

/**
 * A chat template failed to compile or to render.
 *
 * <p>Three kinds, told apart by {@link #kind()}: a syntax error (the message names line and column), an error the
 * template raised itself with {@code raise_exception(message)} (the message is the template's, verbatim, and
 * {@link #isRaised()} is true: the request was invalid for this model, an HTTP 400), and a render error (a type
 * error, an undefined value used where jinja2 fails, or a resource limit hit by a hostile template).
 */
public class TemplateException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The template source is not valid Jinja (or uses something this interpreter lacks). */
        SYNTAX,
        /** The template called {@code raise_exception(message)}. */
        RAISED,
        /** Rendering failed (type error, undefined value, sandbox, or a resource limit). */
        RENDER
    }

    private final Kind kind;

    public TemplateException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    static TemplateException syntax(String message, int line, int column) {
        return new TemplateException(Kind.SYNTAX, message + " (line " + line + ", column " + column + ")");
    }

    static TemplateException render(String message) {
        return new TemplateException(Kind.RENDER, message);
    }

    public Kind kind() {
        return kind;
    }

    /** True when the template itself raised this error with {@code raise_exception}: the input was rejected. */
    public boolean isRaised() {
        return kind == Kind.RAISED;
    }
}
