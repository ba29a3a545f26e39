package io.stellarchat.server.gateway.local;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stellarchat.engine.runtime.EngineStats;
import io.stellarchat.engine.runtime.Usage;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Per-model engine metrics for Prometheus: load gauges and engine counters read from each engine's
 * {@link EngineStats} at scrape time, token counters recorded when a generation ends, and latency histograms
 * recorded as tokens reach the service. Names as scraped (Micrometer's Prometheus naming appends
 * {@code _total} to counters and {@code _seconds} to timers):
 *
 * <pre>
 *   stellar_engine_requests{model,state="waiting|running"}           gauge
 *   stellar_engine_kv_blocks{model,state="used|free"}                gauge (0 and 0 for an engine without a paged pool)
 *   stellar_engine_prefix_cache_hit_ratio{model}                     gauge, cached / all admitted prompt tokens
 *   stellar_engine_requests_completed_total{model}                   counter
 *   stellar_engine_requests_rejected_total{model}                    counter (queue full or waited too long)
 *   stellar_engine_prefix_cache_queries_tokens_total{model}          counter, prompt tokens looked up
 *   stellar_engine_prefix_cache_hits_tokens_total{model}             counter, of those found in the cache
 *   stellar_engine_steps_total{model}                                counter, forward passes
 *   stellar_engine_step_tokens_total{model}                          counter, tokens computed by those passes
 *   stellar_engine_preemptions_total{model}                          counter
 *   stellar_prompt_tokens_total{model}, stellar_generated_tokens_total{model}
 *   stellar_time_to_first_token_seconds{model}                       histogram, submit → first token
 *   stellar_inter_token_latency_seconds{model}                       histogram, token → next token of one request
 *   stellar_generation_tokens_per_second{model}                      summary
 * </pre>
 *
 * <p>The two latency histograms are measured where the service reads a request's channel ({@link TokenClock}),
 * so they include queueing and scheduling: what a client sees, less the network. Their buckets reach 2 min
 * (a request may queue up to {@code engine.max_wait}) and 100 µs to 10 s.
 *
 * <p>Threads: Micrometer meters are thread-safe; the gauges and function counters call
 * {@link io.stellarchat.engine.runtime.EngineClient#stats()}, which any thread may call.
 */
public final class ModelMetrics {
    private final MeterRegistry registry;
    private final LongSupplier nanoTime;

    public ModelMetrics(MeterRegistry registry, ModelRegistry models) {
        this(registry, models, System::nanoTime);
    }

    /** With an injected clock for the latency histograms. */
    public ModelMetrics(MeterRegistry registry, ModelRegistry models, LongSupplier nanoTime) {
        this.registry = registry;
        this.nanoTime = nanoTime;
        for (LocalModel m : models.models()) {
            gauge("stellar_engine_requests", m, "waiting", "Requests waiting for the model", EngineStats::waiting);
            gauge("stellar_engine_requests", m, "running", "Requests being generated", EngineStats::running);
            gauge("stellar_engine_kv_blocks", m, "used", "KV cache blocks held by running requests or the prefix cache",
                    EngineStats::kvBlocksUsed);
            gauge("stellar_engine_kv_blocks", m, "free", "KV cache blocks free in the pool",
                    s -> s.kvBlocksTotal() - s.kvBlocksUsed());
            Gauge.builder("stellar_engine_prefix_cache_hit_ratio", m, x -> x.engine().stats().prefixCacheHitRate())
                    .tag("model", m.id()).description("Share of admitted prompt tokens whose KV entries came from the prefix cache")
                    .register(registry);
            counter("stellar_engine_requests_completed", m, "Requests finished by the engine", EngineStats::completed);
            counter("stellar_engine_requests_rejected", m, "Requests refused: queue full or waited too long",
                    EngineStats::rejected);
            counter("stellar_engine_prefix_cache_queries_tokens", m, "Prompt tokens of admitted requests (prefix cache lookups)",
                    EngineStats::promptTokens);
            counter("stellar_engine_prefix_cache_hits_tokens", m, "Prompt tokens found in the prefix cache",
                    EngineStats::cachedPromptTokens);
            counter("stellar_engine_steps", m, "Forward passes run by the engine loop", EngineStats::steps);
            counter("stellar_engine_step_tokens", m, "Tokens computed by the engine's forward passes (prompt and decode)",
                    EngineStats::stepTokens);
            counter("stellar_engine_preemptions", m, "Running requests preempted to free KV cache blocks",
                    EngineStats::preemptions);
        }
    }

    private void gauge(String name, LocalModel m, String state, String help, ToDoubleFunction<EngineStats> value) {
        Gauge.builder(name, m, x -> value.applyAsDouble(x.engine().stats()))
                .tag("model", m.id()).tag("state", state).description(help).register(registry);
    }

    private void counter(String name, LocalModel m, String help, ToDoubleFunction<EngineStats> value) {
        FunctionCounter.builder(name, m, x -> value.applyAsDouble(x.engine().stats()))
                .tag("model", m.id()).description(help).register(registry);
    }

    /** Records one finished generation of {@code model}. */
    public void record(String model, Usage usage) {
        Counter.builder("stellar_prompt_tokens").tag("model", model).description("Prompt tokens processed")
                .register(registry).increment(usage.promptTokens());
        Counter.builder("stellar_generated_tokens").tag("model", model).description("Tokens generated")
                .register(registry).increment(usage.completionTokens());
        if (usage.completionTokens() > 1) {
            DistributionSummary.builder("stellar_generation_tokens_per_second").tag("model", model)
                    .description("Generation speed after the first token").register(registry)
                    .record(usage.generationTokensPerSecond());
        }
    }

    /**
     * Starts timing one request of {@code model}; call right after submitting it to the engine and call
     * {@link TokenClock#token()} as each token is read from its channel.
     */
    public TokenClock startRequest(String model) {
        Timer ttft = Timer.builder("stellar_time_to_first_token").tag("model", model)
                .description("Time from submitting a request to its first generated token (queueing included)")
                .publishPercentileHistogram().maximumExpectedValue(Duration.ofMinutes(2)).register(registry);
        Timer itl = Timer.builder("stellar_inter_token_latency").tag("model", model)
                .description("Time between consecutive generated tokens of one request")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        return new TokenClock(ttft, itl, nanoTime, nanoTime.getAsLong());
    }

    /**
     * The token timing of one request: the first {@link #token()} records the time to first token, each later
     * one the gap since the previous. Used by one thread (the request's).
     */
    public static final class TokenClock {
        private final Timer firstToken;
        private final Timer interToken;
        private final LongSupplier nanoTime;
        private final long submitted;
        private long last;
        private int tokens;

        TokenClock(Timer firstToken, Timer interToken, LongSupplier nanoTime, long submitted) {
            this.firstToken = firstToken;
            this.interToken = interToken;
            this.nanoTime = nanoTime;
            this.submitted = submitted;
        }

        /** A token of this request was read. */
        public void token() {
            long now = nanoTime.getAsLong();
            if (tokens++ == 0) {
                firstToken.record(Duration.ofNanos(now - submitted));
            } else {
                interToken.record(Duration.ofNanos(now - last));
            }
            last = now;
        }

        /** Tokens seen so far. */
        public int tokens() {
            return tokens;
        }
    }
}
