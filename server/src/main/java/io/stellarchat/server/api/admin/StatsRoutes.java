package io.stellarchat.server.api.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.gateway.Gateway;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/admin/stats}: what the service is doing now, as one small JSON document for the console (which
 * must not scrape Prometheus text): each provider's breaker, health, in-flight calls, error rate and latency;
 * each local model's queue, running requests, KV cache use, time to first token and inter-token latency. Read
 * from the {@link Gateway} and the service's Micrometer registry — the same meters {@code /metrics} exports —
 * so the two never disagree.
 *
 * <p>Latency quantiles are estimated from the meters' histogram buckets (linear within a bucket) over the whole
 * life of the process; counts are totals since start. The console samples this every few seconds and draws the
 * changes.
 */
public final class StatsRoutes implements RouteGroup {
    private static final Set<String> NOT_ERRORS = Set.of("success", "client_error", "cancelled");
    private final Gateway gateway;
    private final MeterRegistry registry;
    private final ObjectMapper json;

    public StatsRoutes(Gateway gateway, MeterRegistry registry, ObjectMapper json) {
        this.gateway = gateway;
        this.registry = registry;
        this.json = json;
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.get("/v1/admin/stats", ctx -> ctx.json(stats()));
    }

    ObjectNode stats() {
        ObjectNode root = json.createObjectNode();
        root.put("object", "stats");
        root.put("time", System.currentTimeMillis() / 1000);
        root.set("providers", providers());
        ArrayNode models = models();
        root.set("models", models);
        int waiting = 0;
        int running = 0;
        for (var m : models) {
            waiting += m.path("waiting").asInt();
            running += m.path("running").asInt();
        }
        root.put("queue_depth", waiting);
        root.put("running", running);
        return root;
    }

    private ArrayNode providers() {
        ArrayNode out = json.createArrayNode();
        for (Gateway.ProviderStatus p : gateway.providerStatuses()) {
            ObjectNode o = AdminRoutes.provider(out.addObject(), p);
            long calls = 0;
            long errors = 0;
            for (Counter c : registry.find("stellar.upstream.requests").tag("provider", p.id()).counters()) {
                long n = (long) c.count();
                calls += n;
                if (!NOT_ERRORS.contains(c.getId().getTag("outcome"))) errors += n;
            }
            o.put("requests", calls);
            o.put("errors", errors);
            o.set("latency_ms", quantiles(registry.find("stellar.upstream.duration").tag("provider", p.id()).timers()));
            o.set("ttft_ms", quantiles(registry.find("stellar.upstream.time_to_first_token").tag("provider", p.id()).timers()));
        }
        return out;
    }

    private ArrayNode models() {
        Map<String, ObjectNode> byModel = new TreeMap<>();
        for (Gauge g : registry.find("stellar_engine_requests").gauges()) {
            model(byModel, g.getId().getTag("model")).put(g.getId().getTag("state"), (int) g.value());
        }
        for (Gauge g : registry.find("stellar_engine_kv_blocks").gauges()) {
            model(byModel, g.getId().getTag("model")).put("kv_blocks_" + g.getId().getTag("state"), (long) g.value());
        }
        for (FunctionCounter c : registry.find("stellar_engine_requests_completed").functionCounters()) {
            model(byModel, c.getId().getTag("model")).put("completed", (long) c.count());
        }
        for (Counter c : registry.find("stellar_generated_tokens").counters()) {
            model(byModel, c.getId().getTag("model")).put("generated_tokens", (long) c.count());
        }
        for (Counter c : registry.find("stellar_prompt_tokens").counters()) {
            model(byModel, c.getId().getTag("model")).put("prompt_tokens", (long) c.count());
        }
        Set<String> timed = new TreeSet<>(byModel.keySet());
        registry.find("stellar_time_to_first_token").timers().forEach(t -> timed.add(t.getId().getTag("model")));
        ArrayNode out = json.createArrayNode();
        for (String id : timed) {
            ObjectNode o = model(byModel, id);
            long used = o.path("kv_blocks_used").asLong();
            long total = used + o.path("kv_blocks_free").asLong();
            o.put("kv_blocks_total", total);
            if (total > 0) o.put("kv_use", (double) used / total);
            else o.putNull("kv_use");
            o.set("ttft_ms", quantiles(registry.find("stellar_time_to_first_token").tag("model", id).timers()));
            o.set("itl_ms", quantiles(registry.find("stellar_inter_token_latency").tag("model", id).timers()));
            out.add(o);
        }
        return out;
    }

    private ObjectNode model(Map<String, ObjectNode> byModel, String id) {
        return byModel.computeIfAbsent(id == null ? "" : id, k -> {
            ObjectNode o = json.createObjectNode();
            o.put("model", k);
            o.put("waiting", 0);
            o.put("running", 0);
            return o;
        });
    }

    /** {@code {count, mean, p50, p99}} in milliseconds over the given timers (merged); nulls when none recorded. */
    private ObjectNode quantiles(Collection<Timer> timers) {
        ObjectNode o = json.createObjectNode();
        long count = 0;
        double totalMs = 0;
        TreeMap<Double, Double> buckets = new TreeMap<>(); // upper bound ms → events at or below (merged)
        for (Timer t : timers) {
            HistogramSnapshot s = t.takeSnapshot();
            count += s.count();
            totalMs += s.total(TimeUnit.MILLISECONDS);
            for (CountAtBucket b : s.histogramCounts()) {
                buckets.merge(b.bucket(TimeUnit.MILLISECONDS), b.count(), Double::sum);
            }
        }
        o.put("count", count);
        if (count == 0) {
            o.putNull("mean");
            o.putNull("p50");
            o.putNull("p99");
            return o;
        }
        o.put("mean", round(totalMs / count));
        o.put("p50", round(quantile(buckets, count, 0.50)));
        o.put("p99", round(quantile(buckets, count, 0.99)));
        return o;
    }

    /**
     * The q-quantile from cumulative bucket counts (Prometheus-style: each bucket counts every event at or below
     * its bound), interpolated linearly inside the bucket it falls in; events above the last bound read as it.
     */
    static double quantile(TreeMap<Double, Double> cumulative, long count, double q) {
        double rank = q * count;
        double lowerBound = 0;
        double lowerCount = 0;
        List<Map.Entry<Double, Double>> entries = new ArrayList<>(cumulative.entrySet());
        for (Map.Entry<Double, Double> e : entries) {
            if (e.getValue() >= rank) {
                double inBucket = e.getValue() - lowerCount;
                double frac = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
                return lowerBound + (e.getKey() - lowerBound) * frac;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return lowerBound;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
