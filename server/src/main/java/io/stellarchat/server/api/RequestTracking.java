package io.stellarchat.server.api;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.stellarchat.server.observe.Tracing;
import org.slf4j.MDC;

import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.stellarchat.server.observe.HttpMetrics;
import io.stellarchat.server.observe.LogContext;
import io.stellarchat.server.observe.RequestId;
import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-request bookkeeping around every handler: picks the request id, puts it in the log context and the
 * {@code X-Request-Id} response header, rejects bodies whose declared length is over the limit before any
 * handler runs, and at the end writes one access log line (never bodies) and the request metrics.
 *
 * <p>{@link #before} runs on the request's thread first; {@link #after} is Javalin's request logger and
 * runs when the response is done, possibly on another thread, so it re-enters the log context from the
 * request attribute and then clears it.
 */
final class RequestTracking {
    static final String ATTRIBUTE = "stellar.requestId";
    private static final Logger access = LoggerFactory.getLogger("io.stellarchat.server.access");
    private static final String SPAN = "stellar.span";
    private static final String SCOPE = "stellar.spanScope";
    private static final Logger bodies = LoggerFactory.getLogger("io.stellarchat.server.bodies");
    private final HttpMetrics metrics;
    private final long maxBodyBytes;
    private final Tracing tracing;
    private final boolean logBodies;

    RequestTracking(HttpMetrics metrics, long maxBodyBytes, Tracing tracing, boolean logBodies) {
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
        this.tracing = tracing;
        this.logBodies = logBodies;
    }

    /** The id of the request being served by {@code ctx}. */
    static String requestId(Context ctx) {
        RequestId id = ctx.attribute(ATTRIBUTE);
        return id == null ? "unknown" : id.value();
    }

    void before(Context ctx) {
        RequestId id = RequestId.from(ctx.header("traceparent"), ctx.header("X-Request-Id"));
        ctx.attribute(ATTRIBUTE, id);
        LogContext.enter(id);
        ctx.header("X-Request-Id", id.value());
        if (tracing.enabled()) startSpan(ctx);
        if (ctx.req().getContentLengthLong() > maxBodyBytes) throw ApiException.tooLarge(maxBodyBytes);
        if (logBodies && bodies.isDebugEnabled() && ctx.req().getContentLengthLong() != 0) {
            bodies.debug("request body of {} {}: {}", ctx.method().name(), ctx.path(), ctx.body());
        }
    }

    /**
     * The server span of the request, continuing an incoming {@code traceparent}; current on this thread until
     * {@link #leaveSpan}, ended by {@link #after} with the status. The log context's trace id becomes the span's.
     */
    private void startSpan(Context ctx) {
        io.opentelemetry.context.Context parent = tracing.extract(ctx::header);
        Span span = tracing.tracer().spanBuilder(ctx.method().name() + " " + ctx.path())
                .setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", ctx.method().name())
                .setAttribute("url.path", ctx.path())
                .startSpan();
        ctx.attribute(SPAN, span);
        ctx.attribute(SCOPE, span.makeCurrent());
        if (span.getSpanContext().isValid()) MDC.put(LogContext.TRACE_ID, span.getSpanContext().getTraceId());
    }

    /** Javalin's after-handler: on the handler's thread, the span stops being current there. */
    void leaveSpan(Context ctx) {
        Scope scope = ctx.attribute(SCOPE);
        if (scope != null) {
            ctx.attribute(SCOPE, null);
            scope.close();
        }
    }

    void after(Context ctx, Float millis) {
        RequestId id = ctx.attribute(ATTRIBUTE);
        if (id != null) LogContext.enter(id);
        try {
            Endpoint matched = ctx.endpoints().matchedHttpEndpoint();
            String route = matched == null ? HttpMetrics.UNMATCHED : matched.path;
            int status = ctx.statusCode();
            Span span = ctx.attribute(SPAN);
            if (span != null) {
                span.updateName(ctx.method().name() + " " + route);
                span.setAttribute("http.route", route);
                span.setAttribute("http.response.status_code", status);
                if (status >= 500) span.setStatus(StatusCode.ERROR);
                span.end();
            }
            Duration took = Duration.ofNanos((long) (millis * 1_000_000.0));
            metrics.record(ctx.method().name(), route, status, took);
            long bytes = responseBytes(ctx);
            access.atInfo()
                    .addKeyValue("method", ctx.method().name())
                    .addKeyValue("path", ctx.path())
                    .addKeyValue("route", route)
                    .addKeyValue("status", status)
                    .addKeyValue("bytes", bytes)
                    .addKeyValue("duration_ms", Math.round(millis * 1000.0) / 1000.0)
                    .log("{} {} {} {}B {}ms", ctx.method().name(), ctx.path(), status, bytes,
                            String.format(java.util.Locale.ROOT, "%.1f", millis));
        } finally {
            LogContext.leave();
        }
    }

    /**
     * Body bytes of the response, from Jetty's count of bytes handed to the connection. The handler and
     * Javalin are done writing when this runs, but the tail may still sit in the servlet buffer: flush it so
     * the count is complete. -1 when it cannot be known (client gone).
     */
    private static long responseBytes(Context ctx) {
        try {
            ctx.res().flushBuffer();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        if (request == null) return -1;
        return Response.getContentBytesWritten(request.getServletContextResponse());
    }
}
