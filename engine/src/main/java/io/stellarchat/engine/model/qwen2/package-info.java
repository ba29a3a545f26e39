/** The {@code qwen2} architecture: hyper-parameters and its entry in the architecture table. */
package io.stellarchat.engine.model.qwen2;
