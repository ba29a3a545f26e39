package io.stellarchat.engine.model.llama;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.model.Architecture;
import io.stellarchat.engine.model.LlamaFamilyConfig;
import io.stellarchat.engine.model.ModelConfig;
import io.stellarchat.engine.model.RopeType;
import java.io.IOException;

/**
 * {@code llama}: Llama 2/3/3.x, Mistral, TinyLlama, SmolLM. RMSNorm → attention (GQA, RoPE on adjacent
 * pairs, optional Llama-3 {@code rope_freqs}) → RMSNorm → SwiGLU; output weights tied or separate.
 */
public final class LlamaArchitecture implements Architecture {
    @Override
    public String name() {
        return "llama";
    }

    @Override
    public ModelConfig readConfig(GgufFile file) throws IOException {
        return LlamaFamilyConfig.read(file, "llama", RopeType.NORM, false, false);
    }
}
