/**
 * Observability that every part of the service uses and that depends on none of them: request ids and the
 * log context, log set-up (text or JSON lines), and metrics (Micrometer, exposed in Prometheus format).
 *
 * <p>Entry points: {@link io.stellarchat.server.observe.RequestId#from} (the id of a request from its
 * {@code traceparent} / {@code X-Request-Id} headers), {@link io.stellarchat.server.observe.LogContext} (MDC
 * keys and wrappers that carry the request id onto other threads), {@link io.stellarchat.server.observe.LogSetup}
 * (applies {@code logging.*}), {@link io.stellarchat.server.observe.HttpMetrics} and
 * {@link io.stellarchat.server.observe.JvmMetrics}.
 */
package io.stellarchat.server.observe;
