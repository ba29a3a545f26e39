package io.stellarchat.engine.model;

import java.io.IOException;

/**
 * A GGUF file is well-formed but cannot be run: an unsupported architecture, a missing or mis-shaped tensor,
 * a missing or out-of-range hyper-parameter. The message names the key or tensor.
 */
public final class ModelLoadException extends IOException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }
}
