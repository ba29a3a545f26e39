package io.stellarchat.server.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Request metrics: {@code stellar_http_requests_total{method,route,status}} and the histogram
 * {@code stellar_http_request_duration_seconds{method,route,status}}. {@code route} is the matched route
 * template (e.g. {@code /v1/models/{id}}), never the raw path, so the number of series stays bounded;
 * requests that match no route are labelled {@link #UNMATCHED}.
 */
public final class HttpMetrics {
    /** Route label of requests that matched no route. */
    public static final String UNMATCHED = "unmatched";
    private final MeterRegistry registry;

    public HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(String method, String route, int status, Duration duration) {
        String s = Integer.toString(status);
        Counter.builder("stellar.http.requests")
                .description("HTTP requests served")
                .tags("method", method, "route", route, "status", s)
                .register(registry)
                .increment();
        Timer.builder("stellar.http.request.duration")
                .description("Time from request start to the last byte handed to the connection")
                .tags("method", method, "route", route, "status", s)
                .publishPercentileHistogram()
                .register(registry)
                .record(duration);
    }
}
