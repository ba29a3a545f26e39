package io.stellarchat.bench.soak;

import io.stellarchat.bench.serve.ServerProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./stellar bench soak [--minutes 60] [--warmup-minutes 5] [--sample-seconds 30] [--clients 3]
 * [--pause-ms 20] [--model FILE.gguf] [--server-set KEY=VALUE]... [--out DIR]}: an hour of steady mixed traffic
 * ({@link Traffic}) against a child {@code stellar serve} (stories260K by default), sampling the child every
 * 30 s and reporting the least-squares slope of each resource from minute 5 to the end, per hour. Exits 1 when a
 * slope is above its threshold (see {@link #SERIES}) or a request failed with something other than 429/503.
 *
 * <p>Each sample is taken idle: the clients stop starting requests, those under way end, and the engine reports
 * nothing running or waiting (bounded waits; a sample that could not wait says so in the {@code idle} column).
 * Then: {@code jcmd <pid> GC.run} (a full collection in the child; {@code System.gc()} is honoured by
 * the parallel collector the launcher uses), then {@code /metrics} for the heap in use right after it
 * ({@code jvm_memory_used_bytes{area="heap"}}), open file descriptors ({@code process_files_open_files}), live
 * JVM threads, KV blocks in use ({@code stellar_engine_kv_blocks{state="used"}}) and database pool connections
 * ({@code stellar_db_connections}); and, from {@code /proc/<pid>}, the OS's own count of threads and file
 * descriptors and the resident set. The child runs from a copy of the server jar and its libraries, so
 * rebuilding the project during a run does not disturb it. Samples go to {@code samples.csv} in the output
 * directory, the summary to {@code summary.txt} and standard output.
 *
 * <p>Threads: the main thread samples and reports; {@link Traffic}'s client threads send requests.
 */
public final class SoakBench {
    /** name → flag threshold (units per hour; {@code NaN}: reported, never flagged). */
    static final Map<String, Double> SERIES = new LinkedHashMap<>();

    static {
        SERIES.put("heap_after_gc_mib", 8.0);
        SERIES.put("open_fds", 6.0);
        SERIES.put("proc_fds", 6.0);
        SERIES.put("jvm_threads", 6.0);
        SERIES.put("proc_threads", 6.0);
        SERIES.put("kv_blocks_used", 4.0);
        SERIES.put("db_connections_total", 1.0);
        SERIES.put("db_connections_active", 1.0);
        SERIES.put("rss_mib", Double.NaN); // JIT code and metaspace settle slowly; reported only
        SERIES.put("cache_mib", Double.NaN); // the in-memory cache tier: bounded by design; reported only
    }

    private SoakBench() {}

    public static void main(String[] args) throws Exception {
        double minutes = 60;
        double warmupMinutes = 5;
        int sampleSeconds = 30;
        int clients = 3;
        long pauseMs = 20;
        Path home = Path.of(System.getProperty("stellar.home", "."));
        Path model = home.resolve("../shared/models/stories260K.gguf").normalize();
        // Prefix caching off: then stellar_engine_kv_blocks{state="used"} counts only the blocks of running
        // requests, so a leaked block raises its floor; with the cache on, "used" grows until the pool is full
        // by design and hides a leak (--server-set engine.prefix_caching=true soaks the cache instead).
        // The cache TTL shorter than the warm-up, for the same reason: the embeddings cache (on by default, each
        // request here embeds two new texts) would otherwise fill for the whole hour — bounded by
        // cache.memory_bytes, but a straight line in the heap's slope (+7.7 MiB/h with the default 1 h TTL).
        List<String> sets = new ArrayList<>(List.of("engine.threads=1", "engine.prefix_caching=false", "cache.ttl=4m"));
        Path out = null;
        Path reportOf = null;
        // Loaded now, not after an hour: a rebuild of the bench jar during the run must not take the report with it.
        Slope.of(List.of(0.0, 1.0), List.of(0.0, 1.0));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--minutes" -> minutes = Double.parseDouble(args[++i]);
                case "--warmup-minutes" -> warmupMinutes = Double.parseDouble(args[++i]);
                case "--sample-seconds" -> sampleSeconds = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--pause-ms" -> pauseMs = Long.parseLong(args[++i]);
                case "--model" -> model = Path.of(args[++i]);
                case "--server-set" -> sets.add(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--report" -> reportOf = Path.of(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: ./stellar bench soak [--minutes 60] [--warmup-minutes 5] "
                            + "[--sample-seconds 30] [--clients 3] [--pause-ms 20] [--model FILE.gguf] "
                            + "[--server-set KEY=VALUE]... [--out DIR] | --report DIR/samples.csv [--warmup-minutes 5]");
                    return;
                }
                default -> {
                    System.err.println("bench soak: unknown option " + a + " (--help lists them)");
                    System.exit(2);
                }
            }
        }
        if (reportOf != null) {
            System.exit(reportFromCsv(reportOf, warmupMinutes, System.out));
        }
        if (out == null) {
            out = home.resolve("bench/target/soak-" + Instant.now().toString().replace(':', '-'));
        }
        System.exit(run(minutes, warmupMinutes, sampleSeconds, clients, pauseMs, model, sets, home, out, System.out));
    }

    static int run(double minutes, double warmupMinutes, int sampleSeconds, int clients, long pauseMs, Path model,
                   List<String> sets, Path home, Path out, PrintStream log) throws Exception {
        Files.createDirectories(out);
        String classPath = copyServer(home, out.resolve("server-copy"));
        String modelName = model.getFileName().toString().replaceFirst("\\.gguf$", "");
        long started = System.nanoTime();
        List<Map<String, Double>> samples = new ArrayList<>();
        Traffic traffic;
        try (ServerProcess server = ServerProcess.start(classPath, List.of("--model", model.toAbsolutePath().toString()),
                sets, out, Duration.ofMinutes(2), log);
             HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
             PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("samples.csv")))) {
            traffic = new Traffic(server.url(), modelName, clients, pauseMs);
            traffic.start(42);
            csv.println("minute," + String.join(",", SERIES.keySet()) + ",requests_ok,requests_failed,idle");
            long end = started + (long) (minutes * 60e9);
            long next = System.nanoTime();
            try {
                while (System.nanoTime() < end) {
                    if (!server.isAlive()) throw new IOException("the server died; see " + out.resolve("server.log"));
                    // Sampled idle: the clients pause and the engine drains, so KV blocks in use must be 0 (a
                    // leaked block shows at once) and the heap holds no request in flight.
                    boolean idle = traffic.pause(Duration.ofSeconds(90)) && awaitEngineIdle(server, http, Duration.ofSeconds(30));
                    Map<String, Double> s;
                    try {
                        s = sample(server, http);
                    } finally {
                        traffic.resume();
                    }
                    s.put("idle", idle ? 1.0 : 0.0);
                    double minute = (System.nanoTime() - started) / 60e9;
                    s.put("minute", minute);
                    samples.add(s);
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%.2f", minute));
                    for (String k : SERIES.keySet()) row.append(',').append(fmt(s.getOrDefault(k, Double.NaN)));
                    row.append(',').append(traffic.totalOk()).append(',').append(traffic.totalFailed())
                            .append(',').append(fmt(s.get("idle")));
                    csv.println(row);
                    csv.flush();
                    log.printf(Locale.ROOT, "soak %5.1f min: heap %.1f MiB, fds %s, threads %s, kv %s, db %s, ok %d, failed %d%n",
                            minute, s.get("heap_after_gc_mib"), fmt(s.get("proc_fds")), fmt(s.get("proc_threads")),
                            fmt(s.get("kv_blocks_used")), fmt(s.get("db_connections_total")), traffic.totalOk(),
                            traffic.totalFailed());
                    next += sampleSeconds * 1_000_000_000L;
                    long wait = Math.min(next, end) - System.nanoTime();
                    if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                }
            } finally {
                traffic.stop();
            }
        }
        return report(samples, warmupMinutes, traffic, (System.nanoTime() - started) / 60e9, out, log);
    }

    /**
     * The summary of an earlier run from its {@code samples.csv} (the per-kind request counts are not in it: only
     * the running totals of successful and failed requests). Written to {@code summary-from-csv.txt} beside it.
     */
    static int reportFromCsv(Path csv, double warmupMinutes, PrintStream log) throws IOException {
        List<String> rows = Files.readAllLines(csv);
        String[] header = rows.getFirst().split(",");
        List<Map<String, Double>> samples = new ArrayList<>();
        for (String row : rows.subList(1, rows.size())) {
            String[] cells = row.split(",", -1);
            Map<String, Double> s = new LinkedHashMap<>();
            for (int i = 0; i < header.length && i < cells.length; i++) {
                if (!cells[i].isEmpty()) s.put(header[i], Double.parseDouble(cells[i]));
            }
            samples.add(s);
        }
        double last = samples.isEmpty() ? 0 : samples.getLast().get("minute");
        return report(samples, warmupMinutes, null, last, csv.toAbsolutePath().getParent(), log);
    }

    /** Waits until the engine reports no running or waiting request (at most {@code timeout}). */
    static boolean awaitEngineIdle(ServerProcess server, HttpClient http, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.url().resolve("/metrics"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            double busy = 0;
            for (String line : r.body().split("\n")) {
                if (line.startsWith("stellar_engine_requests{")) {
                    busy += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            if (busy == 0) return true;
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
    }

    /** One sample of the child: a full GC, then its metrics and {@code /proc} counts. */
    static Map<String, Double> sample(ServerProcess server, HttpClient http) throws IOException, InterruptedException {
        Map<String, Double> s = new LinkedHashMap<>();
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(server.pid()), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!gc.waitFor(60, TimeUnit.SECONDS)) {
            gc.destroyForcibly();
            throw new IOException("jcmd GC.run did not return within 60 s");
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.url().resolve("/metrics"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("/metrics answered " + r.statusCode());
        double heap = 0;
        double kv = 0;
        double dbTotal = 0;
        double dbActive = 0;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("#")) continue;
            int sp = line.lastIndexOf(' ');
            if (sp < 0) continue;
            double v;
            try {
                v = Double.parseDouble(line.substring(sp + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            String name = line.substring(0, sp);
            if (name.startsWith("jvm_memory_used_bytes{") && name.contains("area=\"heap\"")) heap += v;
            else if (name.startsWith("process_files_open_files")) s.put("open_fds", v);
            else if (name.startsWith("jvm_threads_live_threads")) s.put("jvm_threads", v);
            else if (name.startsWith("stellar_engine_kv_blocks{") && name.contains("state=\"used\"")) kv += v;
            else if (name.startsWith("stellar_db_connections{") && name.contains("state=\"total\"")) dbTotal += v;
            else if (name.startsWith("stellar_db_connections{") && name.contains("state=\"active\"")) dbActive += v;
            else if (name.startsWith("stellar_cache_bytes{") && name.contains("tier=\"memory\"")) s.put("cache_mib", v / (1024 * 1024));
        }
        s.put("heap_after_gc_mib", heap / (1024 * 1024));
        s.put("kv_blocks_used", kv);
        s.put("db_connections_total", dbTotal);
        s.put("db_connections_active", dbActive);
        Path proc = Path.of("/proc", Long.toString(server.pid()));
        if (Files.isDirectory(proc)) {
            try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                s.put("proc_fds", (double) fds.count());
            }
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("Threads:")) s.put("proc_threads", Double.parseDouble(line.substring(8).trim()));
                if (line.startsWith("VmRSS:")) {
                    s.put("rss_mib", Double.parseDouble(line.substring(6).trim().split("\\s+")[0]) / 1024);
                }
            }
        }
        return s;
    }

    private static int report(List<Map<String, Double>> samples, double warmupMinutes, Traffic traffic,
                              double ranMinutes, Path out, PrintStream log) throws IOException {
        List<String> lines = new ArrayList<>();
        List<Double> x = new ArrayList<>();
        List<Map<String, Double>> used = new ArrayList<>();
        for (Map<String, Double> s : samples) {
            if (s.get("minute") >= warmupMinutes) {
                used.add(s);
                x.add(s.get("minute") / 60.0); // hours
            }
        }
        lines.add(String.format(Locale.ROOT, "soak: %.1f min, %d samples, %d from minute %.0f on (slopes per hour)",
                ranMinutes, samples.size(), used.size(), warmupMinutes));
        lines.add("| series | at minute " + fmt(warmupMinutes) + " | at end | min | max | slope / h | threshold / h | verdict |");
        lines.add("| --- | --- | --- | --- | --- | --- | --- | --- |");
        boolean flagged = false;
        for (Map.Entry<String, Double> e : SERIES.entrySet()) {
            List<Double> y = new ArrayList<>();
            List<Double> xs = new ArrayList<>();
            for (int i = 0; i < used.size(); i++) {
                Double v = used.get(i).get(e.getKey());
                if (v != null && !v.isNaN()) {
                    y.add(v);
                    xs.add(x.get(i));
                }
            }
            if (y.isEmpty()) {
                lines.add("| " + e.getKey() + " | – | – | – | – | – | – | not measured |");
                continue;
            }
            double slope = Slope.of(xs, y);
            boolean over = !e.getValue().isNaN() && (used.size() < 2 || slope > e.getValue());
            flagged |= over;
            lines.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %+.2f | %s | %s |", e.getKey(),
                    fmt(y.getFirst()), fmt(y.getLast()), fmt(y.stream().mapToDouble(d -> d).min().orElse(0)),
                    fmt(y.stream().mapToDouble(d -> d).max().orElse(0)), slope,
                    e.getValue().isNaN() ? "–" : fmt(e.getValue()), e.getValue().isNaN() ? "reported" : over ? "FLAG" : "flat"));
        }
        lines.add("");
        long totalFailed;
        if (traffic != null) {
            lines.add("| request | ok | 429/503 | failed |");
            lines.add("| --- | --- | --- | --- |");
            for (Traffic.Kind k : Traffic.Kind.values()) {
                lines.add("| " + k.name().toLowerCase(Locale.ROOT) + " | " + traffic.ok(k) + " | " + traffic.shed(k) + " | "
                        + traffic.failed(k) + " |");
            }
            for (String e : traffic.firstErrors()) lines.add("error: " + e);
            totalFailed = traffic.totalFailed();
        } else {
            Map<String, Double> end = samples.isEmpty() ? Map.of() : samples.getLast();
            totalFailed = end.getOrDefault("requests_failed", 0.0).longValue();
            lines.add("requests at the last sample: " + end.getOrDefault("requests_ok", 0.0).longValue() + " ok, "
                    + totalFailed + " failed (per-kind counts are not in samples.csv)");
        }
        boolean failed = totalFailed > 0;
        lines.add("verdict: " + (flagged ? "a slope is above its threshold" : "flat")
                + (failed ? "; " + totalFailed + " request(s) failed" : "; no request failed"));
        Files.write(out.resolve(traffic == null ? "summary-from-csv.txt" : "summary.txt"), lines);
        lines.forEach(log::println);
        log.println("samples: " + out.resolve("samples.csv"));
        return flagged || failed ? 1 : 0;
    }

    /** Copies the built server jar and its libraries, so a rebuild during the run leaves the child alone. */
    static String copyServer(Path home, Path dir) throws IOException {
        ServerProcess.builtClassPath(home); // throws when the server is not built
        Path jar = home.resolve("server/target/stellar-server.jar");
        Path lib = home.resolve("server/target/lib");
        Files.createDirectories(dir.resolve("lib"));
        Files.copy(jar, dir.resolve("stellar-server.jar"));
        try (Stream<Path> libs = Files.list(lib)) {
            for (Path p : (Iterable<Path>) libs::iterator) Files.copy(p, dir.resolve("lib").resolve(p.getFileName()));
        }
        return dir.resolve("stellar-server.jar") + java.io.File.pathSeparator + dir.resolve("lib") + java.io.File.separator + "*";
    }

    private static String fmt(Double v) {
        if (v == null || v.isNaN()) return "";
        return v == Math.rint(v) ? Long.toString(v.longValue()) : String.format(Locale.ROOT, "%.2f", v);
    }
}
