/**
 * Model architectures and the forward pass. Entry points: {@link io.stellarchat.engine.model.Model#load} and
 * {@link io.stellarchat.engine.model.Transformer#forward}. The KV cache is paged: a
 * {@link io.stellarchat.engine.model.KvBlockPool} of fixed-size F32 or F16 blocks, and per sequence a
 * {@link io.stellarchat.engine.model.KvCache} block table over it. Architectures are registered in
 * {@link io.stellarchat.engine.model.Architectures}, one sub-package each.
 */
package io.stellarchat.engine.model;
