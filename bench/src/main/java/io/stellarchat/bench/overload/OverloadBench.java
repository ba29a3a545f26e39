package io.stellarchat.bench.overload;

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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./stellar bench overload [--model FILE] [--running 4] [--queue 4] [--max-wait 2s] [--seconds 20]
 * [--factors 4,16] [--max-tokens 128]}: a {@code stellar serve} child process whose engine has a small, known
 * capacity (running slots + queue depth), driven by factor × capacity concurrent streaming clients, each sending
 * one streamed completion after another (again at once after a refusal) for the given seconds per factor, after
 * a baseline of one client alone for as long.
 *
 * <p>For each factor it reports what every request ended with — a whole answer ({@code [DONE]}), 429 or 503
 * (each checked for {@code Retry-After} and an error body), or anything else (a bad end: a cut stream, another
 * status, a missing {@code Retry-After}, a client timeout) — how many ended past their deadline
 * ({@code max_wait} + 30 s), the time to first token of admitted requests (p50/p99), the server's heap (peak of
 * used over the run, against its maximum) and live platform threads (before → peak), sampled from
 * {@code /metrics} every 250 ms, and the engine's state a moment after the clients stopped
 * ({@code /v1/admin/stats}: running, waiting, KV blocks in use; prefix caching is off so an idle engine holds
 * none). The server log is checked for {@code OutOfMemoryError}.
 */
public final class OverloadBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = """
            {"model":"bench","prompt":"Once upon a time","stream":true,"max_tokens":%d,"temperature":0,"logit_bias":{"2":-100}}""";

    private OverloadBench() {}

    record Args(Path model, int running, int queue, Duration maxWait, int seconds, int[] factors, int maxTokens) {
        static Args parse(String[] a, Path home) {
            Path model = home.resolve("../shared/models/stories260K.gguf").normalize();
            int running = 4, queue = 4, seconds = 20, maxTokens = 128;
            Duration maxWait = Duration.ofSeconds(2);
            int[] factors = {4, 16};
            for (int i = 0; i < a.length; i++) {
                String v = i + 1 < a.length ? a[i + 1] : null;
                switch (a[i]) {
                    case "--model" -> model = Path.of(v);
                    case "--running" -> running = Integer.parseInt(v);
                    case "--queue" -> queue = Integer.parseInt(v);
                    case "--max-wait" -> maxWait = Duration.parse("PT" + v.toUpperCase(Locale.ROOT));
                    case "--seconds" -> seconds = Integer.parseInt(v);
                    case "--factors" -> factors = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--max-tokens" -> maxTokens = Integer.parseInt(v);
                    case "--help", "-h" -> {
                        System.out.println("usage: stellar bench overload [--model FILE] [--running 4] [--queue 4] "
                                + "[--max-wait 2s] [--seconds 20] [--factors 4,16] [--max-tokens 128]");
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a[i] + " (try --help)");
                }
                i++;
            }
            return new Args(model, running, queue, maxWait, seconds, factors, maxTokens);
        }
    }

    /** How one request ended. */
    enum End { WHOLE, REFUSED_429, REFUSED_503, BAD }

    record Result(End end, long nanos, long ttftNanos, boolean late, String detail) {}

    public static void main(String[] argv) throws Exception {
        Path home = Path.of(System.getProperty("stellar.home", "."));
        Args args = Args.parse(argv, home);
        PrintStream out = System.out;
        String cp = ServerProcess.builtClassPath(home);
        Path scratch = Files.createTempDirectory("stellar-bench-overload");
        int capacity = args.running() + args.queue();
        List<String> sets = List.of("logging.level=warn", "engine.max_running=" + args.running(),
                "engine.queue_depth=" + args.queue(), "engine.max_wait=" + args.maxWait().toMillis() + "ms",
                "engine.prefix_caching=false");
        try (ServerProcess server = ServerProcess.start(cp, List.of("--model", args.model().toAbsolutePath().toString()),
                sets, scratch, Duration.ofSeconds(120), out);
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build()) {
            String modelName = modelName(client, server.url());
            Duration deadline = args.maxWait().plusSeconds(30);
            out.printf("model %s, engine capacity %d (max_running %d + queue_depth %d), max_wait %d ms, deadline %d s, "
                            + "%d tokens per answer, %d s per factor, %d cores%n", args.model().getFileName(), capacity,
                    args.running(), args.queue(), args.maxWait().toMillis(), deadline.toSeconds(), args.maxTokens(),
                    args.seconds(), Runtime.getRuntime().availableProcessors());
            for (int i = 0; i < 3; i++) request(client, server.url(), modelName, 8, deadline); // warm-up
            List<String> rows = new ArrayList<>();
            int[] factors = new int[args.factors().length + 1]; // 0: the baseline, one client alone
            System.arraycopy(args.factors(), 0, factors, 1, args.factors().length);
            for (int factor : factors) {
                int clients = Math.max(1, factor * capacity);
                out.printf("%s: %d concurrent streaming clients for %d s ...%n", factor == 0 ? "baseline" : factor + "x capacity",
                        clients, args.seconds());
                Sampler sampler = new Sampler(client, server.url());
                int threadsBefore = (int) sampler.metric("jvm_threads_live_threads");
                Thread sampling = Thread.ofVirtual().name("overload-sampler").start(sampler);
                ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
                long end = System.nanoTime() + Duration.ofSeconds(args.seconds()).toNanos();
                try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int c = 0; c < clients; c++) {
                        pool.submit(() -> {
                            while (System.nanoTime() < end) {
                                results.add(request(client, server.url(), modelName, args.maxTokens(), deadline));
                            }
                        });
                    }
                }
                Thread.sleep(1000);
                sampler.stop.set(true);
                sampling.join(5000);
                JsonNode stats = get(client, server.url().resolve("/v1/admin/stats"));
                JsonNode m = stats.path("models").path(0);
                rows.add(row(factor, clients, List.copyOf(results), sampler, threadsBefore,
                        m.path("running").asInt() + "/" + m.path("waiting").asInt() + "/" + m.path("kv_blocks_used").asInt()));
                for (Result r : results) {
                    if (r.end() == End.BAD) {
                        out.println("  bad end: " + r.detail());
                        break;
                    }
                }
            }
            out.println();
            out.printf("%-7s %7s %8s %7s %7s %7s %5s %5s %10s %10s %12s %14s %10s%n", "factor", "clients", "requests",
                    "whole", "429", "503", "bad", "late", "TTFT p50", "TTFT p99", "heap peak", "threads", "run/wait/kv");
            rows.forEach(out::println);
            boolean oom = Files.readString(scratch.resolve("server.log")).contains("OutOfMemoryError");
            out.printf("OutOfMemoryError in the server log: %s%n", oom ? "YES" : "no");
        } finally {
            try (var files = Files.walk(scratch)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String row(int factor, int clients, List<Result> results, Sampler s, int threadsBefore, String engine) {
        long whole = results.stream().filter(r -> r.end() == End.WHOLE).count();
        long r429 = results.stream().filter(r -> r.end() == End.REFUSED_429).count();
        long r503 = results.stream().filter(r -> r.end() == End.REFUSED_503).count();
        long bad = results.stream().filter(r -> r.end() == End.BAD).count();
        long late = results.stream().filter(Result::late).count();
        long[] ttft = results.stream().filter(r -> r.end() == End.WHOLE).mapToLong(Result::ttftNanos).sorted().toArray();
        return String.format(Locale.ROOT, "%-7s %7d %8d %7d %7d %7d %5d %5d %10s %10s %12s %14s %10s",
                factor == 0 ? "alone" : factor + "x", clients,
                results.size(), whole, r429, r503, bad, late, ms(p(ttft, 50)), ms(p(ttft, 99)),
                String.format(Locale.ROOT, "%.0f/%.0f MiB", s.heapPeak / 1048576.0, s.heapMax / 1048576.0),
                threadsBefore + " -> " + (int) s.threadsPeak, engine);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    private static long p(long[] sorted, int percentile) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String modelName(HttpClient client, URI base) throws IOException, InterruptedException {
        return get(client, base.resolve("/v1/models")).path("data").path(0).path("id").asText();
    }

    private static JsonNode get(HttpClient client, URI uri) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** One streamed completion, classified. */
    static Result request(HttpClient client, URI base, String model, int maxTokens, Duration deadline) {
        long t0 = System.nanoTime();
        try {
            HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/completions"))
                    .header("Content-Type", "application/json").timeout(deadline)
                    .POST(HttpRequest.BodyPublishers.ofString(BODY.replace("\"bench\"", JSON.writeValueAsString(model))
                            .formatted(maxTokens))).build();
            HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() == 429 || r.statusCode() == 503) {
                    JsonNode error = JSON.readTree(in).get("error");
                    long n = System.nanoTime() - t0;
                    boolean retryAfter = r.headers().firstValue("Retry-After").isPresent();
                    if (!retryAfter || error == null) {
                        return new Result(End.BAD, n, 0, n > deadline.toNanos(), r.statusCode() + " without Retry-After or error body");
                    }
                    return new Result(r.statusCode() == 429 ? End.REFUSED_429 : End.REFUSED_503, n, 0,
                            n > deadline.toNanos(), error.path("code").asText());
                }
                if (r.statusCode() != 200) {
                    return new Result(End.BAD, System.nanoTime() - t0, 0, false, "status " + r.statusCode());
                }
                long ttft = 0;
                String last = null;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.startsWith("data: ")) continue;
                    if (ttft == 0) ttft = System.nanoTime() - t0;
                    last = line;
                }
                long n = System.nanoTime() - t0;
                boolean whole = "data: [DONE]".equals(last);
                return new Result(whole ? End.WHOLE : End.BAD, n, ttft, n > deadline.toNanos(), whole ? "" : "cut: " + last);
            }
        } catch (IOException e) {
            long n = System.nanoTime() - t0;
            return new Result(End.BAD, n, 0, n > deadline.toNanos(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(End.BAD, System.nanoTime() - t0, 0, false, "interrupted");
        }
    }

    /** Samples the server's heap and live threads from {@code /metrics} until stopped. */
    static final class Sampler implements Runnable {
        private final HttpClient client;
        private final URI metrics;
        final AtomicBoolean stop = new AtomicBoolean();
        volatile double heapPeak;
        volatile double heapMax;
        volatile double threadsPeak;

        Sampler(HttpClient client, URI base) {
            this.client = client;
            this.metrics = base.resolve("/metrics");
        }

        double metric(String series) throws IOException, InterruptedException {
            return sum(scrape(), series);
        }

        private String scrape() throws IOException, InterruptedException {
            return client.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }

        @Override
        public void run() {
            while (!stop.get()) {
                try {
                    String m = scrape();
                    heapPeak = Math.max(heapPeak, sum(m, "jvm_memory_used_bytes\\{area=\"heap\"[^}]*}"));
                    heapMax = sum(m, "jvm_memory_max_bytes\\{area=\"heap\"[^}]*}");
                    threadsPeak = Math.max(threadsPeak, sum(m, "jvm_threads_live_threads"));
                    Thread.sleep(250);
                } catch (IOException e) {
                    // a missed sample; the next one counts
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        static double sum(String metrics, String series) {
            Matcher m = Pattern.compile("(?m)^" + series + "(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(metrics);
            double total = 0;
            while (m.find()) total += Double.parseDouble(m.group(1));
            return total;
        }
    }
}
