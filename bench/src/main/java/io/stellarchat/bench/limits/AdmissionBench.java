package io.stellarchat.bench.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stellarchat.server.cache.CacheTiers;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.config.CacheConfig;
import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.LimitsConfig;
import io.stellarchat.server.config.RedisConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.limits.KeyLimits;
import io.stellarchat.server.limits.KeyRing;
import io.stellarchat.server.limits.LimitSpec;
import io.stellarchat.server.limits.RateLimiter;
import io.stellarchat.server.limits.Reservation;
import io.stellarchat.server.limits.Scope;
import io.stellarchat.server.redis.RedisLink;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./stellar bench limits}: what keys, limits and caches add to a request, and what a cache hit saves.
 *
 * <ol>
 *   <li>Per-request overhead, one thread, against a real {@code redis-server} on loopback (started here) and the
 *       embedded SQLite key store: key lookup ({@link KeyRing#authenticate}, SHA-256 + cached row), the limit
 *       check (reserve with requests, tokens and in-flight limits + settle: two Lua scripts), and a response
 *       cache lookup that misses memory and goes to Redis — p50/p99 of each and of all three together; the same
 *       with in-memory limits for comparison.</li>
 *   <li>Cache hit versus miss on stories260K through the whole HTTP server: the latency of a chat completion
 *       (32 tokens) answered by the model versus replayed from the response cache.</li>
 * </ol>
 * Options: {@code --iterations N} (default 20000), {@code --model PATH} (default ../shared/models/stories260K.gguf).
 */
public final class AdmissionBench {
    private AdmissionBench() {}

    public static void main(String[] args) throws Exception {
        int iterations = 20_000;
        Path model = Path.of("../shared/models/stories260K.gguf");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--model" -> model = Path.of(args[++i]);
                case "--help" -> {
                    System.out.println("usage: stellar bench limits [--iterations N] [--model stories260K.gguf]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (!Files.isExecutable(Path.of("/usr/bin/redis-server"))) {
            System.err.println("bench limits needs redis-server (apt-get install redis-server)");
            System.exit(2);
        }
        Path tmp = Files.createTempDirectory("stellar-bench-limits");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process redis = startRedis(tmp, port);
        try {
            overhead(tmp, "redis://127.0.0.1:" + port + "/0", iterations);
            cacheHit(tmp, model);
        } finally {
            redis.destroyForcibly().waitFor();
        }
    }

    private static Process startRedis(Path dir, int port) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no").redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        Thread.sleep(300);
        return p;
    }

    private static void overhead(Path dir, String redisUrl, int iterations) throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (ChatDatabase db = ChatDatabase.open(new DatabaseConfig("", "", new Secret(""), 4), dir, Clock.systemUTC());
             RedisLink link = new RedisLink(new RedisConfig(new Secret(redisUrl), Duration.ofSeconds(1)), new SimpleMeterRegistry());
             KeyRing keys = new KeyRing(List.of(), db.keys(), KeyLimits.NONE, Clock.systemUTC(), json)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!link.up() && System.nanoTime() < deadline) Thread.sleep(20);
            if (!link.up()) throw new IllegalStateException("Redis did not come up at " + redisUrl);
            KeyLimits limits = new KeyLimits(new LimitSpec(1_000_000_000, 1_000_000_000_000L, 1_000_000, 0, 0), Map.of());
            String secret = keys.create(new KeyRing.NewKey("bench", "bench", EnumSet.allOf(Scope.class), List.of("*"),
                    limits, true, null)).secret();
            RateLimiter shared = new RateLimiter(link, LimitsConfig.Fallback.LOCAL, Clock.systemUTC(), new SimpleMeterRegistry(), false);
            RateLimiter local = new RateLimiter(null, LimitsConfig.Fallback.LOCAL, Clock.systemUTC(), new SimpleMeterRegistry(), false);
            CacheTiers tiers = new CacheTiers(new CacheConfig(true, true, Duration.ofMinutes(5), 1L << 20, 1L << 20), link,
                    new SimpleMeterRegistry());
            Caller caller = keys.authenticate(secret);

            System.out.printf(Locale.ROOT, "Per-request overhead, 1 thread, %d iterations after %d warm-up; Redis on loopback, SQLite keys%n",
                    iterations, iterations / 4);
            System.out.printf(Locale.ROOT, "%-46s %10s %10s %10s%n", "step", "p50 ms", "p99 ms", "mean ms");
            row("key lookup (SHA-256, cached row)", iterations, i -> keys.authenticate(secret));
            row("limit check, Redis (reserve + settle)", iterations, i -> shared.reserve(caller, "m", 100).settle(80));
            row("limit check, in memory (reserve + settle)", iterations, i -> local.reserve(caller, "m", 100).settle(80));
            row("cache lookup, miss to Redis", iterations, i -> tiers.get("responses", "k" + i));
            row("all three, Redis", iterations, i -> {
                Caller c = keys.authenticate(secret);
                Reservation r = shared.reserve(c, "m", 100);
                tiers.get("responses", "k" + i);
                r.settle(80);
            });
        }
    }

    private interface Step {
        void run(int i) throws Exception;
    }

    private static void row(String name, int iterations, Step step) throws Exception {
        for (int i = 0; i < iterations / 4; i++) step.run(-i - 1); // warm-up (JIT, connections, scripts loaded)
        long[] ns = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            step.run(i);
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        double mean = Arrays.stream(ns).average().orElse(0) / 1e6;
        System.out.printf(Locale.ROOT, "%-46s %10.4f %10.4f %10.4f%n", name, ns[iterations / 2] / 1e6,
                ns[(int) (iterations * 0.99)] / 1e6, mean);
    }

    private static void cacheHit(Path dir, Path model) throws Exception {
        String cp = io.stellarchat.bench.serve.ServerProcess.builtClassPath(Path.of(System.getProperty("stellar.home", ".")));
        try (var server = io.stellarchat.bench.serve.ServerProcess.start(cp,
                List.of("--model", model.toAbsolutePath().toString()),
                List.of("cache.responses=true", "logging.level=warn"), dir.resolve("serve"), Duration.ofSeconds(60),
                System.out)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI url = server.url().resolve("/v1/chat/completions");
            String id = model.getFileName().toString().replaceFirst("\\.gguf$", "");
            int n = 40;
            long[] miss = new long[n];
            long[] hit = new long[n];
            for (int i = -10; i < n; i++) { // 10 warm-up rounds
                String body = "{\"model\":\"" + id + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],"
                        + "\"max_tokens\":32,\"temperature\":0,\"seed\":" + (1000 + i) + ",\"logit_bias\":{\"2\":-100}}";
                long m = time(client, url, body, "miss");
                long h = time(client, url, body, "hit");
                if (i >= 0) {
                    miss[i] = m;
                    hit[i] = h;
                }
            }
            Arrays.sort(miss);
            Arrays.sort(hit);
            System.out.printf(Locale.ROOT, "%n%s chat completion, 32 tokens, through HTTP (%d each, alternating):%n",
                    model.getFileName(), n);
            System.out.printf(Locale.ROOT, "  miss (model answers):  p50 %.3f ms  p99 %.3f ms%n", miss[n / 2] / 1e6, miss[n - 1] / 1e6);
            System.out.printf(Locale.ROOT, "  hit (cache replays):   p50 %.3f ms  p99 %.3f ms%n", hit[n / 2] / 1e6, hit[n - 1] / 1e6);
            System.out.printf(Locale.ROOT, "  hit / miss p50: %.3f%n", (double) hit[n / 2] / miss[n / 2]);
        }
    }

    private static long time(HttpClient client, URI url, String body, String expect) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(url)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long t0 = System.nanoTime();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        long took = System.nanoTime() - t0;
        String got = r.headers().firstValue("X-Stellar-Cache").orElse("none");
        if (r.statusCode() != 200 || !got.equals(expect)) {
            throw new IllegalStateException("expected a cache " + expect + ", got " + r.statusCode() + " " + got + ": " + r.body());
        }
        return took;
    }
}
