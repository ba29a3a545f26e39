package io.stellarchat.engine.runtime;

/**
 * How a generation ended.
 *
 * @param finishReason why it stopped
 * @param text         the whole generated text (stop sequence excluded)
 * @param usage        token counts and timings
 */
public record GenerationResult(FinishReason finishReason, String text, Usage usage) {}
