package io.stellarchat.server.gateway;

import io.stellarchat.engine.util.Ticker;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelEntry.Upstream;
import io.stellarchat.server.gateway.ModelTable.Route;
import io.stellarchat.server.gateway.local.LocalProvider;
import io.stellarchat.server.gateway.resilience.Backoff;
import io.stellarchat.server.gateway.resilience.ProviderBreaker;
import io.stellarchat.server.gateway.resilience.UpstreamPicker;
import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.ProviderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Has a request answered by some model that can: the model the client named, else its {@code fallbacks} in
 * order (a prompt too long for a model goes to its {@code context_fallbacks}), each remote model through its
 * upstreams in the order of its routing strategy, with retries.
 *
 * <p>The rules, each applied here and nowhere else:
 * <ul>
 *   <li>An upstream is skipped while its provider's breaker is open, its last health check failed, or its
 *       bulkhead ({@code max_concurrency}) is full.</li>
 *   <li>A failed attempt is retried — on the next upstream in the order when there is one — only for failures
 *       that another try may fix (connect errors and timeouts, first-token timeouts, 429, 5xx) and only before
 *       the answer's first event was handed on: the call given to {@link #route} returns only once the upstream
 *       has produced that event, and a failure after it ends the answer. A client error (400, 401, 403, 404,
 *       409, 413, 422) is passed through at once and not held against the provider.</li>
 *   <li>Retries wait with exponential backoff and full jitter, or the upstream's {@code Retry-After} when it is
 *       at most {@code max_backoff}; each needs the target provider's retry budget.</li>
 *   <li>When a model cannot answer, its fallbacks are tried; when none can: the last attempt's failure, or, if
 *       no attempt could be made, 429 {@code upstream_busy} (every upstream full), 503 {@code model_unavailable}
 *       with the shortest breaker wait as {@code Retry-After}, or 503 {@code model_offline}.</li>
 * </ul>
 *
 * <p>Threads: stateless but for its collaborators, which are thread-safe; runs on the request's thread, and
 * sleeps there between retries (a virtual thread).
 */
final class Router {
    private static final Logger log = LoggerFactory.getLogger(Router.class);

    /**
     * Who answers one attempt.
     *
     * @param provider      the provider to call
     * @param providerModel the provider's name for the model
     * @param attempt       the upstream call to end (null for the local engine, which has no breaker)
     * @param reportModel   the model id the client is told
     * @param label         {@code <provider id>/<upstream model>} for {@code X-Stellar-Upstream}
     * @param attempts      calls made for this request so far, this one included (over upstreams and fallbacks)
     */
    record Target(Provider provider, String providerModel, Attempt attempt, String reportModel, String label,
                  int attempts) {}

    /** One attempt at an answer; throws {@link ProviderException} when it fails before it began. */
    @FunctionalInterface
    interface Call<R> {
        R call(Target target) throws InterruptedException;
    }

    private final LocalProvider local;
    private final Map<String, ProviderState> providers;
    private final GatewayMetrics metrics;
    private final Ticker ticker;
    private final RandomGenerator random;
    private final Gateway.Sleeper sleeper;
    private final io.opentelemetry.api.trace.Tracer tracer;

    Router(LocalProvider local, Map<String, ProviderState> providers, GatewayMetrics metrics, Ticker ticker,
           RandomGenerator random, Gateway.Sleeper sleeper, io.opentelemetry.api.trace.Tracer tracer) {
        this.tracer = tracer;
        this.local = local;
        this.providers = providers;
        this.metrics = metrics;
        this.ticker = ticker;
        this.random = random;
        this.sleeper = sleeper;
    }

    /** Why nothing answered, gathered over the models tried. */
    private static final class Failure {
        ProviderException last;
        String lastReason = "error";
        boolean busy;
        boolean offline;
        int attempts;
        Duration shortestWait;

        void wait(Duration d) {
            if (shortestWait == null || d.compareTo(shortestWait) < 0) shortestWait = d;
        }
    }

    /** Answers with {@code name}'s model or one of its fallbacks. */
    <R> R route(ModelTable table, String name, String param, Call<R> call) {
        Route first = table.find(name).orElseThrow(() -> ProviderException.notFound("model_not_found", param,
                "The model '" + name + "' does not exist. Available models: " + table.routes().keySet() + "."));
        List<String> chain = new ArrayList<>();
        chain.add(first.id());
        chain.addAll(first.entry().fallbacks());
        Set<String> tried = new HashSet<>();
        Failure failure = new Failure();
        for (int i = 0; i < chain.size(); i++) {
            Route r = table.routes().get(chain.get(i));
            if (r == null || !tried.add(r.id())) continue;
            if (!r.online()) {
                failure.offline = true;
                continue;
            }
            try {
                R out = r.local()
                        ? call.call(new Target(local, r.id(), null, r.id(), LocalProvider.ID + "/" + r.id(),
                                ++failure.attempts))
                        : remote(r, call, failure);
                if (out != null) {
                    if (i > 0) {
                        metrics.fallback(first.id(), r.id());
                        log.info("model {} answered by its fallback {}", first.id(), r.id());
                    }
                    return out;
                }
            } catch (ProviderException e) {
                boolean tooLong = e.kind() == ErrorKind.CONTEXT_LENGTH || "context_length_exceeded".equals(e.code());
                if (tooLong && !r.entry().contextFallbacks().isEmpty()) {
                    chain.addAll(i + 1, r.entry().contextFallbacks()); // a larger context next
                    failure.last = e;
                    continue;
                }
                if (Attempt.isClientError(e) || tooLong) throw e;
                failure.last = e; // a local engine out of capacity: the next fallback may answer
                failure.lastReason = Attempt.outcome(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ProviderException.unavailable("shutting_down", "The server is shutting down.", null);
            }
        }
        throw nothingAnswered(first, failure);
    }

    private static ProviderException nothingAnswered(Route first, Failure f) {
        if (f.last != null) return f.last;
        if (f.busy) {
            return ProviderException.overloaded("upstream_busy", "Every upstream of model '" + first.id()
                    + "' is at its max_concurrency; try again shortly.", Duration.ofSeconds(1));
        }
        if (f.shortestWait != null) {
            return ProviderException.unavailable("model_unavailable", "No upstream of model '" + first.id()
                    + "' can answer now (circuit open or failing health checks), nor can its fallbacks.",
                    f.shortestWait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : f.shortestWait);
        }
        if (f.offline) {
            return ProviderException.unavailable("model_offline", "Model '" + first.id()
                    + "' is offline and none of its fallbacks can answer.", null);
        }
        return ProviderException.unavailable("model_unavailable", "No upstream of model '" + first.id()
                + "' can answer now.", Duration.ofSeconds(1));
    }

    /** One remote model: its upstreams in routing order, with retries; null when none answered. */
    private <R> R remote(Route route, Call<R> call, Failure failure) throws InterruptedException {
        ModelEntry e = route.entry();
        List<UpstreamPicker.Candidate<Upstream>> candidates = new ArrayList<>();
        for (Upstream up : e.upstreams()) {
            ProviderState s = providers.get(up.provider());
            if (s == null) continue;
            boolean open = s.breaker.state() == ProviderBreaker.State.OPEN && !s.breaker.remainingOpen().isZero();
            if (open) failure.wait(s.breaker.remainingOpen());
            if (!s.healthy) failure.wait(s.config.healthInterval().isZero() ? Duration.ofSeconds(1) : s.config.healthInterval());
            if (s.bulkhead.full()) failure.busy = true;
            candidates.add(UpstreamPicker.Candidate.of(up, up.weight(), s.bulkhead, s.latency(up.model()),
                    !open && s.healthy));
        }
        List<Upstream> order = UpstreamPicker.of(e.routing(), random).order(candidates);
        if (order.isEmpty()) return null;
        Backoff backoff = Backoff.of(e.retries(), random);
        int attempts = e.retries().max() + 1;
        int tries = 0;
        boolean waited = false;
        Duration retryAfter = null;
        for (int k = 0; tries < attempts && k < attempts + order.size(); k++) {
            Upstream up = order.get(k % order.size());
            ProviderState s = providers.get(up.provider());
            if (tries > 0 && !waited) {
                if (!s.budget.tryRetry()) {
                    log.warn("retry budget of provider {} exhausted; not retrying model {}", s.id(), e.id());
                    break;
                }
                metrics.retry(s.id(), failure.lastReason);
                sleeper.sleep(retryAfter != null ? backoff.delay(tries, retryAfter) : backoff.delay(tries));
                waited = true;
            }
            if (!s.breaker.tryAcquire()) {
                failure.wait(s.breaker.remainingOpen());
                continue;
            }
            if (!s.bulkhead.tryEnter()) {
                s.breaker.onIgnored();
                failure.busy = true;
                continue;
            }
            if (tries == 0) s.budget.onRequest();
            tries++;
            waited = false;
            Attempt attempt = new Attempt(s, up.model(), tries, metrics, ticker);
            // The attempt's span is current while the call starts, so its traceparent goes upstream.
            io.opentelemetry.api.trace.Span span = tracer.spanBuilder("upstream " + attempt.label())
                    .setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT).startSpan();
            attempt.span(span);
            try (io.opentelemetry.context.Scope scope = span.makeCurrent()) {
                return call.call(new Target(s.provider, up.model(), attempt, route.id(), attempt.label(),
                        ++failure.attempts));
            } catch (ProviderException ex) {
                attempt.failed(ex);
                if (Attempt.isClientError(ex)) throw ex;
                failure.last = ex;
                failure.lastReason = Attempt.outcome(ex);
                Duration ra = ex.retryAfter();
                retryAfter = ra != null && ra.compareTo(e.retries().maxBackoff()) <= 0 ? ra : null;
            } catch (InterruptedException | RuntimeException ex) {
                attempt.cancelled();
                throw ex;
            }
        }
        return null;
    }
}
