package io.stellarchat.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.sdk.resources.Resource;
import io.stellarchat.server.testing.TelemetryReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each sink against the real thing it writes to: files, an Elasticsearch-shaped HTTP server, an OTLP receiver. */
class TelemetrySinksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static TelemetryEvent event(int i, Instant ts) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("model", "m" + (i % 2));
        data.put("prompt_tokens", i);
        data.put("stream", i % 2 == 0);
        data.put("ttft_ms", 12.5);
        data.put("finish_reason", null);
        return new TelemetryEvent("evt-" + i, "model_call", ts, "0af7651916cd43dd8448eb211c80319c", "req-" + i, "alice",
                "key_1", data);
    }

    @Test
    void jsonLinesRollBySizeAndDayAndDeleteOldDays(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("events-2026-11-01.jsonl"), "{}\n"); // older than the retention
        Files.writeString(dir.resolve("events-2026-12-06.jsonl"), "{}\n"); // yesterday: kept
        Instant now = Instant.parse("2026-12-07T10:00:00Z");
        JsonLinesSink sink = new JsonLinesSink(dir, 600, Duration.ofDays(7), Clock.fixed(now, ZoneOffset.UTC));
        List<TelemetryEvent> batch = new ArrayList<>();
        for (int i = 0; i < 6; i++) batch.add(event(i, now));
        sink.write(batch.subList(0, 2));
        sink.write(batch.subList(2, 4));
        sink.write(batch.subList(4, 6));
        sink.close();
        assertFalse(Files.exists(dir.resolve("events-2026-11-01.jsonl")));
        assertTrue(Files.exists(dir.resolve("events-2026-12-06.jsonl")));
        List<Path> today;
        try (Stream<Path> s = Files.list(dir)) {
            today = s.filter(p -> p.getFileName().toString().startsWith("events-2026-12-07")).sorted().toList();
        }
        assertTrue(today.size() >= 2, "rolled into parts by size: " + today);
        List<JsonNode> lines = new ArrayList<>();
        for (Path p : today) {
            assertTrue(Files.size(p) <= 600 + 400, p + " is " + Files.size(p) + " bytes");
            for (String l : Files.readAllLines(p)) lines.add(JSON.readTree(l));
        }
        assertEquals(6, lines.size());
        JsonNode first = lines.stream().filter(l -> l.get("event_id").asText().equals("evt-0")).findFirst().orElseThrow();
        assertEquals("model_call", first.get("type").asText());
        assertEquals("2026-12-07T10:00:00Z", first.get("ts").asText());
        assertEquals("0af7651916cd43dd8448eb211c80319c", first.get("trace_id").asText());
        assertEquals("req-0", first.get("request_id").asText());
        assertEquals("alice", first.get("owner").asText());
        assertEquals("key_1", first.get("key_id").asText());
        assertEquals(12.5, first.at("/data/ttft_ms").asDouble());
        assertTrue(first.at("/data/finish_reason").isNull());
    }

    @Test
    void elasticsearchBulkIsWellFormedAndOnlyRetryableItemsAreRetried() throws Exception {
        try (TelemetryReceiver es = new TelemetryReceiver()) {
            ElasticsearchSink sink = new ElasticsearchSink(es.url(), "stellar-events", "", Duration.ofMillis(5));
            Instant ts = Instant.parse("2026-12-07T23:59:59Z");
            es.failNextItems(201, 429, 400, 503);
            TelemetrySink.PartlyWritten lost = assertThrows(TelemetrySink.PartlyWritten.class,
                    () -> sink.write(List.of(event(0, ts), event(1, ts), event(2, ts), event(3, ts))));
            assertEquals(1, lost.lost(), "the 400 item is not retried and is lost");
            assertEquals(List.of(), es.bulkErrors);
            assertEquals(List.of("stellar-events-2026.12.07"), es.indicesCreated, "created once, lazily");
            assertEquals(2, es.bulks.size());
            assertEquals(List.of("evt-1", "evt-3"), es.bulks.get(1).stream().map(d -> d.get("event_id").asText()).toList(),
                    "only the 429 and 503 items went again");
            sink.write(List.of(event(4, ts.plusSeconds(1))));
            assertEquals(List.of("stellar-events-2026.12.07", "stellar-events-2026.12.08"), es.indicesCreated);
        }
    }

    @Test
    void otlpLogRecordsCarryTheEvent() throws Exception {
        try (TelemetryReceiver collector = new TelemetryReceiver()) {
            OtlpLogSink sink = new OtlpLogSink(collector.url() + "/v1/logs",
                    Resource.create(io.opentelemetry.api.common.Attributes.of(
                            io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), "stellar-test")),
                    Duration.ofSeconds(10));
            Instant ts = Instant.parse("2026-12-07T10:00:00Z");
            sink.write(List.of(event(1, ts), event(2, ts)));
            sink.close();
            List<LogRecord> records = collector.logs.stream().flatMap(r -> r.getResourceLogsList().stream())
                    .flatMap(r -> r.getScopeLogsList().stream()).flatMap(s -> s.getLogRecordsList().stream()).toList();
            assertEquals(2, records.size());
            LogRecord r = records.getFirst();
            assertEquals(ts.toEpochMilli() * 1_000_000L, r.getTimeUnixNano());
            Map<String, String> attrs = new LinkedHashMap<>();
            for (KeyValue kv : r.getAttributesList()) {
                attrs.put(kv.getKey(), kv.getValue().hasStringValue() ? kv.getValue().getStringValue()
                        : kv.getValue().hasIntValue() ? Long.toString(kv.getValue().getIntValue())
                        : kv.getValue().toString().strip());
            }
            assertEquals("stellar.model_call", attrs.get("event.name"));
            assertEquals("evt-1", attrs.get("stellar.event_id"));
            assertEquals("m1", attrs.get("stellar.data.model"));
            assertEquals("1", attrs.get("stellar.data.prompt_tokens"));
            assertEquals("alice", attrs.get("stellar.owner"));
            assertEquals("evt-1", JSON.readTree(r.getBody().getStringValue()).get("event_id").asText());
            String service = collector.logs.getFirst().getResourceLogs(0).getResource().getAttributesList().stream()
                    .filter(kv -> kv.getKey().equals("service.name")).findFirst().orElseThrow().getValue().getStringValue();
            assertEquals("stellar-test", service);
        }
    }
}
