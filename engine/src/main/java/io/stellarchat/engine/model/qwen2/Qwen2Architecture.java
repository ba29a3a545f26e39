package io.stellarchat.engine.model.qwen2;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.model.Architecture;
import io.stellarchat.engine.model.LlamaFamilyConfig;
import io.stellarchat.engine.model.ModelConfig;
import io.stellarchat.engine.model.RopeType;
import java.io.IOException;

/** {@code qwen2}: Qwen2/2.5 — the Llama block with biases on Q, K and V, and NeoX-style RoPE. */
public final class Qwen2Architecture implements Architecture {
    @Override
    public String name() {
        return "qwen2";
    }

    @Override
    public ModelConfig readConfig(GgufFile file) throws IOException {
        return LlamaFamilyConfig.read(file, "qwen2", RopeType.NEOX, true, false);
    }
}
