package io.stellarchat.engine.gguf;

import java.io.IOException;

/**
 * A GGUF file (or a metadata value inside one) is malformed, hostile, of an unsupported version, or lacks
 * what the caller asked for. The message names the metadata key, the tensor or the byte offset at fault,
 * so an operator can tell which file is broken and where.
 *
 * <p>It is an {@link IOException}: a caller that loads a model and catches {@code IOException} also sees
 * files that could be opened but not understood.
 */
public class GgufFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public GgufFormatException(String message) {
        super(message);
    }

    public GgufFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
