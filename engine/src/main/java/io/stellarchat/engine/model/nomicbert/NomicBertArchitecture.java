package io.stellarchat.engine.model.nomicbert;

import io.stellarchat.engine.gguf.GgufFile;
import io.stellarchat.engine.model.EncoderArchitecture;
import io.stellarchat.engine.model.EncoderConfig;
import java.io.IOException;

/**
 * {@code nomic-bert}: nomic-embed-text. Rotary positions (NEOX pairing, {@code rope.freq_base}), one fused
 * {@code attn_qkv} matrix without biases, post-LayerNorm, SwiGLU feed-forward without biases.
 */
public final class NomicBertArchitecture implements EncoderArchitecture {
    @Override
    public String name() {
        return "nomic-bert";
    }

    @Override
    public EncoderConfig readEncoderConfig(GgufFile file) throws IOException {
        return EncoderArchitecture.readFamily(file, "nomic-bert", true, true, true);
    }
}
