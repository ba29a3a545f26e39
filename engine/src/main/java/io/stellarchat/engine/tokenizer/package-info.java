/**
 * Tokenizers built from the {@code tokenizer.*} metadata of a GGUF file, matching llama.cpp token for token.
 *
 * <p>Entry points: {@link io.stellarchat.engine.tokenizer.Vocabulary} (what the file says: tokens, scores,
 * token types, merges, special ids and flags, with llama.cpp's defaults resolved) and
 * {@link io.stellarchat.engine.tokenizer.Tokenizer#create(Vocabulary)}, which picks the algorithm from
 * {@code tokenizer.ggml.model}:
 * <ul>
 *   <li>{@code llama}: SentencePiece-style BPE over scores with byte fallback ({@code <0xNN>} tokens) and
 *       {@code ▁} (U+2581) for spaces;</li>
 *   <li>{@code gpt2}: byte-level BPE over {@code tokenizer.ggml.merges} ranks after a pre-tokenizer chosen by
 *       {@code tokenizer.ggml.pre} (llama3, qwen2, gpt-2, starcoder, deepseek, falcon …);</li>
 *   <li>{@code bert}: WordPiece (embedding models);</li>
 *   <li>{@code t5}: SentencePiece Unigram (XLM-RoBERTa embedders and rerankers: bge-m3, bge-reranker-v2-m3,
 *       multilingual-e5; T5), with the file's precompiled charsmap.</li>
 * </ul>
 * {@link io.stellarchat.engine.tokenizer.Tokenizer#fromGguf} does both steps from a GGUF file's metadata.
 *
 * <p>Checked token for token against llama.cpp's {@code test-tokenizer-0} vectors (shared/testdata/llama-vocab):
 * llama-spm, phi-3 (SPM); llama-bpe (Llama 3), qwen2, gpt-2, mpt, starcoder, refact, falcon, deepseek-coder,
 * deepseek-llm (byte-level BPE); bert-bge (WordPiece). Unigram has no such vector file: it is checked against
 * llama.cpp's {@code llama-tokenize} on synthetic vocabularies ({@code UnigramTokenizerTest}). Other pre-tokenizer names llama.cpp maps to the same
 * regexes (smollm, command-r, olmo, stablelm2, …) are accepted; Tekken, GPT-4o, DeepSeek-V3, Bloom, Viking,
 * Seed-Coder, BailingMoE and Qwen3.5 regexes are ported but have no vectors here.
 * A {@link io.stellarchat.engine.tokenizer.StreamingDetokenizer} (one per request) turns generated ids into
 * text without ever splitting a UTF-8 character.
 *
 * <p>Everything except {@code Tokenizer}, {@code Vocabulary} and {@code StreamingDetokenizer} is package-private.
 * Tokenizers are immutable and safe to share between threads; detokenizers are not.
 */
package io.stellarchat.engine.tokenizer;
