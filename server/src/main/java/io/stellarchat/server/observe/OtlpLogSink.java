package io.stellarchat.server.observe;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Events as OTLP log records to an OpenTelemetry Collector (OTLP/HTTP, protobuf), through the OpenTelemetry
 * SDK's exporter. Each record: the event's time, severity INFO, {@code event.name = stellar.<type>}, the body
 * the event's JSON, and attributes {@code stellar.event_id}, {@code stellar.type}, {@code stellar.request_id},
 * {@code trace_id}, {@code stellar.owner}, {@code stellar.key_id} and each scalar data field as
 * {@code stellar.data.<name>}. A batch is handed to the SDK's batch processor and flushed at once, so one
 * pipeline batch is one export request; the exporter retries transient failures itself.
 *
 * <p>Threads: {@link #write} is synchronized: the SDK's {@code forceFlush} does not say which records it waited
 * for, so one batch at a time goes through it, and a write returns only once its own records were exported.
 */
public final class OtlpLogSink implements TelemetrySink {
    private static final AttributeKey<String> EVENT_NAME = AttributeKey.stringKey("event.name");
    private final SdkLoggerProvider provider;
    private final Logger logger;
    private final Duration timeout;

    /**
     * @param endpoint the collector's logs URL ({@code http://host:4318/v1/logs})
     * @param resource who sends (service.name, service.instance.id)
     */
    public OtlpLogSink(String endpoint, Resource resource, Duration timeout) {
        this.timeout = timeout;
        OtlpHttpLogRecordExporter exporter = OtlpHttpLogRecordExporter.builder().setEndpoint(endpoint)
                .setTimeout(timeout).build();
        this.provider = SdkLoggerProvider.builder().setResource(resource)
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter).setScheduleDelay(Duration.ofSeconds(1))
                        .setMaxExportBatchSize(10_000).setMaxQueueSize(100_000).build())
                .build();
        this.logger = provider.get("io.stellarchat.telemetry");
    }

    @Override
    public String name() {
        return "otlp";
    }

    @Override
    public synchronized void write(List<TelemetryEvent> batch) throws IOException {
        for (TelemetryEvent e : batch) {
            AttributesBuilder a = Attributes.builder()
                    .put(EVENT_NAME, "stellar." + e.type())
                    .put("stellar.event_id", e.id())
                    .put("stellar.type", e.type());
            if (!e.requestId().isEmpty()) a.put("stellar.request_id", e.requestId());
            if (!e.traceId().isEmpty()) a.put("trace_id", e.traceId());
            if (!e.owner().isEmpty()) a.put("stellar.owner", e.owner());
            if (!e.keyId().isEmpty()) a.put("stellar.key_id", e.keyId());
            for (Map.Entry<String, Object> d : e.data().entrySet()) {
                String k = "stellar.data." + d.getKey();
                switch (d.getValue()) {
                    case String s -> a.put(k, s);
                    case Integer i -> a.put(k, (long) i);
                    case Long l -> a.put(k, l);
                    case Double x -> a.put(k, x);
                    case Float f -> a.put(k, (double) f);
                    case Boolean b -> a.put(k, b);
                    case null, default -> { } // nested values stay in the body only
                }
            }
            logger.logRecordBuilder()
                    .setTimestamp(e.ts())
                    .setSeverity(Severity.INFO)
                    .setSeverityText("INFO")
                    .setBody(EventJson.of(e))
                    .setAllAttributes(a.build())
                    .emit();
        }
        CompletableResultCode flushed = provider.forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!flushed.isSuccess()) throw new IOException("OTLP log export did not succeed within " + timeout);
    }

    @Override
    public void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }
}
