package io.stellarchat.server.api.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.testing.LiveService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/admin/stats} on the real service after real answers, and its quantile estimate. */
class StatsRoutesTest {
    @TempDir
    Path dir;

    @Test
    void statsShowALocalModelsLatencyQueueAndKvCache() throws Exception {
        try (LiveService live = new LiveService(dir, List.of(LiveService.stories("stories", 0)))) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = live.post("/v1/chat/completions", null, "{\"model\":\"stories\",\"max_tokens\":12,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}]}");
                assertEquals(200, r.statusCode(), r.body());
            }
            HttpResponse<String> r = live.get("/v1/admin/stats", null);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode s = LiveService.json(r);
            assertEquals("stats", s.get("object").asText());
            assertEquals(0, s.get("queue_depth").asInt());
            assertEquals(0, s.get("providers").size(), "no remote providers configured");
            JsonNode m = s.get("models").get(0);
            assertEquals("stories", m.get("model").asText());
            assertEquals(3, m.at("/ttft_ms/count").asInt(), m.toString());
            assertTrue(m.at("/ttft_ms/p50").asDouble() > 0 && m.at("/ttft_ms/p50").asDouble() <= m.at("/ttft_ms/p99").asDouble(), m.toString());
            assertTrue(m.at("/itl_ms/count").asInt() >= 3 * 10, "11 gaps per answer of 12 tokens: " + m);
            assertTrue(m.get("kv_blocks_total").asLong() > 0 && m.get("kv_use").asDouble() >= 0, m.toString());
            assertEquals(36, m.get("generated_tokens").asLong(), m.toString());
        }
    }

    @Test
    void quantilesInterpolateWithinCumulativeBuckets() {
        TreeMap<Double, Double> b = new TreeMap<>();
        b.put(10.0, 50.0);   // 50 events ≤ 10 ms
        b.put(20.0, 90.0);   // 40 more ≤ 20 ms
        b.put(100.0, 100.0); // 10 more ≤ 100 ms
        assertEquals(10.0, StatsRoutes.quantile(b, 100, 0.50), 1e-9);
        assertEquals(15.0, StatsRoutes.quantile(b, 100, 0.70), 1e-9);
        assertEquals(92.0, StatsRoutes.quantile(b, 100, 0.99), 1e-9);
        TreeMap<Double, Double> over = new TreeMap<>();
        over.put(5.0, 1.0); // two events, one above the last bound: it reads as that bound
        assertEquals(5.0, StatsRoutes.quantile(over, 2, 0.99), 1e-9);
    }
}
