package io.stellarchat.engine.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The regex family of a byte-level BPE pre-tokenizer, and the profile llama.cpp attaches to each
 * {@code tokenizer.ggml.pre} name (src/llama-vocab.cpp, {@code llama_vocab::impl::load}).
 */
enum PreType {
    DEFAULT, LLAMA3, DEEPSEEK_LLM, DEEPSEEK3_LLM, DEEPSEEK_CODER, FALCON, STARCODER, GPT2, QWEN2, QWEN35, BLOOM,
    VIKING, TEKKEN, GPT4O, SEED_CODER, BAILINGMOE;

    /**
     * What a {@code tokenizer.ggml.pre} name means.
     *
     * @param type          the regex family
     * @param ignoreMerges  a whole word that is itself a token is emitted without running merges
     * @param cleanSpaces   decoding applies the clean-up of {@code clean_up_tokenization_spaces}
     * @param addBos        the default of {@code add_bos_token} when the file has no such key
     * @param noBos         the model has no BOS token unless the file names one (GLM)
     */
    record Profile(PreType type, boolean ignoreMerges, boolean cleanSpaces, boolean addBos, boolean noBos) {}

    private static final Map<String, Profile> PROFILES = new HashMap<>();

    private static void put(List<String> names, PreType type, boolean ignoreMerges, boolean cleanSpaces,
                            boolean addBos, boolean noBos) {
        for (String name : names) {
            PROFILES.put(name, new Profile(type, ignoreMerges, cleanSpaces, addBos, noBos));
        }
    }

    static {
        put(List.of("", "default"), DEFAULT, false, true, false, false);
        put(List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                "jina-v5-nano"), LLAMA3, true, true, true, false);
        put(List.of("dbrx", "smaug-bpe"), LLAMA3, false, true, false, false);
        put(List.of("glm4", "chatglm-bpe"), LLAMA3, false, true, false, true);
        put(List.of("deepseek-llm"), DEEPSEEK_LLM, false, false, false, false);
        put(List.of("deepseek-coder"), DEEPSEEK_CODER, false, false, false, false);
        put(List.of("deepseek-v3", "hunyuan-dense", "hy_v4", "joyai-llm"), DEEPSEEK3_LLM, false, false, false, false);
        put(List.of("falcon"), FALCON, false, true, false, false);
        put(List.of("starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"), STARCODER, false, true,
                false, false);
        put(List.of("command-r", "smollm"), STARCODER, false, false, false, false);
        put(List.of("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
                "mellum", "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais",
                "exaone4"), GPT2, false, true, false, false);
        put(List.of("trillion", "granite-docling"), GPT2, false, false, false, false);
        put(List.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "grok-2", "solar-open"), QWEN2,
                false, false, false, false);
        put(List.of("stablelm2", "megrez"), QWEN2, false, true, false, false);
        put(List.of("qwen35"), QWEN35, false, false, false, false);
        put(List.of("bloom", "gpt3-finnish"), BLOOM, false, true, false, false);
        put(List.of("poro-chat"), BLOOM, false, false, false, false);
        put(List.of("viking"), VIKING, false, false, false, false);
        put(List.of("tekken"), TEKKEN, true, false, true, false);
        put(List.of("gpt-4o", "llama4", "kanana2", "talkie"), GPT4O, false, false, false, false);
        put(List.of("seed-coder"), SEED_CODER, false, false, false, false);
        put(List.of("bailingmoe", "bailingmoe2", "llada-moe"), BAILINGMOE, false, false, false, false);
    }

    /**
     * The profile of a {@code tokenizer.ggml.pre} value ({@code ""} when the key is absent).
     *
     * @throws IllegalArgumentException for a name we do not support
     */
    static Profile profile(String pre) {
        Profile p = PROFILES.get(pre);
        if (p == null) {
            throw new IllegalArgumentException("unsupported tokenizer.ggml.pre '" + pre + "'; supported: "
                    + PROFILES.keySet().stream().filter(s -> !s.isEmpty()).sorted().toList());
        }
        return p;
    }
}
