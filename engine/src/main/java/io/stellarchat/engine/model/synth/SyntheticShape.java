package io.stellarchat.engine.model.synth;

import java.util.Locale;

/**
 * Shapes of real models, for random-weight models used by benchmarks and tests.
 *
 * @param name       the {@code --shape} name
 * @param layers     transformer blocks
 * @param dim        residual width
 * @param ffnDim     SwiGLU hidden width
 * @param heads      query heads
 * @param kvHeads    key/value heads
 * @param headDim    head size (may differ from dim / heads, as in Qwen3)
 * @param ropeTheta  RoPE base frequency
 * @param tied       whether the output matrix is the token embedding
 * @param context    {@code context_length} written to the file
 */
public record SyntheticShape(String name, int layers, int dim, int ffnDim, int heads, int kvHeads, int headDim,
                             float ropeTheta, boolean tied, int context) {

    /** The shape called {@code name} for architecture {@code arch}. */
    public static SyntheticShape of(String arch, String name) {
        String key = arch + "/" + name.toLowerCase(Locale.ROOT);
        return switch (key) {
            // The reference pack's models: hidden 256, FFN 768, 2 layers, 4 heads over 2 KV heads.
            case "llama/tiny" -> new SyntheticShape("tiny", 2, 256, 768, 4, 2, 64, 10000f, false, 512);
            case "qwen2/tiny" -> new SyntheticShape("tiny", 2, 256, 768, 4, 2, 64, 1000000f, false, 512);
            case "qwen3/tiny" -> new SyntheticShape("tiny", 2, 256, 768, 4, 2, 128, 1000000f, true, 512);
            // Llama-3.2-1B: 16 layers, hidden 2048, 32 heads, 8 KV heads, FFN 8192, tied output.
            case "llama/1b" -> new SyntheticShape("1b", 16, 2048, 8192, 32, 8, 64, 500000f, true, 131072);
            // Qwen2.5-0.5B: 24 layers, hidden 896, 14 heads, 2 KV heads, FFN 4864, tied output.
            case "qwen2/0.5b" -> new SyntheticShape("0.5b", 24, 896, 4864, 14, 2, 64, 1000000f, true, 32768);
            // Qwen3-0.6B: 28 layers, hidden 1024, 16 heads (head size 128), 8 KV heads, FFN 3072, tied output.
            case "qwen3/0.6b" -> new SyntheticShape("0.6b", 28, 1024, 3072, 16, 8, 128, 1000000f, true, 40960);
            // Encoders (ffnDim is the FFN width; kvHeads = heads; the pooling follows the name, see SyntheticModelWriter).
            // Tiny test encoders: hidden 64, 4 heads, FFN 256, 2 layers, 128 positions.
            case "bert/tiny", "bert/tiny-cls", "bert/tiny-last", "bert/tiny-rerank" ->
                    new SyntheticShape(name.toLowerCase(Locale.ROOT), 2, 64, 256, 4, 4, 16, 10000f, false, 128);
            case "nomic-bert/tiny" -> new SyntheticShape("tiny", 2, 64, 192, 4, 4, 16, 1000f, false, 128);
            // all-MiniLM-L12 / bge-small-en-v1.5: 12 layers, hidden 384, 12 heads, FFN 1536, 512 positions.
            case "bert/minilm" -> new SyntheticShape("minilm", 12, 384, 1536, 12, 12, 32, 10000f, false, 512);
            case "bert/bge-small" -> new SyntheticShape("bge-small", 12, 384, 1536, 12, 12, 32, 10000f, false, 512);
            // nomic-embed-text-v1.5: 12 layers, hidden 768, 12 heads, FFN 3072, 2048 positions.
            case "nomic-bert/nomic-embed" -> new SyntheticShape("nomic-embed", 12, 768, 3072, 12, 12, 64, 1000f, false, 2048);
            default -> throw new IllegalArgumentException("unknown shape '" + name + "' for architecture '" + arch
                    + "' (known: llama/tiny, llama/1b, qwen2/tiny, qwen2/0.5b, qwen3/tiny, qwen3/0.6b, bert/tiny, "
                    + "bert/tiny-cls, bert/tiny-last, bert/tiny-rerank, bert/minilm, bert/bge-small, nomic-bert/tiny, "
                    + "nomic-bert/nomic-embed)");
        };
    }
}
