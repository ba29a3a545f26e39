package io.stellarchat.server.observe;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.stellarchat.server.config.TracingConfig;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Traces through the OpenTelemetry SDK (no agent): a span per HTTP request (continuing an incoming W3C
 * {@code traceparent}), and child spans that the gateway, admission and the local engine's call recorder open
 * under it; exported over OTLP/HTTP in batches. Off unless {@code tracing.endpoint} is set: then every span is a
 * no-op and nothing is exported.
 *
 * <p>The current span travels in OpenTelemetry's {@link Context} (a thread-local the SDK owns); work handed to
 * another thread takes {@link Context#current()} with it explicitly ({@code Context.current().wrap(task)}) or
 * names its parent.
 *
 * <p>Threads: thread-safe. The SDK's batch processor runs its own export thread; {@link #close} flushes and stops it.
 */
public final class Tracing implements AutoCloseable {
    private static final TextMapGetter<Function<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, String> carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };
    private static final TextMapSetter<BiConsumer<String, String>> SETTER = (carrier, key, value) -> {
        if (carrier != null) carrier.accept(key, value);
    };

    private final SdkTracerProvider provider; // null when off
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider == null ? TracerProvider.noop().get("io.stellarchat")
                : provider.get("io.stellarchat");
    }

    /** Tracing off. */
    public static Tracing off() {
        return new Tracing(null);
    }

    /** From the configuration: off without an endpoint, else OTLP/HTTP to it. */
    public static Tracing create(TracingConfig config, Resource resource) {
        if (!config.enabled()) return off();
        return with(OtlpHttpSpanExporter.builder().setEndpoint(config.endpoint()).setTimeout(Duration.ofSeconds(10)).build(),
                config.sampleRatio(), resource);
    }

    /** With any exporter (tests hand in an in-memory one). */
    public static Tracing with(SpanExporter exporter, double sampleRatio, Resource resource) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio)))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(500)).build())
                .build();
        return new Tracing(provider);
    }

    /** Who sends: {@code service.name}, {@code service.instance.id} (a fresh id per process), {@code service.version}. */
    public static Resource resource(String serviceName, String version) {
        return Resource.getDefault().merge(Resource.create(Attributes.builder()
                .put("service.name", serviceName)
                .put("service.instance.id", UUID.randomUUID().toString())
                .put("service.version", version)
                .build()));
    }

    public boolean enabled() {
        return provider != null;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** The context an incoming request's headers carry ({@code traceparent}), or the root context. */
    public Context extract(Function<String, String> headers) {
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, GETTER);
    }

    /** Writes the current span's {@code traceparent} (and {@code tracestate}) as request headers. */
    public static void inject(BiConsumer<String, String> headers) {
        W3CTraceContextPropagator.getInstance().inject(Context.current(), headers, SETTER);
    }

    /** Starts a child of the current span (a no-op span when off or not sampled). */
    public Span start(String name, SpanKind kind) {
        return tracer.spanBuilder(name).setSpanKind(kind).startSpan();
    }

    /** Exports what is buffered (tests, shutdown). */
    public boolean flush(Duration timeout) {
        return provider == null || provider.forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS).isSuccess();
    }

    @Override
    public void close() {
        if (provider != null) provider.shutdown().join(5, TimeUnit.SECONDS);
    }
}
