package io.stellarchat.engine.model;

/**
 * How rotary position embedding pairs the dimensions of a head. The mode is not stored in GGUF files: it
 * follows from the architecture (llama.cpp's {@code llama_model_rope_type}).
 */
public enum RopeType {
    /** Adjacent pairs {@code (x[2i], x[2i+1])}: the original Llama layout. */
    NORM,
    /** Halves {@code (x[i], x[i + nRot/2])}: GPT-NeoX layout, used by Qwen2 and Qwen3. */
    NEOX
}
