package io.stellarchat.bench.gateway;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./stellar bench gateway [--seconds S] [--rate R] [--concurrency C] [--requests N]}: what StellarChat
 * costs in front of a model server. An instant mock upstream ({@link MockUpstream}) runs in this JVM; a
 * {@code stellar serve} process is started with it as its only provider (model {@code bench}); every phase runs
 * against the mock directly and through StellarChat, side by side in one run, with the same client (the JDK's
 * HTTP/1.1 client with keep-alive):
 * <ol>
 *   <li>one connection, N requests one after another: latency p50/p99;</li>
 *   <li>an open loop at R requests/s for S seconds: latency p50/p99, measured from each request's scheduled
 *       start (so a stall is not hidden by the requests it delayed);</li>
 *   <li>C concurrent clients for S seconds: maximum throughput, and the server process's CPU time per request;</li>
 *   <li>N streamed requests one after another: time to the first SSE chunk, p50/p99.</li>
 * </ol>
 * The table gives both columns and their difference (the gateway's added latency). On a 2-core machine the
 * client, the mock and the server share the cores, so absolute numbers are pessimistic; the difference is what
 * the gateway adds under that sharing.
 */
public final class GatewayBench {
    private static final String BODY = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":8%s}";

    private GatewayBench() {}

    record Args(int seconds, int rate, int concurrency, int requests) {
        static Args parse(String[] a) {
            int seconds = 8, rate = 1000, concurrency = 64, requests = 2000;
            for (int i = 0; i < a.length; i++) {
                String v = i + 1 < a.length ? a[i + 1] : null;
                switch (a[i]) {
                    case "--seconds" -> seconds = Integer.parseInt(v);
                    case "--rate" -> rate = Integer.parseInt(v);
                    case "--concurrency" -> concurrency = Integer.parseInt(v);
                    case "--requests" -> requests = Integer.parseInt(v);
                    case "--help", "-h" -> {
                        System.out.println("usage: stellar bench gateway [--seconds 8] [--rate 1000] [--concurrency 64] [--requests 2000]");
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a[i] + " (try --help)");
                }
                i++;
            }
            return new Args(seconds, rate, concurrency, requests);
        }
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        PrintStream out = System.out;
        Path home = Path.of(System.getProperty("stellar.home", "."));
        String cp = ServerProcess.builtClassPath(home);
        Path scratch = Files.createTempDirectory("stellar-bench-gateway");
        try (MockUpstream mock = new MockUpstream()) {
            Path config = scratch.resolve("stellar.yaml");
            Files.writeString(config, """
                    providers:
                      - id: mock
                        type: openai
                        base_url: %s
                        max_concurrency: 100000
                        health_check: {interval: 0s}
                    models:
                      list:
                        - id: bench
                          upstreams:
                            - {provider: mock, model: mock, weight: 1}
                    """.formatted(mock.baseUrl()));
            try (ServerProcess server = ServerProcess.start(cp, List.of("--config", config.toString()),
                    List.of("logging.level=warn"), scratch, Duration.ofSeconds(60), out);
                 HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                         .executor(Executors.newVirtualThreadPerTaskExecutor()).build()) {
                Target direct = new Target("mock directly", mock.baseUrl().resolve("/v1/chat/completions"), "mock");
                Target via = new Target("via StellarChat", server.url().resolve("/v1/chat/completions"), "bench");
                out.println("warming up ...");
                for (Target t : List.of(direct, via)) {
                    closedLoop(client, t, 8, Duration.ofSeconds(Math.max(3, args.seconds() / 2)));
                    sequential(client, t, 500, true);
                }
                List<String[]> rows = new ArrayList<>();
                out.printf("phase 1: one connection, %d requests%n", args.requests());
                long[] d1 = sequential(client, direct, args.requests(), false);
                long[] v1 = sequential(client, via, args.requests(), false);
                rows.add(row("1 connection, p50 latency", p(d1, 50), p(v1, 50)));
                rows.add(row("1 connection, p99 latency", p(d1, 99), p(v1, 99)));
                out.printf("phase 2: open loop at %d req/s for %d s%n", args.rate(), args.seconds());
                long[] d2 = openLoop(client, direct, args.rate(), Duration.ofSeconds(args.seconds()));
                long[] v2 = openLoop(client, via, args.rate(), Duration.ofSeconds(args.seconds()));
                rows.add(row(args.rate() + " req/s, p50 latency", p(d2, 50), p(v2, 50)));
                rows.add(row(args.rate() + " req/s, p99 latency", p(d2, 99), p(v2, 99)));
                out.printf("phase 3: %d concurrent clients for %d s%n", args.concurrency(), args.seconds());
                Throughput d3 = closedLoop(client, direct, args.concurrency(), Duration.ofSeconds(args.seconds()));
                Duration cpu0 = server.cpuTime();
                Throughput v3 = closedLoop(client, via, args.concurrency(), Duration.ofSeconds(args.seconds()));
                Duration cpu = server.cpuTime().minus(cpu0);
                out.printf("phase 4: %d streamed requests, one after another%n", args.requests());
                long[] d4 = sequential(client, direct, args.requests(), true);
                long[] v4 = sequential(client, via, args.requests(), true);
                rows.add(row("stream, p50 time to first chunk", p(d4, 50), p(v4, 50)));
                rows.add(row("stream, p99 time to first chunk", p(d4, 99), p(v4, 99)));

                out.println();
                out.printf("%-34s %14s %16s %12s%n", "", "mock directly", "via StellarChat", "added");
                for (String[] r : rows) out.printf("%-34s %14s %16s %12s%n", (Object[]) r);
                out.printf("%-34s %14.0f %16.0f %12s%n", "max throughput (req/s)", d3.perSecond(), v3.perSecond(),
                        String.format(Locale.ROOT, "%.2fx", v3.perSecond() / d3.perSecond()));
                out.printf("%-34s %14s %16.3f %12s%n", "server CPU per request (ms)", "-",
                        cpu.toNanos() / 1e6 / Math.max(1, v3.requests()), "");
                out.printf("errors: direct %d, via %d%n", d3.errors(), v3.errors());
            }
        } finally {
            try (var files = Files.walk(scratch)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    record Target(String name, URI url, String model) {
        HttpRequest request(boolean stream) {
            return HttpRequest.newBuilder(url).header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(BODY.formatted(model, stream ? ",\"stream\":true" : "")))
                    .build();
        }
    }

    record Throughput(long requests, long errors, double perSecond) {}

    private static String[] row(String name, long directNanos, long viaNanos) {
        return new String[] {name, ms(directNanos), ms(viaNanos), ms(viaNanos - directNanos)};
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    private static long p(long[] sorted, int percentile) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** {@code n} requests one after another; returns sorted latencies (to the first chunk when streaming). */
    private static long[] sequential(HttpClient client, Target t, int n, boolean stream) throws Exception {
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            if (stream) {
                HttpResponse<InputStream> r = client.send(t.request(true), HttpResponse.BodyHandlers.ofInputStream());
                check(r.statusCode(), t);
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null && !line.startsWith("data: ")) {
                        // headers of the stream are out; wait for the first event
                    }
                    lat[i] = System.nanoTime() - start;
                    while (in.readLine() != null) {
                        // drain, so the connection is reused
                    }
                }
            } else {
                HttpResponse<byte[]> r = client.send(t.request(false), HttpResponse.BodyHandlers.ofByteArray());
                lat[i] = System.nanoTime() - start;
                check(r.statusCode(), t);
            }
        }
        Arrays.sort(lat);
        return lat;
    }

    private static void check(int status, Target t) throws IOException {
        if (status != 200) throw new IOException(t.name() + " answered " + status);
    }

    /** Requests started on a fixed schedule whatever the answers do; latency from each one's scheduled start. */
    private static long[] openLoop(HttpClient client, Target t, int rate, Duration length) throws Exception {
        int total = (int) (rate * length.toSeconds());
        long[] lat = new long[total];
        long interval = 1_000_000_000L / rate;
        long t0 = System.nanoTime() + 10_000_000;
        List<CompletableFuture<?>> pending = new ArrayList<>(total);
        AtomicLong errors = new AtomicLong();
        for (int i = 0; i < total; i++) {
            long due = t0 + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            int k = i;
            pending.add(client.sendAsync(t.request(false), HttpResponse.BodyHandlers.ofByteArray())
                    .handle((r, e) -> {
                        lat[k] = System.nanoTime() - due;
                        if (e != null || r.statusCode() != 200) errors.incrementAndGet();
                        return null;
                    }));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        if (errors.get() > 0) System.out.printf("  %s: %d errors%n", t.name(), errors.get());
        Arrays.sort(lat);
        return lat;
    }

    /** {@code clients} loops sending one request after another for {@code length}. */
    private static Throughput closedLoop(HttpClient client, Target t, int clients, Duration length) throws Exception {
        long end = System.nanoTime() + length.toNanos();
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            HttpResponse<byte[]> r = client.send(t.request(false), HttpResponse.BodyHandlers.ofByteArray());
                            if (r.statusCode() == 200) done.incrementAndGet();
                            else errors.incrementAndGet();
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        } catch (InterruptedException e) {
                            return null;
                        }
                    }
                    return null;
                });
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Throughput(done.get(), errors.get(), done.get() / seconds);
    }
}
