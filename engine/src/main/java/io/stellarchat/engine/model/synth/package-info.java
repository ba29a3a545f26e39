/**
 * Random-weight models of real shapes written as GGUF, for benchmarks and tests. Entry point:
 * {@link io.stellarchat.engine.model.synth.SyntheticModelWriter}.
 */
package io.stellarchat.engine.model.synth;
