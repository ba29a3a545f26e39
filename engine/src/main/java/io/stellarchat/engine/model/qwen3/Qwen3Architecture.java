package io.stellarchat.engine.model.qwen3;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.model.Architecture;
import io.stellarchat.engine.model.LlamaFamilyConfig;
import io.stellarchat.engine.model.ModelConfig;
import io.stellarchat.engine.model.RopeType;
import java.io.IOException;

/**
 * {@code qwen3}: the Llama block without biases, with each Q and K head RMS-normalised (weights
 * {@code attn_q_norm}/{@code attn_k_norm}) before NeoX-style RoPE; head size from {@code attention.key_length}.
 */
public final class Qwen3Architecture implements Architecture {
    @Override
    public String name() {
        return "qwen3";
    }

    @Override
    public ModelConfig readConfig(GgufFile file) throws IOException {
        return LlamaFamilyConfig.read(file, "qwen3", RopeType.NEOX, false, true);
    }
}
