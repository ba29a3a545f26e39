package io.stellarchat.server.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stellarchat.engine.runtime.Usage;
import java.time.Duration;

/**
 * Per-model engine metrics for Prometheus: queue and running gauges read from each engine's stats, and
 * token counters and latency histograms recorded when a generation ends.
 *
 * <pre>
 *   stellar_engine_requests{model,state="waiting|running"}         gauge
 *   stellar_engine_requests_completed_total{model}                 counter
 *   stellar_engine_requests_rejected_total{model}                  counter (queue full or waited too long)
 *   stellar_prompt_tokens_total{model}, stellar_generated_tokens_total{model}
 *   stellar_time_to_first_token_seconds{model}                     histogram
 *   stellar_generation_tokens_per_second{model}                    summary
 * </pre>
 *
 * <p>Threads: Micrometer meters are thread-safe; gauges read the engines' atomic stats.
 */
public final class ModelMetrics {
    private final MeterRegistry registry;

    public ModelMetrics(MeterRegistry registry, ModelRegistry models) {
        this.registry = registry;
        for (LocalModel m : models.models()) {
            Gauge.builder("stellar_engine_requests", m, x -> x.engine().stats().waiting())
                    .tag("model", m.id()).tag("state", "waiting").description("Requests waiting for the model")
                    .register(registry);
            Gauge.builder("stellar_engine_requests", m, x -> x.engine().stats().running())
                    .tag("model", m.id()).tag("state", "running").description("Requests being generated")
                    .register(registry);
            FunctionCounter.builder("stellar_engine_requests_completed", m, x -> x.engine().stats().completed())
                    .tag("model", m.id()).description("Requests finished by the engine").register(registry);
            FunctionCounter.builder("stellar_engine_requests_rejected", m, x -> x.engine().stats().rejected())
                    .tag("model", m.id()).description("Requests refused: queue full or waited too long")
                    .register(registry);
        }
    }

    /** Records one finished generation of {@code model}. */
    public void record(String model, Usage usage) {
        Counter.builder("stellar_prompt_tokens").tag("model", model).description("Prompt tokens processed")
                .register(registry).increment(usage.promptTokens());
        Counter.builder("stellar_generated_tokens").tag("model", model).description("Tokens generated")
                .register(registry).increment(usage.completionTokens());
        if (usage.completionTokens() > 0) {
            Timer.builder("stellar_time_to_first_token").tag("model", model)
                    .description("Prompt processing time until the first generated token")
                    .publishPercentileHistogram().register(registry).record(Duration.ofNanos(usage.promptNanos()));
        }
        if (usage.completionTokens() > 1) {
            DistributionSummary.builder("stellar_generation_tokens_per_second").tag("model", model)
                    .description("Generation speed after the first token").register(registry)
                    .record(usage.generationTokensPerSecond());
        }
    }
}
