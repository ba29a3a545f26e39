/**
 * Choosing tokens: logit bias, repetition/presence/frequency penalties, greedy and seeded stochastic
 * sampling (temperature, top-k, top-p, min-p), log-probabilities, and stop-sequence matching on streamed text.
 *
 * <p>Entry points: {@link io.stellarchat.engine.sampling.SamplingParams} (validated settings of one request),
 * {@link io.stellarchat.engine.sampling.Sampler} (one per request: {@code sample}, {@code sampleWithLogprobs},
 * {@code accept}), {@link io.stellarchat.engine.sampling.StopSequenceMatcher} (one per request:
 * {@code push}, {@code flush}), {@link io.stellarchat.engine.sampling.StopChecker} (one per request: max tokens,
 * stop tokens and stop sequences in vLLM's order, from {@link io.stellarchat.engine.sampling.StopConditions}).
 * Everything here is per-request state owned by the request's generation; nothing
 * is shared or static, so two requests with the same seed draw the same tokens whatever else runs.
 */
package io.stellarchat.engine.sampling;
