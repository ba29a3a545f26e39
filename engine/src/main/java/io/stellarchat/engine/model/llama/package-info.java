/** The {@code llama} architecture: hyper-parameters and its entry in the architecture table. */
package io.stellarchat.engine.model.llama;
