package io.stellarchat.bench.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.bench.serve.ServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./stellar bench chaos [--requests 10000] [--clients 32] [--streamed 2000]}: the gateway in front of an
 * upstream that fails half of its calls ({@link ChaosUpstream}: 500s, closed connections, streams cut off
 * half-way, stalls past the first-token timeout, latency spikes), with a healthy upstream ({@link MockUpstream})
 * as the model's fallback. A {@code stellar serve} child process routes model {@code chat} to the chaotic
 * primary (2 retries, breaker: 50% of 20 calls, open 2 s) and falls back to model {@code backup} on the healthy
 * one. Phases, each with {@code --clients} concurrent clients sending one request after another:
 * <ol>
 *   <li>baseline: {@code --requests} non-streamed requests to {@code backup} (healthy, through the gateway);</li>
 *   <li>chaos: {@code --requests} non-streamed requests to {@code chat};</li>
 *   <li>chaos, streamed: {@code --streamed} streamed requests to {@code chat}, which continues a stream cut
 *       after words reached the client ({@code retries.resume_streams});</li>
 *   <li>the same to {@code chat-unresumed}, the same model without {@code resume_streams}: a stream cut after
 *       its first event reached the client ends in an error event and counts as a failure.</li>
 * </ol>
 * Reported: success rate (200 with the whole answer), latency p50/p99 against the baseline (the added latency),
 * and from the server's {@code /metrics} over the chaos phases: retries by reason, breaker openings, fallbacks;
 * and what the primary drew.
 */
public final class ChaosBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":8%s}";

    private ChaosBench() {}

    record Args(int requests, int clients, int streamed) {
        static Args parse(String[] a) {
            int requests = 10_000, clients = 32, streamed = 2000;
            for (int i = 0; i < a.length; i++) {
                String v = i + 1 < a.length ? a[i + 1] : null;
                switch (a[i]) {
                    case "--requests" -> requests = Integer.parseInt(v);
                    case "--clients" -> clients = Integer.parseInt(v);
                    case "--streamed" -> streamed = Integer.parseInt(v);
                    case "--help", "-h" -> {
                        System.out.println("usage: stellar bench chaos [--requests 10000] [--clients 32] [--streamed 2000]");
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a[i] + " (try --help)");
                }
                i++;
            }
            return new Args(requests, clients, streamed);
        }
    }

    record Outcome(boolean ok, long nanos, String detail) {}

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        PrintStream out = System.out;
        Path home = Path.of(System.getProperty("stellar.home", "."));
        String cp = ServerProcess.builtClassPath(home);
        Path scratch = Files.createTempDirectory("stellar-bench-chaos");
        try (ChaosUpstream chaos = new ChaosUpstream(2000, 200); MockUpstream healthy = new MockUpstream()) {
            Path config = scratch.resolve("stellar.yaml");
            Files.writeString(config, """
                    providers:
                      - id: primary
                        type: openai
                        base_url: %s
                        max_concurrency: 100000
                        health_check: {interval: 0s}
                        timeouts: {connect: 1s, first_token: 1s, idle: 1s, total: 30s}
                        circuit_breaker: {failure_rate: 50, minimum_calls: 10, window: 20, open_for: 2s, half_open_calls: 2}
                      - id: healthy
                        type: openai
                        base_url: %s
                        max_concurrency: 100000
                        health_check: {interval: 0s}
                    models:
                      list:
                        - id: chat
                          upstreams:
                            - {provider: primary, model: mock, weight: 1}
                          retries: {max: 2, backoff: 20ms, max_backoff: 500ms, resume_streams: true}
                          fallbacks: [backup]
                        - id: chat-unresumed
                          upstreams:
                            - {provider: primary, model: mock, weight: 1}
                          retries: {max: 2, backoff: 20ms, max_backoff: 500ms}
                          fallbacks: [backup]
                        - id: backup
                          upstreams:
                            - {provider: healthy, model: mock, weight: 1}
                    """.formatted(chaos.baseUrl(), healthy.baseUrl()));
            try (ServerProcess server = ServerProcess.start(cp, List.of("--config", config.toString()),
                    List.of("logging.level=error"), scratch, Duration.ofSeconds(60), out);
                 HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                         .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build()) {
                URI url = server.url().resolve("/v1/chat/completions");
                out.println("warming up ...");
                run(client, url, "backup", false, 500, args.clients());
                out.printf("phase 1: %d requests to the healthy model through the gateway, %d clients%n", args.requests(), args.clients());
                List<Outcome> base = run(client, url, "backup", false, args.requests(), args.clients());
                String before = scrape(client, server.url());
                out.printf("phase 2: %d requests to the model whose upstream fails half its calls%n", args.requests());
                List<Outcome> hit = run(client, url, "chat", false, args.requests(), args.clients());
                String middle = scrape(client, server.url());
                out.printf("phase 3: %d streamed requests to the same model%n", args.streamed());
                List<Outcome> streamed = run(client, url, "chat", true, args.streamed(), args.clients());
                String after = scrape(client, server.url());
                out.printf("phase 4: %d streamed requests to a model on the same upstream that does not resume streams%n",
                        args.streamed());
                List<Outcome> unresumed = run(client, url, "chat-unresumed", true, args.streamed(), args.clients());
                String last = scrape(client, server.url());

                out.println();
                out.printf("%-34s %12s %12s %12s %12s%n", "", "requests", "succeeded", "p50", "p99");
                line(out, "healthy upstream (baseline)", base);
                line(out, "chaos, non-streamed", hit);
                line(out, "chaos, streamed (resume_streams)", streamed);
                line(out, "chaos, streamed (not resumed)", unresumed);
                long[] b = latencies(base);
                long[] h = latencies(hit);
                out.printf("added latency, non-streamed: p50 %+.1f ms, p99 %+.1f ms%n", (p(h, 50) - p(b, 50)) / 1e6,
                        (p(h, 99) - p(b, 99)) / 1e6);
                out.printf("non-streamed phase: retries %s, breaker openings %.0f, fallbacks %.0f%n",
                        retries(before, middle), delta(before, middle, "stellar_upstream_circuit_openings_total\\{[^}]*}"),
                        delta(before, middle, "stellar_upstream_fallbacks_total\\{[^}]*}"));
                out.printf("streamed phase: retries %s, breaker openings %.0f, fallbacks %.0f%n",
                        retries(middle, after), delta(middle, after, "stellar_upstream_circuit_openings_total\\{[^}]*}"),
                        delta(middle, after, "stellar_upstream_fallbacks_total\\{[^}]*}"));
                out.printf("streamed phase, not resumed: retries %s, breaker openings %.0f, fallbacks %.0f%n",
                        retries(after, last), delta(after, last, "stellar_upstream_circuit_openings_total\\{[^}]*}"),
                        delta(after, last, "stellar_upstream_fallbacks_total\\{[^}]*}"));
                StringBuilder drawn = new StringBuilder();
                for (int i = 0; i < ChaosUpstream.KINDS.length; i++) {
                    drawn.append(ChaosUpstream.KINDS[i]).append(' ').append(chaos.drawn.get(i)).append(i + 1 < ChaosUpstream.KINDS.length ? ", " : "");
                }
                out.println("the primary drew: " + drawn);
                Map<String, Integer> failures = new TreeMap<>();
                for (Outcome o : hit) if (!o.ok()) failures.merge(o.detail(), 1, Integer::sum);
                for (Outcome o : streamed) if (!o.ok()) failures.merge("streamed: " + o.detail(), 1, Integer::sum);
                for (Outcome o : unresumed) if (!o.ok()) failures.merge("streamed, not resumed: " + o.detail(), 1, Integer::sum);
                failures.forEach((k, v) -> out.printf("  failed %d x %s%n", v, k));
            }
        } finally {
            try (var files = Files.walk(scratch)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void line(PrintStream out, String name, List<Outcome> results) {
        long ok = results.stream().filter(Outcome::ok).count();
        long[] lat = latencies(results);
        out.printf(Locale.ROOT, "%-34s %12d %11.2f%% %9.1f ms %9.1f ms%n", name, results.size(),
                100.0 * ok / Math.max(1, results.size()), p(lat, 50) / 1e6, p(lat, 99) / 1e6);
    }

    private static long[] latencies(List<Outcome> results) {
        long[] a = results.stream().mapToLong(Outcome::nanos).toArray();
        Arrays.sort(a);
        return a;
    }

    private static long p(long[] sorted, int percentile) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** {@code n} requests over {@code clients} concurrent clients. */
    private static List<Outcome> run(HttpClient client, URI url, String model, boolean stream, int n, int clients)
            throws InterruptedException {
        ConcurrentLinkedQueue<Outcome> results = new ConcurrentLinkedQueue<>();
        AtomicInteger left = new AtomicInteger(n);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                pool.submit(() -> {
                    while (left.getAndDecrement() > 0) results.add(one(client, url, model, stream));
                });
            }
        }
        return new ArrayList<>(results);
    }

    private static Outcome one(HttpClient client, URI url, String model, boolean stream) {
        long t0 = System.nanoTime();
        try {
            HttpRequest req = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(BODY.formatted(model, stream ? ",\"stream\":true" : "")))
                    .build();
            if (!stream) {
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                long n = System.nanoTime() - t0;
                if (r.statusCode() != 200) return new Outcome(false, n, "status " + r.statusCode() + " " + code(r.body()));
                String content = JSON.readTree(r.body()).at("/choices/0/message/content").asText();
                return new Outcome("Hello world".equals(content), n, "content '" + content + "'");
            }
            HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) {
                    return new Outcome(false, System.nanoTime() - t0, "status " + r.statusCode());
                }
                String last = null;
                boolean error = false;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.startsWith("data: ")) continue;
                    if (line.contains("\"error\"")) error = true;
                    last = line;
                }
                long n = System.nanoTime() - t0;
                if (error) return new Outcome(false, n, "error event (" + code(last.substring(6)) + ")");
                return new Outcome("data: [DONE]".equals(last), n, "no [DONE]");
            }
        } catch (IOException e) {
            return new Outcome(false, System.nanoTime() - t0, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, System.nanoTime() - t0, "interrupted");
        }
    }

    private static String code(String body) {
        try {
            return JSON.readTree(body).path("error").path("code").asText();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String scrape(HttpClient client, URI base) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double sum(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(metrics);
        double total = 0;
        while (m.find()) total += Double.parseDouble(m.group(1));
        return total;
    }

    private static double delta(String before, String after, String series) {
        return sum(after, series) - sum(before, series);
    }

    /** Retries between two scrapes, by reason. */
    private static String retries(String before, String after) {
        Map<String, Double> by = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^stellar_upstream_retries_total\\{[^}]*reason=\"([a-z_]+)\"[^}]*} ([0-9.eE+-]+)$").matcher(after);
        while (m.find()) by.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
        Matcher b = Pattern.compile("(?m)^stellar_upstream_retries_total\\{[^}]*reason=\"([a-z_]+)\"[^}]*} ([0-9.eE+-]+)$").matcher(before);
        while (b.find()) by.merge(b.group(1), -Double.parseDouble(b.group(2)), Double::sum);
        double total = by.values().stream().mapToDouble(Double::doubleValue).sum();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%.0f (", total));
        by.forEach((k, v) -> s.append(k).append(' ').append(String.format(Locale.ROOT, "%.0f", v)).append(", "));
        if (s.charAt(s.length() - 1) == ' ') s.setLength(s.length() - 2);
        return s.append(')').toString();
    }
}
