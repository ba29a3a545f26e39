package io.stellarchat.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Telemetry events ({@code telemetry.*}) and usage accounting ({@code usage.*}).
 *
 * @param sinks            where events go; several at once; empty: none (usage accounting still runs)
 * @param dir              the JSON-lines directory (null: {@code <data.dir>/telemetry})
 * @param maxFileSize      a JSON-lines file rolls over at this size
 * @param retention        JSON-lines files older than this are deleted
 * @param elasticsearchUrl base URL of Elasticsearch or OpenSearch (for the {@code elasticsearch} sink)
 * @param elasticsearchIndex index name prefix; one index per UTC day, {@code <prefix>-yyyy.MM.dd}
 * @param elasticsearchApiKey sent as {@code Authorization: ApiKey ...} when set
 * @param otlpEndpoint     OTLP/HTTP logs endpoint of a collector (for the {@code otlp} sink)
 * @param queueSize        events waiting per sink; when full, new events are dropped and counted
 * @param maxInFlight      sender threads per sink: batches written at once
 * @param batchSize        events per batch at most
 * @param flushInterval    a batch is written at the latest this long after its first event
 * @param includeContent   whether events carry prompt and answer text
 * @param usageRetention   rows of the usage table older than this are deleted (0: kept)
 */
public record TelemetryConfig(List<Sink> sinks, Path dir, long maxFileSize, Duration retention, String elasticsearchUrl,
                              String elasticsearchIndex, Secret elasticsearchApiKey, String otlpEndpoint, int queueSize,
                              int maxInFlight, int batchSize, Duration flushInterval, boolean includeContent,
                              Duration usageRetention) {
    public TelemetryConfig {
        sinks = List.copyOf(sinks);
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(flushInterval, "flushInterval");
        Objects.requireNonNull(usageRetention, "usageRetention");
    }

    /** The built-in defaults: JSON-lines files under the data directory. */
    public static TelemetryConfig defaults() {
        return new TelemetryConfig(List.of(Sink.FILE), null, 64L << 20, Duration.ofDays(7), "", "stellar-events",
                new Secret(""), "", 10_000, 2, 500, Duration.ofSeconds(1), false, Duration.ofDays(90));
    }

    /** A sink kind. */
    public enum Sink {
        FILE, ELASTICSEARCH, OTLP;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Sink parse(String text) {
            for (Sink s : values()) {
                if (s.key().equalsIgnoreCase(text.strip())) return s;
            }
            return null;
        }
    }
}
