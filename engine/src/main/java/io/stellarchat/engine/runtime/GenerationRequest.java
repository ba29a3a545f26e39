package io.stellarchat.engine.runtime;

import io.stellarchat.engine.sampling.SamplingParams;
import io.stellarchat.engine.util.Checks;
import java.util.List;

/**
 * One generation: a tokenized prompt and how to continue it.
 *
 * @param promptTokens  the prompt's token ids (BOS included when the model wants it)
 * @param sampling      sampler settings (temperature, top-k/p, penalties, seed, logprobs)
 * @param maxTokens     tokens to generate at most
 * @param stop          stop sequences, matched on the generated text (not emitted)
 * @param ignoreEos     keep generating past end-of-generation tokens
 * @param contextLength KV cache size for this sequence; prompt + generation must fit
 */
public record GenerationRequest(int[] promptTokens, SamplingParams sampling, int maxTokens, List<String> stop,
                                boolean ignoreEos, int contextLength) {

    public GenerationRequest {
        Checks.require(promptTokens != null && promptTokens.length > 0, "the prompt must have at least one token");
        Checks.require(sampling != null, "sampling parameters are required");
        Checks.require(maxTokens >= 0, "max tokens must be >= 0, got " + maxTokens);
        Checks.require(contextLength > 0, "context length must be positive, got " + contextLength);
        stop = stop == null ? List.of() : List.copyOf(stop);
        promptTokens = promptTokens.clone();
    }

    @Override
    public int[] promptTokens() {
        return promptTokens.clone();
    }
}
