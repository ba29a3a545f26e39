package io.stellarchat.engine.runtime;

/** Why a generation ended. Each maps to one OpenAI {@code finish_reason} at the API edge. */
public enum FinishReason {
    /** The model produced an end-of-generation token (EOS, EOT, ...). */
    STOP_TOKEN,
    /** The text matched one of the request's stop sequences. */
    STOP_SEQUENCE,
    /** The token limit (max tokens or the context) was reached. */
    LENGTH,
    /**
     * The request's grammar is complete and nothing more can follow (finish reason "stop"): the constraint,
     * not the model, ended the text.
     */
    GRAMMAR_COMPLETE,
    /** The caller cancelled. */
    CANCELLED
}
