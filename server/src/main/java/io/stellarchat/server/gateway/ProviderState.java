package io.stellarchat.server.gateway;

import io.stellarchat.engine.util.Ticker;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.gateway.resilience.Bulkhead;
import io.stellarchat.server.gateway.resilience.LatencyEwma;
import io.stellarchat.server.gateway.resilience.ProviderBreaker;
import io.stellarchat.server.gateway.resilience.RetryBudget;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One remote provider as the router sees it: the {@link Provider} and the protection around it — its circuit
 * breaker, its bulkhead ({@code max_concurrency}), its retry budget, a time-to-first-token average per upstream
 * model, and the result of the last health check.
 *
 * <p>Threads: every part is thread-safe; request threads use them all at once, the health prober writes
 * {@link #healthy} and {@link #healthDetail}.
 */
final class ProviderState {
    final ProviderConfig config;
    final Provider provider;
    final ProviderBreaker breaker;
    final Bulkhead bulkhead;
    final RetryBudget budget;
    private final Ticker ticker;
    private final Map<String, LatencyEwma> latency = new ConcurrentHashMap<>();
    /** Written by the health prober; a provider starts healthy so the first requests need not wait for a probe. */
    volatile boolean healthy = true;
    volatile String healthDetail = "not probed yet";

    ProviderState(ProviderConfig config, Provider provider, Ticker ticker, ProviderBreaker.TransitionListener listener) {
        this.config = config;
        this.provider = provider;
        this.ticker = ticker;
        this.breaker = new ProviderBreaker(config.id(), config.circuitBreaker(), ticker, listener);
        this.bulkhead = new Bulkhead(config.maxConcurrency());
        this.budget = RetryBudget.standard(ticker);
    }

    String id() {
        return config.id();
    }

    /** The time-to-first-token average of one upstream model of this provider. */
    LatencyEwma latency(String model) {
        return latency.computeIfAbsent(model, m -> LatencyEwma.standard(ticker));
    }
}
