package io.stellarchat.server.cli;

import io.opentelemetry.sdk.resources.Resource;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.config.TelemetryConfig;
import io.stellarchat.server.observe.ElasticsearchSink;
import io.stellarchat.server.observe.JsonLinesSink;
import io.stellarchat.server.observe.OtlpLogSink;
import io.stellarchat.server.observe.TelemetrySink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds the configured telemetry sinks, and the usage table's when there is a database. */
final class TelemetrySinks {
    private TelemetrySinks() {}

    static List<TelemetrySink> create(StellarConfig config, ChatDatabase database, Resource resource) {
        TelemetryConfig t = config.telemetry();
        List<TelemetrySink> sinks = new ArrayList<>();
        for (TelemetryConfig.Sink kind : t.sinks()) {
            sinks.add(switch (kind) {
                case FILE -> new JsonLinesSink(t.dir() != null ? t.dir() : config.data().dir().resolve("telemetry"),
                        t.maxFileSize(), t.retention(), Clock.systemUTC());
                case ELASTICSEARCH -> new ElasticsearchSink(t.elasticsearchUrl(), t.elasticsearchIndex(),
                        t.elasticsearchApiKey().reveal(), Duration.ofMillis(200));
                case OTLP -> new OtlpLogSink(t.otlpEndpoint(), resource, Duration.ofSeconds(10));
            });
        }
        if (database != null) sinks.add(database.usage());
        return sinks;
    }

    /** The file sink's directory (for `stellar usage` and the README). */
    static Path fileDir(StellarConfig config) {
        return config.telemetry().dir() != null ? config.telemetry().dir() : config.data().dir().resolve("telemetry");
    }
}
