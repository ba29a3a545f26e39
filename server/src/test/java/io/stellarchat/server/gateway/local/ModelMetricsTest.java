package io.stellarchat.server.gateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stellarchat.server.testing.LiveService;
import io.stellarchat.server.testing.SseEvents;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-model engine series in {@code /metrics}: real requests through the OpenAI and sessions APIs, then a
 * scrape, checked for the names Prometheus sees and for values consistent with what was sent.
 */
class ModelMetricsTest {
    private static final Pattern SAMPLE = Pattern.compile(
            "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[^\"}]|\"(?:[^\"\\\\]|\\\\.)*\")*\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=(\"(?:[^\"\\\\]|\\\\.)*\")");

    @TempDir
    Path dir;

    @Test
    void tokenClockRecordsFirstTokenFromSubmitThenGapsBetweenTokens() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong now = new AtomicLong(1_000);
        ModelMetrics metrics = new ModelMetrics(registry, ModelRegistry.empty(), now::get);
        ModelMetrics.TokenClock clock = metrics.startRequest("m");
        now.addAndGet(250_000_000); // 250 ms in the queue and the prompt
        clock.token();
        now.addAndGet(20_000_000);
        clock.token();
        now.addAndGet(40_000_000);
        clock.token();
        Timer ttft = registry.get("stellar_time_to_first_token").tag("model", "m").timer();
        Timer itl = registry.get("stellar_inter_token_latency").tag("model", "m").timer();
        assertEquals(1, ttft.count());
        assertEquals(250.0, ttft.totalTime(TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(2, itl.count());
        assertEquals(60.0, itl.totalTime(TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(40.0, itl.max(TimeUnit.MILLISECONDS), 1e-9);
        assertEquals(3, clock.tokens());
    }

    @Test
    void streamedChatAndSessionTurnShowUpInTheScrapedEngineSeries() throws Exception {
        try (LiveService live = new LiveService(dir, List.of(LiveService.stories("stories", 0)))) {
            long started = System.nanoTime();
            // 1. A streamed chat completion of exactly 10 tokens (ignore_eos), with the usage chunk.
            HttpResponse<InputStream> r = live.postStreaming("/v1/chat/completions", null, Map.of(
                    "model", "stories", "messages", List.of(Map.of("role", "user", "content", "Tell me a story")),
                    "max_tokens", 10, "temperature", 0, "ignore_eos", true, "stream", true,
                    "stream_options", Map.of("include_usage", true)));
            assertEquals(200, r.statusCode());
            JsonNode usage = null;
            try (SseEvents events = new SseEvents(r.body())) {
                String data;
                while ((data = events.next()) != null && !data.equals(SseEvents.DONE)) {
                    JsonNode chunk = LiveService.JSON.readTree(data);
                    if (chunk.hasNonNull("usage")) {
                        usage = chunk.get("usage");
                    }
                }
            }
            assertTrue(usage != null, "usage chunk");
            assertEquals(10, usage.get("completion_tokens").asInt(), usage.toString());
            // The one-at-a-time engine reuses nothing: the field reports the engine's count, 0.
            assertEquals(0, usage.get("prompt_tokens_details").get("cached_tokens").asInt(), usage.toString());
            int chatPrompt = usage.get("prompt_tokens").asInt();

            // 2. One session turn of exactly 6 tokens (the path the WebSocket chat shares).
            String bearer = "sk-metrics-test";
            HttpResponse<String> created = live.post("/v1/sessions", bearer, Map.of("model", "stories"));
            assertEquals(201, created.statusCode(), created.body());
            String session = LiveService.json(created).get("id").asText();
            HttpResponse<String> turn = live.post("/v1/sessions/" + session + "/messages", bearer,
                    Map.of("content", "Once upon a time", "max_tokens", 6, "ignore_eos", true, "temperature", 0));
            assertEquals(200, turn.statusCode(), turn.body());
            JsonNode turnUsage = LiveService.json(turn).get("usage");
            assertEquals(6, turnUsage.get("completion_tokens").asInt(), turn.body());
            assertEquals(0, turnUsage.get("prompt_tokens_details").get("cached_tokens").asInt(), turn.body());
            double elapsed = (System.nanoTime() - started) / 1e9;

            Map<String, Double> m = scrape(live.get("/metrics", null).body());
            String model = "model=\"stories\"";
            // Latency histograms: one first token per request, one gap per later token.
            assertEquals(2.0, m.get("stellar_time_to_first_token_seconds_count{" + model + "}"), m.toString());
            assertEquals(9.0 + 5.0, m.get("stellar_inter_token_latency_seconds_count{" + model + "}"));
            double ttftSum = m.get("stellar_time_to_first_token_seconds_sum{" + model + "}");
            double itlSum = m.get("stellar_inter_token_latency_seconds_sum{" + model + "}");
            assertTrue(ttftSum > 0 && itlSum > 0 && ttftSum + itlSum < elapsed, ttftSum + " + " + itlSum + " vs " + elapsed);
            assertEquals(14.0, m.get("stellar_inter_token_latency_seconds_bucket{le=\"+Inf\"," + model + "}"));
            assertEquals(2.0, m.get("stellar_time_to_first_token_seconds_bucket{le=\"+Inf\"," + model + "}"));

            // Engine gauges and counters, read from the engine's stats at scrape time.
            assertEquals(0.0, m.get("stellar_engine_requests{" + model + ",state=\"running\"}"));
            assertEquals(0.0, m.get("stellar_engine_requests{" + model + ",state=\"waiting\"}"));
            assertEquals(2.0, m.get("stellar_engine_requests_completed_total{" + model + "}"));
            double used = m.get("stellar_engine_kv_blocks{" + model + ",state=\"used\"}");
            double free = m.get("stellar_engine_kv_blocks{" + model + ",state=\"free\"}");
            assertTrue(used >= 0 && free >= 0, used + " used, " + free + " free");
            double queries = m.get("stellar_engine_prefix_cache_queries_tokens_total{" + model + "}");
            double hits = m.get("stellar_engine_prefix_cache_hits_tokens_total{" + model + "}");
            double ratio = m.get("stellar_engine_prefix_cache_hit_ratio{" + model + "}");
            assertTrue(hits >= 0 && hits <= queries, hits + " hits of " + queries);
            assertEquals(queries == 0 ? 0 : hits / queries, ratio, 1e-9);
            double steps = m.get("stellar_engine_steps_total{" + model + "}");
            double stepTokens = m.get("stellar_engine_step_tokens_total{" + model + "}");
            assertTrue(stepTokens >= steps && steps >= 0, steps + " steps, " + stepTokens + " tokens");
            if (queries > 0) { // an engine that counts prompts saw at least both prompts
                assertTrue(queries >= chatPrompt, queries + " < " + chatPrompt);
            }
            assertTrue(m.get("stellar_engine_preemptions_total{" + model + "}") >= 0);
            assertEquals(16.0, m.get("stellar_generated_tokens_total{" + model + "}"));
        }
    }

    /** Sample lines as {@code name{labels}} → value, labels sorted by name whatever order they were printed in. */
    static Map<String, Double> scrape(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            Matcher x = SAMPLE.matcher(line);
            assertTrue(x.matches(), "not a Prometheus sample: " + line);
            String key = x.group(1);
            if (x.group(2) != null) {
                Map<String, String> labels = new TreeMap<>();
                Matcher l = LABEL.matcher(x.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
                StringJoiner j = new StringJoiner(",", "{", "}");
                labels.forEach((k, v) -> j.add(k + "=" + v));
                key += j;
            }
            out.put(key, Double.parseDouble(x.group(3)));
        }
        return out;
    }
}
