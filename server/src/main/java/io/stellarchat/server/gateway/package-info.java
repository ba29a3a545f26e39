/**
 * Where requests meet models: the registry of locally served models (by id and alias) with their engines,
 * and the per-model engine metrics. Entry points: {@link io.stellarchat.server.gateway.ModelRegistry} (its
 * {@code startEngine} is the one place an engine implementation is chosen, built from the configured
 * {@link io.stellarchat.engine.runtime.SchedulerConfig}) and {@link io.stellarchat.server.gateway.ModelMetrics}.
 * {@code gateway.resilience} holds the building blocks of remote routing (breakers, retry budgets, backoff,
 * bulkheads, upstream pickers); remote providers, the model router and fallbacks will live here too.
 */
package io.stellarchat.server.gateway;
