/**
 * The StellarChat engine: everything needed to run a GGUF model, embeddable in any Java program.
 * It depends on the JDK only: FFM to map weights, the Vector API for kernels.
 */
module io.stellarchat.engine {
    requires jdk.incubator.vector;
    requires java.logging;

    exports io.stellarchat.engine.util;
    exports io.stellarchat.engine.gguf;
    exports io.stellarchat.engine.tensor;
    exports io.stellarchat.engine.sampling;
    exports io.stellarchat.engine.tokenizer;
    exports io.stellarchat.engine.model;
    exports io.stellarchat.engine.model.synth;
    exports io.stellarchat.engine.runtime;
    exports io.stellarchat.engine.template;
}
