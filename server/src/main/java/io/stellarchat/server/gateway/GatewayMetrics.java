package io.stellarchat.server.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway's meters, per provider and upstream model (both bounded: they come from the configuration and
 * the admin API, never from a request):
 * <ul>
 *   <li>{@code stellar_upstream_requests_total{provider,model,outcome}} — every attempt by how it ended
 *       ({@code success}, {@code client_error}, {@code cancelled}, and the failure kinds: {@code upstream_error},
 *       {@code rate_limited}, {@code connect_timeout}, {@code first_token_timeout}, {@code idle_timeout},
 *       {@code total_timeout}, {@code overloaded}, ...)</li>
 *   <li>{@code stellar_upstream_duration_seconds{provider,model}} and
 *       {@code stellar_upstream_time_to_first_token_seconds{provider,model}} — histograms</li>
 *   <li>{@code stellar_upstream_retries_total{provider,reason}} — retries made, by the failure that caused them
 *       ({@code stream_cut}: a held-back answer the upstream cut off, routed again)</li>
 *   <li>{@code stellar_upstream_fallbacks_total{from,to}} — answers given by a fallback model</li>
 *   <li>{@code stellar_upstream_circuit_state{provider}} — 0 closed, 1 half-open, 2 open</li>
 *   <li>{@code stellar_upstream_circuit_openings_total{provider}} — times the breaker opened</li>
 *   <li>{@code stellar_upstream_in_flight{provider}} — requests in flight</li>
 *   <li>{@code stellar_upstream_tokens_total{provider,model,direction}} — prompt ({@code in}) and completion
 *       ({@code out}) tokens of answered requests</li>
 * </ul>
 *
 * <p>Threads: Micrometer meters are thread-safe; any request thread records.
 */
final class GatewayMetrics {
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300)};

    private final MeterRegistry registry;

    GatewayMetrics(MeterRegistry registry) {
        this.registry = registry == null ? new SimpleMeterRegistry() : registry;
    }

    void attempt(String provider, String model, String outcome) {
        Counter.builder("stellar.upstream.requests").description("Upstream calls by outcome")
                .tag("provider", provider).tag("model", model).tag("outcome", outcome)
                .register(registry).increment();
    }

    void duration(String provider, String model, long nanos) {
        timer("stellar.upstream.duration", "Upstream call duration, to the end of the answer", provider, model)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    void firstToken(String provider, String model, long nanos) {
        timer("stellar.upstream.time_to_first_token", "From sending the request to the first event of the answer",
                provider, model).record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(String name, String description, String provider, String model) {
        return Timer.builder(name).description(description).tag("provider", provider).tag("model", model)
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    }

    void retry(String provider, String reason) {
        Counter.builder("stellar.upstream.retries").description("Retries of failed upstream attempts, by cause")
                .tag("provider", provider).tag("reason", reason).register(registry).increment();
    }

    void circuitOpened(String provider) {
        Counter.builder("stellar.upstream.circuit_openings").description("Times the provider's circuit breaker opened")
                .tag("provider", provider).register(registry).increment();
    }

    void fallback(String from, String to) {
        Counter.builder("stellar.upstream.fallbacks").description("Answers given by a fallback model")
                .tag("from", from).tag("to", to).register(registry).increment();
    }

    void tokens(String provider, String model, int in, int out) {
        Counter.builder("stellar.upstream.tokens").description("Tokens of answered upstream calls")
                .tag("provider", provider).tag("model", model).tag("direction", "in").register(registry).increment(in);
        Counter.builder("stellar.upstream.tokens").description("Tokens of answered upstream calls")
                .tag("provider", provider).tag("model", model).tag("direction", "out").register(registry).increment(out);
    }

    /** Registers the live gauges of one provider. */
    void provider(String provider, Supplier<Number> circuitState, Supplier<Number> inFlight) {
        Gauge.builder("stellar.upstream.circuit_state", circuitState).description("0 closed, 1 half-open, 2 open")
                .tag("provider", provider).register(registry);
        Gauge.builder("stellar.upstream.in_flight", inFlight).description("Requests in flight to the provider")
                .tag("provider", provider).register(registry);
    }
}
