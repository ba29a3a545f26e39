package io.stellarchat.server.gateway;

import io.stellarchat.engine.util.Ticker;
import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Usage;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call to one upstream: holds the provider's bulkhead place and breaker permission from the moment it is
 * made until it ends, and ends exactly once — as a success, a failure (which the breaker counts unless it was
 * the client's fault), or cancelled by the client (which the breaker ignores) — recording the outcome, duration
 * and tokens. A streamed answer's attempt ends when its stream does, so {@code in_flight} and the bulkhead count
 * answers being streamed.
 *
 * <p>Threads: {@link #end} may race between the consumer thread and a cancelling thread; the first call wins.
 */
final class Attempt {
    private static final Logger log = LoggerFactory.getLogger(Attempt.class);

    private final ProviderState state;
    private final String model;
    private final int number;
    private final GatewayMetrics metrics;
    private final Ticker ticker;
    private final long started;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile long firstTokenNanos = -1;
    private volatile io.opentelemetry.api.trace.Span span = io.opentelemetry.api.trace.Span.getInvalid();

    /**
     * @param state  the provider (its bulkhead place is already taken, its breaker already said yes)
     * @param model  the upstream's name of the model
     * @param number the attempt number of this request, from 1
     */
    Attempt(ProviderState state, String model, int number, GatewayMetrics metrics, Ticker ticker) {
        this.state = state;
        this.model = model;
        this.number = number;
        this.metrics = metrics;
        this.ticker = ticker;
        this.started = ticker.read();
    }

    /** The span of this call (started by the router, ended here with the outcome). */
    void span(io.opentelemetry.api.trace.Span s) {
        this.span = s;
        s.setAttribute("gen_ai.provider.name", state.id());
        s.setAttribute("gen_ai.request.model", model);
        s.setAttribute("stellar.attempt", number);
    }

    String label() {
        return state.id() + "/" + model;
    }

    /** The first event of the answer arrived: time to first token is measured. */
    void firstToken() {
        if (firstTokenNanos < 0) {
            firstTokenNanos = ticker.read() - started;
            state.latency(model).record(Duration.ofNanos(firstTokenNanos));
            metrics.firstToken(state.id(), model, firstTokenNanos);
        }
    }

    /** The answer ended normally. */
    void succeeded(Usage usage) {
        if (!ended.compareAndSet(false, true)) return;
        long took = ticker.read() - started;
        state.breaker.onSuccess(Duration.ofNanos(took));
        if (usage != null) {
            metrics.tokens(state.id(), model, usage.promptTokens(), usage.completionTokens());
            span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens());
            span.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens());
        }
        release("success", took);
    }

    /** The client stopped the answer: neither a success nor the upstream's failure. */
    void cancelled() {
        if (!ended.compareAndSet(false, true)) return;
        state.breaker.onIgnored();
        release("cancelled", ticker.read() - started);
    }

    /** The call failed; a client error (4xx other than 429) does not count against the provider. */
    void failed(ProviderException e) {
        if (!ended.compareAndSet(false, true)) return;
        long took = ticker.read() - started;
        String outcome = outcome(e);
        if (isClientError(e)) {
            state.breaker.onIgnored();
        } else {
            state.breaker.onFailure(Duration.ofNanos(took));
        }
        release(outcome, took);
        log.warn("upstream call failed: provider={} model={} attempt={} outcome={} status={} message={}",
                state.id(), model, number, outcome, e.status(), e.getMessage());
    }

    private void release(String outcome, long tookNanos) {
        state.bulkhead.exit();
        span.setAttribute("stellar.outcome", outcome);
        if (!outcome.equals("success") && !outcome.equals("cancelled")) {
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, outcome);
        }
        span.end();
        metrics.attempt(state.id(), model, outcome);
        metrics.duration(state.id(), model, tookNanos);
        if (!outcome.equals("success") && !outcome.equals("cancelled")) {
            return; // logged by failed()
        }
        log.debug("upstream call ended: provider={} model={} attempt={} outcome={} ms={}", state.id(), model, number,
                outcome, tookNanos / 1_000_000);
    }

    /** Whether {@code e} is the request's fault: never retried, never held against a provider. */
    static boolean isClientError(ProviderException e) {
        return switch (e.kind()) {
            case INVALID_REQUEST, CONTEXT_LENGTH, AUTHENTICATION, PERMISSION, NOT_FOUND -> true;
            default -> false;
        };
    }

    /** The metric and log name of a failure: the timeout kinds apart, the others by family. */
    static String outcome(ProviderException e) {
        if (e.kind() == ErrorKind.TIMEOUT && e.code() != null) {
            return e.code();
        }
        if (isClientError(e)) {
            return "client_error";
        }
        return e.kind().name().toLowerCase(java.util.Locale.ROOT);
    }
}
