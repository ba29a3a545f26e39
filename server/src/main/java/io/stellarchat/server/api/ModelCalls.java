package io.stellarchat.server.api;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.observe.GenAiMetrics;
import io.stellarchat.server.observe.LogContext;
import io.stellarchat.server.observe.Telemetry;
import io.stellarchat.server.observe.TelemetryEvent;
import io.stellarchat.server.observe.Tracing;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * Records every model call once, when its answer ends, fails or is cancelled: a {@code model_call} telemetry
 * event (which the usage sink also turns into a usage row), the GenAI meters, and for the local engine the
 * {@code queue}, {@code prefill} and {@code decode} spans under the request's span (their times come from the
 * engine's timings, so they are made after the fact).
 *
 * <p>The {@code model_call} event's data: {@code endpoint}, {@code model} (asked for), {@code served_model} (the
 * fallback's when one answered), {@code provider}, {@code upstream}, {@code attempts}, {@code fallback},
 * {@code stream}, {@code cache_hit}, {@code prompt_tokens}, {@code completion_tokens}, {@code cached_tokens},
 * {@code reasoning_tokens}, {@code queue_ms} (local), {@code ttft_ms}, {@code duration_ms},
 * {@code finish_reason}, {@code status} ({@code success}, {@code error}, {@code cancelled}), {@code error_code},
 * and with {@code telemetry.include_content} the {@code prompt} and {@code answer} text.
 *
 * <p>Threads: stateless; a {@link Call} is owned by the stream's consumer thread, but {@code cancel} may come
 * from another thread, so the one-time recording is guarded by an atomic flag.
 */
public final class ModelCalls {
    private final Telemetry telemetry;
    private final GenAiMetrics metrics;
    private final Tracing tracing;
    private final boolean includeContent;

    public ModelCalls(Telemetry telemetry, GenAiMetrics metrics, Tracing tracing, boolean includeContent) {
        this.telemetry = telemetry;
        this.metrics = metrics;
        this.tracing = tracing;
        this.includeContent = includeContent;
    }

    /** Where admission's spans go. */
    Tracing tracing() {
        return tracing;
    }

    /** Sends another event through the same pipeline (feedback, from the sessions API). */
    public void emit(TelemetryEvent event) {
        telemetry.emit(event);
    }

    /** Records nothing (tests of single features). */
    public static ModelCalls off() {
        return new ModelCalls(Telemetry.off(), new GenAiMetrics(null), Tracing.off(), false);
    }

    /**
     * Where a call comes from.
     *
     * @param endpoint  the route ({@code /v1/chat/completions}, {@code /api/chat}, {@code /v1/ws}, ...)
     * @param operation the GenAI operation: {@code chat}, {@code text_completion}, {@code embeddings}
     * @param caller    who calls
     * @param model     the model id asked for (as resolved)
     * @param stream    whether the client streams the answer
     * @param cacheHit  whether the response cache answers
     * @param prompt    the prompt, for {@code include_content}: a list of messages or a string; may be null
     */
    public record Site(String endpoint, String operation, Caller caller, String model, boolean stream,
                       Supplier<Boolean> cacheHit, Object prompt) {}

    /** Wraps a started answer so that its end is recorded. */
    public ChatStream observe(Site site, long startNanos, ChatStream s) {
        return new Call(site, startNanos, s);
    }

    /** Records a call that failed before it produced a stream. */
    public void failed(Site site, long startNanos, RuntimeException e) {
        record(site, startNanos, null, null, Usage.NONE, List.of(), "error", code(e), 1, "", "", "");
    }

    /** Records an embeddings call (no stream). */
    public void embedded(Site site, long startNanos, String upstream, int promptTokens, int inputs) {
        long now = System.nanoTime();
        record(site, startNanos, now, null, new Usage(promptTokens, 0, 0, 0, null), List.of(), "success", null, 1,
                upstream, site.model(), "");
    }

    static String code(RuntimeException e) {
        return switch (e) {
            case ProviderException p -> p.code() == null ? p.kind().name().toLowerCase(java.util.Locale.ROOT) : p.code();
            case ApiException a -> a.code() == null ? "error" : a.code();
            default -> "internal_error";
        };
    }

    private final class Call extends io.stellarchat.server.protocol.ForwardingChatStream {
        private final Site site;
        private final long start;
        private final ChatStream s;
        private final AtomicBoolean recorded = new AtomicBoolean();
        private final Context parent = Context.current();
        private final String requestId = MDC.get(LogContext.REQUEST_ID);
        private final String traceId = MDC.get(LogContext.TRACE_ID);
        private final List<String> finishes = new ArrayList<>();
        private final List<String[]> tools = new ArrayList<>(); // {id, name} of each tool call begun
        private final StringBuilder answer = includeContent ? new StringBuilder() : null;
        private Long firstAt; // consumer thread only
        private volatile boolean cancelling; // set by cancel() before it stops the stream

        Call(Site site, long start, ChatStream s) {
            super(s);
            this.site = site;
            this.start = start;
            this.s = s;
        }

        @Override
        public ChatEvent next(Duration timeout) throws InterruptedException {
            ChatEvent e;
            try {
                e = s.next(timeout);
            } catch (RuntimeException ex) {
                // A stream stopped by cancel() may fail its reader; that is the cancel, not an error.
                if (cancelling) end(Usage.NONE, "cancelled", null);
                else end(Usage.NONE, "error", code(ex));
                throw ex;
            } catch (InterruptedException ex) {
                end(Usage.NONE, "cancelled", null);
                throw ex;
            }
            if (e == null) return null;
            if (firstAt == null) firstAt = System.nanoTime();
            switch (e) {
                case ChatEvent.Delta d -> {
                    if (answer != null) answer.append(d.content());
                    for (var t : d.toolCalls()) {
                        if (t.name() != null && !t.name().isEmpty()) tools.add(new String[] {t.id(), t.name()});
                    }
                }
                case ChatEvent.ChoiceEnd c -> finishes.add(c.reason().key());
                case ChatEvent.Done d -> end(d.usage(), finishes.contains(FinishReason.CANCELLED.key()) ? "cancelled"
                        : finishes.contains(FinishReason.ERROR.key()) ? "error" : "success", null);
            }
            return e;
        }

        private void end(Usage usage, String status, String errorCode) {
            if (!recorded.compareAndSet(false, true)) return;
            try (var scope = parent.makeCurrent()) {
                record(site, start, System.nanoTime(), firstAt, usage, finishes, status, errorCode, s.attempts(),
                        s.upstream(), s.model(), answer == null ? "" : answer.toString(), requestId, traceId);
            }
            Caller c = site.caller();
            for (String[] t : tools) {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("endpoint", site.endpoint());
                data.put("model", s.model());
                data.put("tool_call_id", t[0]);
                data.put("name", t[1]);
                telemetry.emit(new TelemetryEvent(UUID.randomUUID().toString(), TelemetryEvent.Type.TOOL_CALL.wire,
                        Instant.now(), traceId, requestId, c == null ? "" : c.owner(), c == null ? "" : c.id(), data));
            }
        }

        @Override
        public void cancel() {
            cancelling = true;
            s.cancel();
            end(Usage.NONE, "cancelled", null);
        }
    }

    private void record(Site site, long start, Long endNanos, Long firstNanos, Usage usage, List<String> finishes,
                        String status, String errorCode, int attempts, String upstream, String servedModel, String answer) {
        record(site, start, endNanos, firstNanos, usage, finishes, status, errorCode, attempts, upstream, servedModel, answer,
                MDC.get(LogContext.REQUEST_ID), MDC.get(LogContext.TRACE_ID));
    }

    private void record(Site site, long start, Long endNanos, Long firstNanos, Usage usage, List<String> finishes,
                        String status, String errorCode, int attempts, String upstream, String servedModel, String answer,
                        String requestId, String traceId) {
        long end = endNanos == null ? System.nanoTime() : endNanos;
        Duration total = Duration.ofNanos(end - start);
        Duration ttft = firstNanos == null ? null : Duration.ofNanos(firstNanos - start);
        boolean cacheHit = site.cacheHit() != null && Boolean.TRUE.equals(site.cacheHit().get());
        String provider = upstream == null || upstream.isEmpty() ? "" : upstream.substring(0, Math.max(0, upstream.indexOf('/')));
        if (provider.isEmpty() && upstream != null) provider = upstream;
        boolean local = "local".equals(provider);
        Long queueMs = null;
        if (local && ttft != null && usage.timings() != null) {
            queueMs = Math.max(0, ttft.toMillis() - Math.round(usage.timings().promptMs()));
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("endpoint", site.endpoint());
        data.put("model", site.model());
        data.put("served_model", servedModel == null || servedModel.isEmpty() ? site.model() : servedModel);
        data.put("provider", cacheHit ? "cache" : provider);
        data.put("upstream", cacheHit ? "cache" : upstream == null ? "" : upstream);
        data.put("attempts", attempts);
        data.put("fallback", servedModel != null && !servedModel.isEmpty() && !servedModel.equals(site.model()));
        data.put("stream", site.stream());
        data.put("cache_hit", cacheHit);
        data.put("prompt_tokens", usage.promptTokens());
        data.put("completion_tokens", usage.completionTokens());
        data.put("cached_tokens", usage.cachedTokens());
        data.put("reasoning_tokens", usage.reasoningTokens());
        if (queueMs != null) data.put("queue_ms", queueMs);
        data.put("ttft_ms", ttft == null ? null : ttft.toNanos() / 1e6);
        data.put("duration_ms", total.toMillis());
        data.put("finish_reason", finishes.isEmpty() ? null : finishes.size() == 1 ? finishes.getFirst() : List.copyOf(finishes));
        data.put("status", status);
        data.put("error_code", errorCode);
        if (includeContent) {
            data.put("prompt", promptText(site.prompt()));
            data.put("answer", answer);
        }
        Caller c = site.caller();
        telemetry.emit(new TelemetryEvent(UUID.randomUUID().toString(), TelemetryEvent.Type.MODEL_CALL.wire, Instant.now(),
                traceId, requestId, c == null ? "" : c.owner(), c == null ? "" : c.id(), data));
        if (!cacheHit) {
            metrics.record(site.operation(), provider.isEmpty() ? "unknown" : provider, site.model(), servedModel,
                    usage.promptTokens(), usage.completionTokens(), total, "success".equals(status) ? ttft : null,
                    "error".equals(status) ? (errorCode == null ? "error" : errorCode) : null);
        }
        if (local && tracing.enabled()) localSpans(start, end, firstNanos, queueMs, usage);
        Span current = Span.current();
        if (current.getSpanContext().isValid()) {
            current.setAttribute("gen_ai.operation.name", site.operation());
            current.setAttribute("gen_ai.request.model", site.model());
            if (servedModel != null) current.setAttribute("gen_ai.response.model", servedModel);
            current.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens());
            current.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens());
            if (!finishes.isEmpty()) {
                current.setAttribute(io.opentelemetry.api.common.AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"),
                        List.copyOf(finishes));
            }
            if ("error".equals(status)) current.setStatus(StatusCode.ERROR, errorCode == null ? "error" : errorCode);
        }
    }

    /** The engine's phases as spans, from its timings: queue wait, then prefill to the first token, then decode. */
    private void localSpans(long start, long end, Long first, Long queueMs, Usage usage) {
        long wallNow = System.currentTimeMillis() * 1_000_000L;
        long offset = wallNow - System.nanoTime(); // epoch nanos = nanoTime + offset
        long t0 = start + offset;
        long tq = queueMs == null ? t0 : t0 + queueMs * 1_000_000L;
        long tf = first == null ? end + offset : first + offset;
        span("queue", t0, tq, null);
        span("prefill", tq, Math.max(tq, tf), usage.promptTokens());
        if (first != null) span("decode", tf, end + offset, usage.completionTokens());
    }

    private void span(String name, long from, long to, Integer tokens) {
        Span sp = tracing.tracer().spanBuilder(name).setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(from, TimeUnit.NANOSECONDS).startSpan();
        if (tokens != null) sp.setAttribute("stellar.tokens", tokens);
        sp.end(to, TimeUnit.NANOSECONDS);
    }

    /** The prompt as text: each message as {@code role: text}, one per line. */
    static String promptText(Object prompt) {
        if (prompt == null) return null;
        if (prompt instanceof List<?> list) {
            StringBuilder b = new StringBuilder();
            for (Object o : list) {
                if (o instanceof Message m) b.append(m.role().name().toLowerCase(java.util.Locale.ROOT)).append(": ").append(m.text()).append('\n');
                else b.append(o).append('\n');
            }
            return b.toString();
        }
        return prompt.toString();
    }
}
