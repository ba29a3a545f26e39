package io.stellarchat.engine.model;

import io.stellarchat.engine.gguf.GgufFile;
import java.io.IOException;

/**
 * One model architecture: how its hyper-parameters are read from GGUF metadata and how its weights are
 * bound by GGUF tensor names. Implementations live in a package of their own and are registered in
 * {@link Architectures}; adding one touches that table and its own package only.
 */
public interface Architecture {

    /** The value of {@code general.architecture} this class handles, e.g. {@code llama}. */
    String name();

    /** Reads and validates the hyper-parameters; fails naming the key that is missing or wrong. */
    ModelConfig readConfig(GgufFile file) throws IOException;

    /** Binds (and shape-checks) every weight; fails naming the tensor that is missing or mis-shaped. */
    default ModelWeights bindWeights(GgufFile file, ModelConfig config) throws IOException {
        return new WeightBinder(file, config).bindLlamaFamily();
    }
}
