package io.stellarchat.server.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One remote model server the gateway may send requests to ({@code providers[]} in the YAML file).
 *
 * @param id             unique name, {@code [a-z0-9][a-z0-9_-]*}; {@code local} is reserved for the engine
 * @param type           the wire protocol it speaks
 * @param baseUrl        e.g. {@code http://10.0.0.5:8000/v1} (paths are appended: {@code /chat/completions})
 * @param apiKey         sent as {@code Authorization: Bearer} (openai) or {@code x-api-key} (anthropic); empty = none
 * @param timeouts       connect, first token, idle between chunks, total
 * @param maxConcurrency requests in flight to this provider at most (the bulkhead)
 * @param circuitBreaker when to stop sending to it for a while
 * @param healthInterval how often {@code GET {base_url}/models} is probed; zero = never
 */
public record ProviderConfig(String id, ProviderType type, URI baseUrl, Secret apiKey, Timeouts timeouts,
                             int maxConcurrency, BreakerSettings circuitBreaker, Duration healthInterval) {

    /** What a provider id may look like. */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    public ProviderConfig {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) throw new IllegalArgumentException("invalid provider id: " + id);
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(circuitBreaker, "circuitBreaker");
        Objects.requireNonNull(healthInterval, "healthInterval");
        if (maxConcurrency < 1) throw new IllegalArgumentException("maxConcurrency must be >= 1: " + maxConcurrency);
    }

    /** A provider with every optional setting at its default (tests and embedders). */
    public static ProviderConfig of(String id, ProviderType type, URI baseUrl) {
        return new ProviderConfig(id, type, baseUrl, new Secret(""), Timeouts.DEFAULTS, 64, BreakerSettings.DEFAULTS,
                Duration.ofSeconds(30));
    }

    public ProviderConfig withTimeouts(Timeouts t) {
        return new ProviderConfig(id, type, baseUrl, apiKey, t, maxConcurrency, circuitBreaker, healthInterval);
    }

    public ProviderConfig withBreaker(BreakerSettings b) {
        return new ProviderConfig(id, type, baseUrl, apiKey, timeouts, maxConcurrency, b, healthInterval);
    }

    public ProviderConfig withMaxConcurrency(int max) {
        return new ProviderConfig(id, type, baseUrl, apiKey, timeouts, max, circuitBreaker, healthInterval);
    }

    public ProviderConfig withHealthInterval(Duration d) {
        return new ProviderConfig(id, type, baseUrl, apiKey, timeouts, maxConcurrency, circuitBreaker, d);
    }

    public ProviderConfig withApiKey(Secret key) {
        return new ProviderConfig(id, type, baseUrl, key, timeouts, maxConcurrency, circuitBreaker, healthInterval);
    }

    /** The wire protocol of a provider. */
    public enum ProviderType {
        /** Any OpenAI-compatible server: vLLM, llama.cpp server, Ollama's /v1, Xinference, OpenAI. */
        OPENAI,
        /** Anthropic's Messages API. */
        ANTHROPIC
    }

    /**
     * Deadlines of one upstream call; each failure is reported (and counted) as its own kind of timeout.
     *
     * @param connect    to open the TCP (and TLS) connection
     * @param firstToken from sending the request to the first chunk of the answer
     * @param idle       between two chunks of a streamed answer
     * @param total      the whole call
     */
    public record Timeouts(Duration connect, Duration firstToken, Duration idle, Duration total) {
        public static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(60),
                Duration.ofSeconds(30), Duration.ofMinutes(10));

        public Timeouts {
            for (Duration d : new Duration[] {connect, firstToken, idle, total}) {
                Objects.requireNonNull(d, "timeout");
                if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("timeouts must be positive: " + d);
            }
        }
    }

    /**
     * The circuit breaker of one provider (count-based window).
     *
     * @param failureRate   percent of failed calls in the window that opens the breaker, 1..100
     * @param minimumCalls  calls in the window before the rate counts
     * @param window        calls the rate is measured over
     * @param openFor       how long an open breaker rejects calls before letting probes through
     * @param halfOpenCalls probes let through when half-open
     */
    public record BreakerSettings(int failureRate, int minimumCalls, int window, Duration openFor, int halfOpenCalls) {
        public static final BreakerSettings DEFAULTS = new BreakerSettings(50, 5, 20, Duration.ofSeconds(30), 1);

        public BreakerSettings {
            if (failureRate < 1 || failureRate > 100) throw new IllegalArgumentException("failureRate 1..100: " + failureRate);
            if (minimumCalls < 1 || window < 1 || halfOpenCalls < 1) throw new IllegalArgumentException("breaker counts must be >= 1");
            Objects.requireNonNull(openFor, "openFor");
        }
    }
}
