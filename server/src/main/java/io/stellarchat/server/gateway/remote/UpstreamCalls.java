package io.stellarchat.server.gateway.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.gateway.Provider;
import io.stellarchat.server.gateway.remote.UpstreamErrors.Deadline;
import io.stellarchat.server.observe.LogContext;
import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * How one remote provider talks HTTP, whatever its dialect: request building (URL, JSON body, our auth header, the
 * request id and trace context of the calling thread), sending with the provider's deadlines, and the mapping of
 * what comes back (a stream, a JSON answer, an error) through {@link UpstreamErrors}.
 *
 * <p>Threads: used by any number of request threads at once; holds no mutable state. Calls block the calling
 * (virtual) thread until the response headers (streams) or the whole body (JSON calls) arrive; an interrupted
 * caller aborts the exchange.
 */
final class UpstreamCalls {
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Duration HEALTH_LIMIT = Duration.ofSeconds(10);

    private final ProviderConfig config;
    private final UpstreamHttp http;
    private final HttpClient client;
    private final String base;
    private final BiConsumer<HttpRequest.Builder, String> auth;
    private final Map<String, String> dialectHeaders;
    private final ThreadFactory readers;

    /**
     * @param auth           adds the dialect's credential headers given the (non-empty) API key
     * @param dialectHeaders sent with every request (Anthropic's {@code anthropic-version})
     */
    UpstreamCalls(ProviderConfig config, UpstreamHttp http, BiConsumer<HttpRequest.Builder, String> auth,
                  Map<String, String> dialectHeaders) {
        this.config = config;
        this.http = http;
        this.client = http.clientFor(config.baseUrl(), config.timeouts().connect());
        String b = config.baseUrl().toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.auth = auth;
        this.dialectHeaders = Map.copyOf(dialectHeaders);
        this.readers = Thread.ofVirtual().name("upstream-" + config.id() + "-", 1).factory();
    }

    String provider() {
        return config.id();
    }

    ProviderConfig.Timeouts timeouts() {
        return config.timeouts();
    }

    /** A request to {@code {base_url}{path}} with our headers; the caller adds the method and body. */
    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        String key = config.apiKey().reveal();
        if (!key.isEmpty()) auth.accept(b, key);
        dialectHeaders.forEach(b::header);
        // The caller's request id and trace, read now on the caller's thread (they live in its MDC).
        String requestId = MDC.get(LogContext.REQUEST_ID);
        if (requestId != null && !requestId.isEmpty()) b.header("X-Request-Id", requestId);
        if (io.opentelemetry.api.trace.Span.current().getSpanContext().isValid()) {
            io.stellarchat.server.observe.Tracing.inject(b::header); // the attempt's span is the parent upstream
        } else {
            String traceId = MDC.get(LogContext.TRACE_ID);
            if (traceId != null && TRACE_ID.matcher(traceId).matches()) b.header("traceparent", traceparent(traceId));
        }
        return b;
    }

    /** W3C Trace Context §3.2: version 00, the caller's trace id, a new span id for this call, sampled. */
    static String traceparent(String traceId) {
        long span;
        do {
            span = ThreadLocalRandom.current().nextLong();
        } while (span == 0); // an all-zero parent id is invalid
        return "00-" + traceId + "-" + HexFormat.of().toHexDigits(span) + "-01";
    }

    static HttpRequest.BodyPublisher json(JsonNode body) {
        try {
            return HttpRequest.BodyPublishers.ofByteArray(RemoteJson.MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree that cannot be written", e);
        }
    }

    /**
     * Sends a streaming request and returns the stream once the response headers came with a 2xx status. Waits for
     * the headers at most until the first-token (or total) deadline.
     */
    UpstreamStream stream(HttpRequest request, String model, StreamTranslator translator) {
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<InputStream>> exchange =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        ProviderConfig.Timeouts t = config.timeouts();
        Deadline which = t.total().compareTo(t.firstToken()) < 0 ? Deadline.TOTAL : Deadline.FIRST_TOKEN;
        Duration limit = which == Deadline.TOTAL ? t.total() : t.firstToken();
        HttpResponse<InputStream> response = await(exchange, limit, which);
        if (response.statusCode() / 100 != 2) {
            throw statusFailure(response);
        }
        try {
            return UpstreamStream.start(config.id(), model, t, started, response.body(), exchange, translator, readers,
                    http.deadlines());
        } catch (RuntimeException e) { // the holder was closed under us: do not leave the exchange open
            exchange.cancel(true);
            closeQuietly(response.body());
            throw UpstreamErrors.connectFailure(config.id(), e);
        }
    }

    /** Sends a request whose answer is one JSON document, within the total deadline (or {@code limit} if shorter). */
    JsonNode call(HttpRequest request, Duration limit) {
        Duration within = limit.compareTo(config.timeouts().total()) < 0 ? limit : config.timeouts().total();
        CompletableFuture<HttpResponse<byte[]>> exchange =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> response = await(exchange, within, Deadline.TOTAL);
        if (response.statusCode() / 100 != 2) {
            throw UpstreamErrors.status(config.id(), response.statusCode(), response.headers(), scrub(response.body()));
        }
        try {
            return RemoteJson.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw UpstreamErrors.badResponse(config.id(), "not JSON");
        }
    }

    JsonNode call(HttpRequest request) {
        return call(request, config.timeouts().total());
    }

    /** {@code GET {base_url}{path}}: healthy on 2xx. Never throws. */
    Provider.Health probe(String path) {
        long t0 = System.nanoTime();
        Duration limit = config.timeouts().firstToken().compareTo(HEALTH_LIMIT) < 0 ? config.timeouts().firstToken()
                : HEALTH_LIMIT;
        try {
            call(request(path).GET().header("Accept", "application/json").build(), limit);
            return Provider.Health.ok("GET " + path + " answered 2xx in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        } catch (ProviderException e) {
            return Provider.Health.down(e.getMessage());
        }
    }

    private <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> exchange, Duration limit, Deadline which) {
        try {
            return exchange.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw UpstreamErrors.timeout(config.id(), which, limit);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new ProviderException(ErrorKind.UNAVAILABLE, 503, "interrupted", null,
                    "The call to upstream " + config.id() + " was interrupted", null);
        } catch (ExecutionException | CompletionException | CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw UpstreamErrors.connectFailure(config.id(), cause);
        }
    }

    /** Reads the start of an error body (at most the idle timeout long, then drops the connection) and maps it. */
    private ProviderException statusFailure(HttpResponse<InputStream> response) {
        InputStream in = response.body();
        Future<?> guard = http.deadlines().schedule(() -> closeQuietly(in), config.timeouts().idle().toNanos(),
                TimeUnit.NANOSECONDS);
        byte[] body;
        try {
            body = in.readNBytes(UpstreamErrors.MAX_ERROR_BODY);
        } catch (IOException e) {
            body = new byte[0];
        } finally {
            guard.cancel(false);
            closeQuietly(in);
        }
        return UpstreamErrors.status(config.id(), response.statusCode(), response.headers(), scrub(body));
    }

    /**
     * An upstream's error body with our credential taken out: its message is relayed to the client and logged, and
     * a server that echoes the key it was sent ("invalid key sk-…") must not hand our upstream key to our callers.
     * The configured key is masked wherever it appears, and anything else that looks like a secret too.
     */
    byte[] scrub(byte[] body) {
        if (body == null || body.length == 0) return body;
        String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        String key = config.apiKey().reveal();
        String clean = key.isEmpty() ? text : text.replace(key, config.apiKey().masked());
        clean = io.stellarchat.server.observe.Secrets.mask(clean);
        return clean.equals(text) ? body : clean.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // dropping the connection is the point
        }
    }
}
