/**
 * Choosing tokens: logit bias, repetition/presence/frequency penalties, greedy and seeded stochastic
 * sampling (temperature, top-k, top-p, min-p), log-probabilities, and stop-sequence matching on streamed text.
 *
 * <p>Entry points: {@link io.stellarchat.engine.sampling.SamplingParams} (validated settings of one request),
 * {@link io.stellarchat.engine.sampling.Sampler} (one per request: {@code sample}, {@code sampleWithLogprobs},
 * {@code accept}), {@link io.stellarchat.engine.sampling.StopSequenceMatcher} (one per request:
 * {@code push}, {@code flush}), {@link io.stellarchat.engine.sampling.StopChecker} (one per request: max tokens,
 * stop tokens and stop sequences in vLLM's order, from {@link io.stellarchat.engine.sampling.StopConditions}).
 * Constrained decoding: {@link io.stellarchat.engine.sampling.Grammar} (JSON object, JSON Schema, GBNF,
 * composition; immutable and shared), {@link io.stellarchat.engine.sampling.TokenBytes} (a model's vocabulary
 * as a byte trie, one per model), {@link io.stellarchat.engine.sampling.GrammarMatcher} (one per request:
 * {@code accept}, {@code fillMask}, {@code canEnd}, {@code isComplete}); a grammar is turned on with
 * {@link io.stellarchat.engine.sampling.SamplingParams#withGrammar}.
 * Everything else here is per-request state owned by the request's generation. Shared: compiled grammars
 * (a small compile cache), their interned automaton states and mask caches, all thread-safe and none of
 * which changes a result, so two requests with the same seed draw the same tokens whatever else runs.
 */
package io.stellarchat.engine.sampling;
