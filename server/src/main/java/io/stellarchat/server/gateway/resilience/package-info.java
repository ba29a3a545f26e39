/**
 * Small, deterministic building blocks the model router composes around each remote provider and model:
 * per provider a {@link io.stellarchat.server.gateway.resilience.ProviderBreaker} (circuit breaker on
 * Resilience4j), a {@link io.stellarchat.server.gateway.resilience.RetryBudget} (retries at most a share of
 * requests) and a {@link io.stellarchat.server.gateway.resilience.Bulkhead} ({@code max_concurrency}); per
 * upstream a {@link io.stellarchat.server.gateway.resilience.LatencyEwma}; per model an
 * {@link io.stellarchat.server.gateway.resilience.UpstreamPicker} (weighted, least busy, lowest latency) and a
 * {@link io.stellarchat.server.gateway.resilience.Backoff} (exponential, full jitter, {@code Retry-After}).
 *
 * <p>Entry points are those six types; the pickers' implementations are package-private. None of them
 * starts a thread, sleeps or reads the system clock or a global random source: time comes from an injected
 * {@link io.stellarchat.engine.util.Ticker}, randomness from an injected
 * {@link java.util.random.RandomGenerator}, so the tests drive both. Each class's Javadoc opens with which
 * threads share it and what guards its state.
 *
 * <p>One attempt, as the router is expected to compose them: order the model's upstreams with the picker;
 * for each, {@code breaker.tryAcquire()} and {@code bulkhead.tryEnter()} (skip it if either says no), send,
 * report the outcome to the breaker ({@code onSuccess}, {@code onFailure}, or {@code onIgnored} for a 4xx
 * other than 429), {@code bulkhead.exit()}, record the time to first token in the upstream's
 * {@code LatencyEwma}; before a retry ask {@code retryBudget.tryRetry()} and wait {@code backoff.delay(k)}.
 */
package io.stellarchat.server.gateway.resilience;
