package io.stellarchat.engine.runtime;

/** The prompt (plus at least one generated token) does not fit in the context. */
public final class ContextOverflowException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int promptTokens;
    private final int contextLength;

    public ContextOverflowException(int promptTokens, int contextLength) {
        super("the prompt has " + promptTokens + " tokens but the context holds " + contextLength
                + " (at least one token must remain for the reply)");
        this.promptTokens = promptTokens;
        this.contextLength = contextLength;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int contextLength() {
        return contextLength;
    }
}
