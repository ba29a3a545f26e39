/**
 * Running generations: requests, the token stream handed back to callers, finish reasons, usage and
 * timings, and the serving core. Entry points: {@link io.stellarchat.engine.runtime.BatchEngine} (continuous
 * batching over a paged KV cache with prefix caching, behind {@link io.stellarchat.engine.runtime.EngineClient}),
 * and {@link io.stellarchat.engine.runtime.Generator} (one sequence on the caller's thread). Inside the batching
 * engine: {@code Scheduler} (token budget per step, chunked prefill, preemption, admission),
 * {@code BlockAllocator} (reference-counted KV blocks, prefix hashes, LRU eviction), {@code Sequence} and
 * {@code SequenceStatus}, and {@code SequenceDecoder} (sampling, stops, text and usage of one sequence,
 * shared with the {@code Generator}).
 */
package io.stellarchat.engine.runtime;
