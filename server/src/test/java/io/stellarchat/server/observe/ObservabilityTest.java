package io.stellarchat.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.stellarchat.server.cli.CliEnvironment;
import io.stellarchat.server.cli.StellarCli;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.config.TelemetryConfig;
import io.stellarchat.server.config.TracingConfig;
import io.stellarchat.server.testing.LiveService;
import io.stellarchat.server.testing.TelemetryReceiver;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Telemetry, usage accounting and traces end to end: a front StellarChat serving stories260K locally, the model
 * {@code story} through a second StellarChat (the peer), and {@code flaky} on an upstream that refuses
 * connections with {@code story} as its fallback. Every sink is real: JSON-lines files, an Elasticsearch-shaped
 * server and an OTLP/HTTP receiver for logs and traces (decoded with the OpenTelemetry proto classes).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TelemetryReceiver receiver;
    private static LiveService peer;
    private static LiveService front;
    private static Path frontDir;
    /** The usage of every answer the client saw (prompt, completion), summed. */
    private static long promptSeen;
    private static long completionSeen;
    private static int calls;

    static TelemetryConfig telemetry(List<TelemetryConfig.Sink> sinks, String url) {
        TelemetryConfig d = TelemetryConfig.defaults();
        return new TelemetryConfig(sinks, null, d.maxFileSize(), d.retention(), url, "stellar-events",
                new io.stellarchat.server.config.Secret(""), url + "/v1/logs", 1000, 2, 100, Duration.ofMillis(100),
                false, d.usageRetention());
    }

    static ProviderConfig provider(String id, URI base) {
        return ProviderConfig.of(id, ProviderConfig.ProviderType.OPENAI, base)
                .withTimeouts(new ProviderConfig.Timeouts(Duration.ofMillis(500), Duration.ofSeconds(20),
                        Duration.ofSeconds(20), Duration.ofSeconds(60)))
                .withHealthInterval(Duration.ZERO);
    }

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        receiver = new TelemetryReceiver();
        peer = new LiveService(Files.createDirectories(dir.resolve("peer")), List.of(LiveService.stories("stories", 0)),
                List.of(), List.of(), c -> c.withObserve(telemetry(List.of(), receiver.url()),
                        new TracingConfig(receiver.url() + "/v1/traces", 1.0, "peer")));
        frontDir = Files.createDirectories(dir.resolve("front"));
        List<ModelEntry> models = List.of(LiveService.stories("stories", 0),
                ModelEntry.remote("story", List.of(new ModelEntry.Upstream("peer", "stories", 1))),
                ModelEntry.remote("flaky", List.of(new ModelEntry.Upstream("dead", "x", 1)))
                        .withRetries(new ModelEntry.RetrySettings(1, Duration.ofMillis(5), Duration.ofMillis(20)))
                        .withFallbacks(List.of("story")));
        front = new LiveService(frontDir, models, List.of(),
                List.of(provider("peer", URI.create("http://127.0.0.1:" + peer.port + "/v1")),
                        provider("dead", URI.create("http://127.0.0.1:1/v1"))),
                c -> c.withObserve(telemetry(List.of(TelemetryConfig.Sink.FILE, TelemetryConfig.Sink.ELASTICSEARCH,
                        TelemetryConfig.Sink.OTLP), receiver.url()), new TracingConfig(receiver.url() + "/v1/traces", 1.0, "front")));
    }

    @AfterAll
    static void stop() {
        if (front != null) front.close();
        if (peer != null) peer.close();
        if (receiver != null) receiver.close();
    }

    private static void countUsage(JsonNode usage) {
        promptSeen += usage.get("prompt_tokens").asLong();
        completionSeen += usage.get("completion_tokens").asLong();
    }

    private static JsonNode chat(String model, int maxTokens) throws Exception {
        HttpResponse<String> r = front.post("/v1/chat/completions", null, Map.of("model", model, "max_tokens", maxTokens,
                "temperature", 0, "messages", List.of(Map.of("role", "user", "content", "Once upon a time"))));
        assertEquals(200, r.statusCode(), r.body());
        calls++;
        JsonNode j = LiveService.json(r);
        countUsage(j.get("usage"));
        return j;
    }

    private static JsonNode streamChat(String model, int maxTokens) throws Exception {
        HttpResponse<InputStream> r = front.postStreaming("/v1/chat/completions", null, Map.of("model", model,
                "max_tokens", maxTokens, "temperature", 0, "stream", true, "stream_options", Map.of("include_usage", true),
                "messages", List.of(Map.of("role", "user", "content", "The dog"))));
        assertEquals(200, r.statusCode());
        JsonNode usage = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                JsonNode c = JSON.readTree(line.substring(6));
                if (c.hasNonNull("usage")) usage = c.get("usage");
            }
        }
        assertNotNull(usage);
        calls++;
        countUsage(usage);
        return usage;
    }

    @Test
    @Order(1)
    void usageTotalsEqualTheResponsesAfterAMixedRun() throws Exception {
        chat("stories", 8);
        streamChat("stories", 6);
        chat("story", 7);
        streamChat("story", 5);
        JsonNode viaFallback = chat("flaky", 4);
        assertEquals("story", viaFallback.get("model").asText());
        // A cancel: read the first chunk of a long answer, then hang up.
        HttpResponse<InputStream> r = front.postStreaming("/v1/chat/completions", null, Map.of("model", "stories",
                "max_tokens", 250, "stream", true, "messages", List.of(Map.of("role", "user", "content", "Tell me"))));
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertTrue(in.readLine().startsWith("data: "));
        }
        calls++; // its usage never reached the client: it counts as a call with no tokens

        JsonNode total = awaitUsage("group_by=none", calls);
        assertEquals(promptSeen, total.at("/total/prompt_tokens").asLong(), total.toString());
        assertEquals(completionSeen, total.at("/total/completion_tokens").asLong(), total.toString());
        assertEquals(promptSeen + completionSeen, total.at("/total/total_tokens").asLong());

        JsonNode byModel = get("/v1/admin/usage?group_by=model");
        Map<String, Long> requests = new java.util.TreeMap<>();
        byModel.get("data").forEach(row -> requests.put(row.get("model").asText(), row.get("requests").asLong()));
        assertEquals(Map.of("flaky", 1L, "stories", 3L, "story", 2L), requests);
        JsonNode byUpstream = get("/v1/admin/usage?group_by=upstream,day");
        List<String> upstreams = new ArrayList<>();
        byUpstream.get("data").forEach(row -> upstreams.add(row.get("upstream").asText()));
        assertEquals(List.of("local/stories", "peer/stories"), upstreams);
        assertEquals(java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString(), byUpstream.at("/data/0/day").asText());
        assertEquals(400, front.get("/v1/admin/usage?group_by=colour", null).statusCode());
        assertEquals(400, front.get("/v1/admin/usage?from=yesterday", null).statusCode());

        // The same report from the command line, read from the database.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = StellarCli.run(new CliEnvironment(Map.of("STELLAR_DATA_DIR", frontDir.toString()), frontDir,
                new PrintWriter(out, true), new PrintWriter(err, true)), "usage", "--group-by", "model");
        assertEquals(0, rc, err.toString());
        String table = out.toString();
        assertTrue(table.contains("MODEL") && table.contains("flaky") && table.contains("story"), table);
        String totalLine = table.lines().filter(l -> l.startsWith("(total)")).findFirst().orElseThrow();
        assertTrue(totalLine.matches("\\(total\\)\\s+" + calls + "\\s+\\d+\\s+" + promptSeen + "\\s+" + completionSeen + "\\s.*"),
                totalLine);
    }

    @Test
    @Order(2)
    void modelCallEventsReachEverySink() throws Exception {
        assertTrue(front.service.telemetry().flush(Duration.ofSeconds(20)));
        List<JsonNode> modelCalls = List.of();
        for (long deadline = System.nanoTime() + 10_000_000_000L; System.nanoTime() < deadline; Thread.sleep(100)) {
            modelCalls = fileEvents().stream().filter(e -> e.get("type").asText().equals("model_call")).toList();
            if (modelCalls.size() >= calls) break;
        }
        assertEquals(calls, modelCalls.size(), "model calls in the file: " + modelCalls.stream()
                .map(e -> e.at("/data/model").asText() + "/" + e.at("/data/status").asText() + "/stream="
                        + e.at("/data/stream").asText()).toList() + "; usage: " + get("/v1/admin/usage?group_by=model"));
        for (JsonNode e : modelCalls) {
            for (String f : List.of("event_id", "ts", "request_id")) assertTrue(e.hasNonNull(f), f + " in " + e);
            assertFalse(e.get("data").has("prompt"), "no content unless telemetry.include_content");
            assertFalse(e.get("data").has("answer"));
        }
        JsonNode fallback = modelCalls.stream().filter(e -> e.at("/data/model").asText().equals("flaky")).findFirst().orElseThrow();
        assertTrue(fallback.at("/data/fallback").asBoolean(), fallback.toString());
        assertEquals("story", fallback.at("/data/served_model").asText());
        assertEquals("peer/stories", fallback.at("/data/upstream").asText());
        assertTrue(fallback.at("/data/attempts").asInt() >= 2, fallback.toString());
        assertEquals("success", fallback.at("/data/status").asText());
        assertTrue(modelCalls.stream().anyMatch(e -> e.at("/data/status").asText().equals("cancelled")));
        JsonNode local = modelCalls.stream().filter(e -> e.at("/data/upstream").asText().equals("local/stories")
                && e.at("/data/stream").asBoolean() && e.at("/data/status").asText().equals("success")).findFirst().orElseThrow();
        assertTrue(local.at("/data/ttft_ms").asDouble() > 0);
        assertTrue(local.at("/data/queue_ms").isNumber(), local.toString());
        assertEquals("stop".equals(local.at("/data/finish_reason").asText()) || "length".equals(local.at("/data/finish_reason").asText()), true);
        // Breaker, retries and the dead upstream are seen as a state change of its circuit only when it opens;
        // the Elasticsearch and OTLP sinks carry the same events.
        List<String> ids = modelCalls.stream().map(e -> e.get("event_id").asText()).sorted().toList();
        List<String> inEs = receiver.bulks.stream().flatMap(List::stream).filter(d -> d.get("type").asText().equals("model_call"))
                .map(d -> d.get("event_id").asText()).sorted().toList();
        assertEquals(ids, inEs);
        assertEquals(List.of(), receiver.bulkErrors);
        for (long deadline = System.nanoTime() + 10_000_000_000L; otlpModelCalls() < calls && System.nanoTime() < deadline; ) {
            Thread.sleep(100); // written by each sink on its own threads
        }
        assertEquals(calls, otlpModelCalls());
        String metrics = front.get("/metrics", null).body();
        assertTrue(metrics.contains("gen_ai_client_token_usage_bucket{"), "GenAI token histogram");
        assertTrue(metrics.contains("gen_ai_server_time_to_first_token_seconds_bucket{"));
        assertTrue(metrics.contains("gen_ai_server_request_duration_seconds_count{"));
        assertTrue(metrics.contains("gen_ai_server_time_per_output_token_seconds_bucket{"));
        assertTrue(metrics.contains("stellar_telemetry_dropped_total{sink=\"file\"} 0.0"), "drops counted per sink, none here");
    }

    @Test
    @Order(3)
    void oneTraceFollowsARequestThroughTheGatewayIntoThePeerEngine() throws Exception {
        HttpResponse<String> r = front.client.send(front.request("/v1/chat/completions", null)
                .header("Content-Type", "application/json")
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"story\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(front.service.tracing().flush(Duration.ofSeconds(10)));
        assertTrue(peer.service.tracing().flush(Duration.ofSeconds(10)));
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        Map<String, List<Span>> byService = new java.util.HashMap<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            byService.clear();
            for (var req : receiver.traces) {
                for (ResourceSpans rs : req.getResourceSpansList()) {
                    String service = attr(rs.getResource().getAttributesList(), "service.name");
                    rs.getScopeSpansList().forEach(ss -> ss.getSpansList().stream()
                            .filter(s -> hex(s.getTraceId()).equals(trace))
                            .forEach(s -> byService.computeIfAbsent(service, k -> new ArrayList<>()).add(s)));
                }
            }
            if (byService.containsKey("front") && byService.getOrDefault("peer", List.of()).stream()
                    .anyMatch(s -> s.getName().equals("decode"))) break;
            Thread.sleep(100);
        }
        List<Span> frontSpans = byService.get("front");
        List<Span> peerSpans = byService.get("peer");
        assertNotNull(frontSpans, "the front's spans continue the incoming traceparent: " + byService.keySet());
        assertNotNull(peerSpans, "the peer's spans are in the same trace: " + byService.keySet());
        Span server = frontSpans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
        assertEquals("00f067aa0ba902b7", hex(server.getParentSpanId()), "the caller's span is the parent");
        assertEquals("POST /v1/chat/completions", server.getName());
        assertEquals("story", attr(server.getAttributesList(), "gen_ai.request.model"));
        assertEquals("5", attr(server.getAttributesList(), "gen_ai.usage.output_tokens"));
        Span upstream = frontSpans.stream().filter(s -> s.getName().equals("upstream peer/stories")).findFirst().orElseThrow();
        assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, upstream.getKind());
        Span route = frontSpans.stream().filter(s -> s.getName().equals("route")).findFirst().orElseThrow();
        assertEquals(hex(server.getSpanId()), hex(route.getParentSpanId()));
        assertEquals(hex(route.getSpanId()), hex(upstream.getParentSpanId()), "each attempt under the routing");
        Span auth = frontSpans.stream().filter(s -> s.getName().equals("authenticate")).findFirst().orElseThrow();
        assertEquals(hex(server.getSpanId()), hex(auth.getParentSpanId()));
        Span peerServer = peerSpans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
        assertEquals(hex(upstream.getSpanId()), hex(peerServer.getParentSpanId()), "traceparent was sent upstream");
        for (String phase : List.of("queue", "prefill", "decode")) {
            Span p = peerSpans.stream().filter(s -> s.getName().equals(phase)).findFirst().orElseThrow(() -> new AssertionError(phase));
            assertEquals(hex(peerServer.getSpanId()), hex(p.getParentSpanId()), phase);
        }
    }

    @Test
    @Order(4)
    void feedbackIsStoredWithTheMessageShownInHistoryAndSentAsAnEvent() throws Exception {
        JsonNode session = LiveService.json(front.post("/v1/sessions", null, Map.of("model", "stories")));
        String sid = session.get("id").asText();
        HttpResponse<String> sent = front.post("/v1/sessions/" + sid + "/messages", null,
                Map.of("content", "Hello", "max_tokens", 4, "temperature", 0));
        assertEquals(200, sent.statusCode(), sent.body());
        String mid = LiveService.json(sent).at("/message/id").asText(LiveService.json(sent).path("id").asText());
        HttpResponse<String> rated = front.post("/v1/sessions/" + sid + "/messages/" + mid + "/feedback", null,
                Map.of("rating", "down", "comment", "too short"));
        assertEquals(200, rated.statusCode(), rated.body());
        assertEquals("down", LiveService.json(rated).get("rating").asText());
        JsonNode history = LiveService.json(front.get("/v1/sessions/" + sid + "/messages", null));
        JsonNode reply = null;
        for (JsonNode m : history.get("data")) if (m.get("id").asText().equals(mid)) reply = m;
        assertNotNull(reply, history.toString());
        assertEquals("down", reply.at("/feedback/rating").asText());
        assertEquals("too short", reply.at("/feedback/comment").asText());
        assertEquals(400, front.post("/v1/sessions/" + sid + "/messages/" + mid + "/feedback", null, Map.of("rating", "meh")).statusCode());
        HttpResponse<String> missing = front.post("/v1/sessions/" + sid + "/messages/0190a1b2-0000-7000-8000-000000000000/feedback",
                null, Map.of("rating", "up"));
        assertEquals(404, missing.statusCode());
        assertEquals("message_not_found", LiveService.json(missing).at("/error/code").asText());
        assertTrue(front.service.telemetry().flush(Duration.ofSeconds(20)));
        List<JsonNode> events = fileEvents();
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("feedback")
                && e.at("/data/message_id").asText().equals(mid) && e.at("/data/rating").asText().equals("down")));
        assertTrue(events.stream().anyMatch(e -> e.get("type").asText().equals("session_turn")
                && e.at("/data/session_id").asText().equals(sid)));
    }

    private static long otlpModelCalls() {
        return receiver.logs.stream().flatMap(r -> r.getResourceLogsList().stream())
                .flatMap(r -> r.getScopeLogsList().stream()).flatMap(s -> s.getLogRecordsList().stream())
                .filter(l -> l.getAttributesList().stream().anyMatch(kv -> kv.getKey().equals("event.name")
                        && kv.getValue().getStringValue().equals("stellar.model_call"))).count();
    }

    private static List<JsonNode> fileEvents() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(frontDir.resolve("telemetry"))) {
            for (Path f : files.sorted().toList()) {
                for (String line : Files.readAllLines(f)) out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static JsonNode awaitUsage(String query, int requests) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = get("/v1/admin/usage?" + query);
            if (last.at("/total/requests").asInt() >= requests) return last;
            Thread.sleep(100);
        }
        throw new AssertionError("usage never reached " + requests + " requests: " + last);
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = front.get(path, null);
        assertEquals(200, r.statusCode(), r.body());
        return LiveService.json(r);
    }

    private static String attr(List<KeyValue> attrs, String key) {
        for (KeyValue kv : attrs) {
            if (kv.getKey().equals(key)) {
                var v = kv.getValue();
                return v.hasStringValue() ? v.getStringValue() : v.hasIntValue() ? Long.toString(v.getIntValue()) : v.toString();
            }
        }
        return null;
    }

    private static String hex(ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }
}
