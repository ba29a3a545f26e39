package io.stellarchat.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.stellarchat.server.config.CacheConfig;
import io.stellarchat.server.config.LimitsConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.RedisConfig;
import io.stellarchat.server.config.TelemetryConfig;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.LiveService;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard and the alert rules in {@code deploy/} against a real Prometheus (Debian's
 * {@code prometheus}, started here on loopback with a generated configuration) scraping a real StellarChat after
 * traffic that touches every feature the dashboard shows: local and remote models, a response-cache hit, a
 * rate-limit rejection, an upstream whose circuit opens. Every PromQL expression must parse, and every metric it
 * names must have a series.
 */
class PrometheusRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-test-prometheus-0123456789";
    private static final Pattern METRIC = Pattern.compile("\\b((?:stellar|gen_ai)_[a-z0-9_]+)\\b");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static FakeUpstream upstream;
    private static LiveService stellar;
    private static Process prometheus;
    private static String promUrl;
    private static Path root;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        root = projectRoot();
        Path binary = Path.of("/usr/bin/prometheus");
        if (!Files.isExecutable(binary)) fail("Debian's prometheus package is needed (.ci/run installs it): " + binary);
        upstream = FakeUpstream.start();
        ProviderConfig fake = ProviderConfig.of("fake", ProviderConfig.ProviderType.OPENAI, upstream.baseUrl())
                .withHealthInterval(Duration.ZERO);
        ProviderConfig broken = ProviderConfig.of("broken", ProviderConfig.ProviderType.OPENAI, URI.create("http://127.0.0.1:1/v1"))
                .withHealthInterval(Duration.ZERO)
                .withBreaker(new ProviderConfig.BreakerSettings(50, 2, 2, Duration.ofMinutes(5), 1));
        List<ModelEntry> models = List.of(LiveService.stories("stories", 0),
                ModelEntry.remote("remote", List.of(new ModelEntry.Upstream("fake", FakeUpstream.MODEL, 1)))
                        .withRetries(new ModelEntry.RetrySettings(1, Duration.ofMillis(5), Duration.ofMillis(5))),
                ModelEntry.remote("down", List.of(new ModelEntry.Upstream("broken", "x", 1)))
                        .withRetries(new ModelEntry.RetrySettings(0, Duration.ofMillis(5), Duration.ofMillis(5)))
                        .withFallbacks(List.of("stories")));
        stellar = new LiveService(Files.createDirectories(dir.resolve("stellar")), models, List.of(KEY),
                List.of(fake, broken), c -> c.withShared(RedisConfig.none(),
                        new LimitsConfig(LimitsConfig.Fallback.LOCAL, 12, 0, 0, 0, 0), new CacheConfig(true, true,
                                Duration.ofMinutes(5), 1 << 20, 1 << 20))
                        .withObserve(new TelemetryConfig(List.of(TelemetryConfig.Sink.FILE), null, 1 << 20, Duration.ofDays(1),
                                "", "stellar-events", new io.stellarchat.server.config.Secret(""), "", 100, 1, 10,
                                Duration.ofMillis(50), false, Duration.ofDays(1)), c.tracing()));
        traffic();

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path rules = Files.copy(root.resolve("deploy/prometheus/stellarchat-alerts.yml"), dir.resolve("alerts.yml"));
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: ["%s"]
                scrape_configs:
                  - job_name: stellarchat
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(rules, stellar.port));
        promUrl = "http://127.0.0.1:" + port;
        prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        awaitScrapes(dir.resolve("prometheus.log"));
    }

    /** Requests that bring every series of the dashboard into being. */
    private static void traffic() throws Exception {
        Map<String, Object> det = Map.of("model", "stories", "max_tokens", 6, "temperature", 0,
                "messages", List.of(Map.of("role", "user", "content", "Once upon a time")));
        assertEquals(200, stellar.post("/v1/chat/completions", KEY, det).statusCode());
        HttpResponse<String> hit = stellar.post("/v1/chat/completions", KEY, det);
        assertEquals("hit", hit.headers().firstValue("X-Stellar-Cache").orElse(""), "the repeat is a cache hit");
        HttpResponse<String> streamed = stellar.post("/v1/chat/completions", KEY, Map.of("model", "stories", "max_tokens", 8,
                "stream", true, "messages", List.of(Map.of("role", "user", "content", "Hi"))));
        assertEquals(200, streamed.statusCode());
        upstream.enqueue(FakeUpstream.Reply.openAiError(503, "busy", "server_error", null, null));
        assertEquals(200, stellar.post("/v1/chat/completions", KEY, Map.of("model", "remote", "max_tokens", 8,
                "messages", List.of(Map.of("role", "user", "content", "Hi")))).statusCode(), "answered at the retry");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = stellar.post("/v1/chat/completions", KEY, Map.of("model", "down", "max_tokens", 4,
                    "messages", List.of(Map.of("role", "user", "content", "Hi"))));
            assertEquals(200, r.statusCode(), "the fallback answers for the broken upstream: " + r.body());
        }
        JsonNode providers = LiveService.json(stellar.get("/v1/admin/providers", KEY));
        assertTrue(providers.toString().contains("\"open\""), "the broken provider's circuit opened: " + providers);
        int limited = 0;
        for (int i = 0; i < 12 && limited == 0; i++) {
            if (stellar.post("/v1/chat/completions", KEY, det).statusCode() == 429) limited++;
        }
        assertEquals(1, limited, "12 requests a minute, then 429");
    }

    private static void awaitScrapes(Path log) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) fail("prometheus exited: " + Files.readString(log));
            try {
                JsonNode up = query("count(stellar_http_requests_total)");
                JsonNode rules = api("/api/v1/rules");
                boolean evaluated = true;
                for (JsonNode g : rules.at("/data/groups")) {
                    for (JsonNode r : g.get("rules")) evaluated &= !r.path("lastEvaluation").asText("").startsWith("0001");
                }
                if (up.at("/data/result").size() > 0 && rules.at("/data/groups").size() > 0 && evaluated) {
                    Thread.sleep(2500); // two more scrapes: every rate() has two samples
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        fail("prometheus did not scrape StellarChat within 60 s: " + Files.readString(log));
    }

    static Path projectRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("deploy/ not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) prometheus.destroyForcibly();
        }
        if (stellar != null) stellar.close();
        if (upstream != null) upstream.close();
    }

    @Test
    void everyDashboardExpressionParsesAndNamesOnlyExistingSeries() throws Exception {
        JsonNode dashboard = JSON.readTree(root.resolve("deploy/grafana/stellarchat.json").toFile());
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode t : panel.path("targets")) exprs.add(t.get("expr").asText());
        }
        assertTrue(exprs.size() >= 20, "the dashboard has its panels: " + exprs.size());
        checkAll(exprs);
    }

    @Test
    void everyAlertRuleLoadsEvaluatesAndNamesOnlyExistingSeries() throws Exception {
        JsonNode file = new YAMLMapper().readTree(root.resolve("deploy/prometheus/stellarchat-alerts.yml").toFile());
        List<String> exprs = new ArrayList<>();
        for (JsonNode g : file.get("groups")) for (JsonNode r : g.get("rules")) exprs.add(r.get("expr").asText());
        checkAll(exprs);
        JsonNode rules = api("/api/v1/rules");
        int loaded = 0;
        for (JsonNode g : rules.at("/data/groups")) {
            for (JsonNode r : g.get("rules")) {
                loaded++;
                assertEquals("ok", r.get("health").asText(), r.get("name") + ": " + r.path("lastError").asText());
            }
        }
        assertEquals(exprs.size(), loaded, "Prometheus loaded every rule");
        JsonNode firing = api("/api/v1/alerts");
        assertTrue(firing.toString().contains("StellarChatCircuitOpen"),
                "the open circuit is pending or firing: " + firing);
    }

    private static void checkAll(List<String> exprs) throws Exception {
        Set<String> names = new TreeSet<>();
        for (String expr : exprs) {
            String promql = expr.replace("$__rate_interval", "1m").replace("$__interval", "15s").replace("$__range", "1h");
            JsonNode r = query(promql);
            assertEquals("success", r.path("status").asText(), "does not evaluate: " + promql + " → " + r);
            Matcher m = METRIC.matcher(promql);
            while (m.find()) names.add(m.group(1));
        }
        JsonNode labels = api("/api/v1/labels");
        labels.get("data").forEach(l -> names.remove(l.asText())); // label names, not metrics
        Set<String> missing = new LinkedHashSet<>();
        for (String name : names) {
            JsonNode r = query("count({__name__=\"" + name + "\"})");
            if (r.at("/data/result").isEmpty()) missing.add(name);
        }
        assertEquals(Set.of(), missing, "series named by the expressions that do not exist after traffic");
    }

    private static JsonNode query(String promql) throws IOException, InterruptedException {
        return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    private static JsonNode api(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(promUrl + path)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }
}
