package io.stellarchat.server.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.CacheConfig;
import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.LimitsConfig;
import io.stellarchat.server.testing.LocalRedis;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two StellarChat replicas sharing one database and one real Redis (Debian's {@code redis-server}): managed keys,
 * revocation, exact limits across replicas, token reservation and reconciliation, the shared response cache,
 * and what happens while Redis is down. Run on SQLite and PostgreSQL by the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReplicasContract {
    @TempDir
    static Path dir;
    LocalRedis redis;
    Replica a;
    Replica b;

    /** The database both replicas share (made once per class). */
    abstract DatabaseConfig database(Path dir);

    @BeforeAll
    void start() {
        redis = LocalRedis.start();
        DatabaseConfig db = database(dir);
        CacheConfig cache = new CacheConfig(true, true, Duration.ofMinutes(5), 8L << 20, 1L << 20);
        a = Replica.start(dir, db, redis.url(), LimitsConfig.none(), cache);
        b = Replica.start(dir, db, redis.url(), LimitsConfig.none(), cache);
        awaitRedis(a, true);
        awaitRedis(b, true);
    }

    @AfterAll
    void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    static void awaitRedis(Replica r, boolean up) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String want = "stellar_redis_up " + (up ? "1.0" : "0.0");
        while (System.nanoTime() < deadline) {
            if (r.get("/metrics", null).body().contains(want)) return;
            sleep(50);
        }
        throw new AssertionError("replica never reported " + want);
    }

    static void awaitMetric(Replica r, String line) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (r.get("/metrics", null).body().contains(line)) return;
            sleep(50);
        }
        throw new AssertionError("replica never reported " + line);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    String key(String limits) {
        return a.createKey("{\"name\":\"t\",\"owner\":\"owner-" + System.nanoTime() + "\",\"limits\":" + limits + "}")
                .get("key").asText();
    }

    @Test
    void aKeyMadeOnOneReplicaWorksOnTheOtherAndItsRevocationReachesItWithinOneSecond() {
        JsonNode made = a.createKey("{\"name\":\"ci\",\"owner\":\"alice\",\"scopes\":[\"chat\"]}");
        String secret = made.get("key").asText();
        assertTrue(secret.startsWith("sk-stellar-") && secret.length() >= 11 + 43, secret);
        assertEquals(secret.substring(0, 15), made.get("prefix").asText());
        assertEquals(200, b.chat(secret, "stories", 2, "").statusCode());
        // The list never shows a secret.
        String list = b.get("/v1/admin/keys", Replica.ADMIN).body();
        assertTrue(list.contains(made.get("id").asText()) && !list.contains(secret), list);

        assertEquals(200, a.delete("/v1/admin/keys/" + made.get("id").asText(), Replica.ADMIN).statusCode());
        long t0 = System.nanoTime();
        HttpResponse<String> r;
        do {
            r = b.get("/v1/models", secret);
        } while (r.statusCode() == 200 && System.nanoTime() - t0 < Duration.ofSeconds(3).toNanos());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(401, r.statusCode(), r.body());
        assertEquals("invalid_api_key", Replica.json(r).at("/error/code").asText());
        assertFalse(r.body().contains(secret), r.body());
        assertTrue(ms < 1000, "revocation took " + ms + " ms to reach the other replica");
    }

    @Test
    void thirtyRequestsPerMinuteOverTwoReplicasAdmitExactlyThirtyOfSixty() throws Exception {
        awaitRedis(a, true); // shared counting: not an earlier test's Redis outage
        awaitRedis(b, true);
        String secret = key("{\"requests_per_minute\":30}");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Replica r = i % 2 == 0 ? a : b;
            results.add(pool.submit(() -> r.chat(secret, "stories", 1, "")));
        }
        int ok = 0;
        int limited = 0;
        for (Future<HttpResponse<String>> f : results) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            if (r.statusCode() == 200) {
                ok++;
                assertEquals("30", r.headers().firstValue("x-ratelimit-limit-requests").orElse(null));
                assertTrue(r.headers().firstValue("x-ratelimit-remaining-requests").isPresent());
                assertTrue(r.headers().firstValue("x-ratelimit-reset-requests").orElse("").matches("[0-9.]+m?s|\\d+m\\d+s"),
                        r.headers().map().toString());
            } else {
                limited++;
                assertEquals(429, r.statusCode(), r.body());
                assertEquals("rate_limit_exceeded", Replica.json(r).at("/error/code").asText());
                assertTrue(Replica.json(r).at("/error/message").asText().contains("requests_per_minute"), r.body());
                assertTrue(Integer.parseInt(r.headers().firstValue("Retry-After").orElseThrow()) >= 1);
            }
        }
        pool.shutdown();
        assertEquals(30, ok, "admitted");
        assertEquals(30, limited, "refused");
    }

    @Test
    void concurrentLongAnswersOvershootATokenLimitByAtMostOneReservationAndAreReconciled() throws Exception {
        long limit = 400;
        int maxTokens = 48;
        String secret = key("{\"tokens_per_minute\":" + limit + "}");
        String extra = "\"logit_bias\":{\"2\":-100}"; // no end of story: every answer is as long as allowed
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Replica r = i % 2 == 0 ? a : b;
            results.add(pool.submit(() -> r.chat(secret, "stories", maxTokens, extra)));
        }
        long used = 0;
        int prompt = -1;
        int refused = 0;
        for (Future<HttpResponse<String>> f : results) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            if (r.statusCode() == 200) {
                JsonNode u = Replica.json(r).get("usage");
                used += u.get("total_tokens").asLong();
                prompt = u.get("prompt_tokens").asInt();
            } else {
                assertEquals(429, r.statusCode(), r.body());
                assertTrue(r.body().contains("tokens_per_minute"), r.body());
                refused++;
            }
        }
        pool.shutdown();
        long reservation = prompt + maxTokens;
        assertTrue(refused > 0, "some were refused");
        assertTrue(used <= limit + reservation, "used " + used + " of " + limit + " (one reservation: " + reservation + ")");
        // Reconciled: what is left is the limit less what was really used, less the next reservation.
        HttpResponse<String> next = a.chat(secret, "stories", 4, extra);
        if (limit - used >= prompt + 4) {
            assertEquals(200, next.statusCode(), next.body());
            assertEquals(Long.toString(limit - used - (prompt + 4)),
                    next.headers().firstValue("x-ratelimit-remaining-tokens").orElse(null));
        } else {
            assertEquals(429, next.statusCode(), next.body());
        }
    }

    @Test
    void anAnswerCachedByOneReplicaIsAHitOnTheOtherStreamedOrNot() {
        String secret = key("{}");
        String extra = "\"temperature\":0,\"seed\":" + System.nanoTime();
        HttpResponse<String> first = a.chat(secret, "stories", 12, extra);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("miss", first.headers().firstValue("X-Stellar-Cache").orElse(null));
        String text = Replica.json(first).at("/choices/0/message/content").asText();

        HttpResponse<String> hit = b.chat(secret, "stories", 12, extra);
        assertEquals("hit", hit.headers().firstValue("X-Stellar-Cache").orElse(null));
        JsonNode h = Replica.json(hit);
        assertEquals(text, h.at("/choices/0/message/content").asText());
        assertFalse(h.get("id").asText().equals(Replica.json(first).get("id").asText()), "a fresh id");

        HttpResponse<String> streamed = b.chat(secret, "stories", 12, extra + ",\"stream\":true");
        assertEquals("hit", streamed.headers().firstValue("X-Stellar-Cache").orElse(null));
        StringBuilder joined = new StringBuilder();
        for (String line : streamed.body().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode c = parse(line.substring(6));
                JsonNode content = c.at("/choices/0/delta/content");
                if (!content.isMissingNode()) joined.append(content.asText());
            }
        }
        assertTrue(streamed.body().trim().endsWith("data: [DONE]"), streamed.body());
        assertEquals(text, joined.toString());

        HttpResponse<String> noCache = noCache(b, secret, extra);
        assertEquals("miss", noCache.headers().firstValue("X-Stellar-Cache").orElse(null));
        // A sampled request is never cached.
        HttpResponse<String> sampled = a.chat(secret, "stories", 4, "\"temperature\":0.8");
        assertTrue(sampled.headers().firstValue("X-Stellar-Cache").isEmpty(), sampled.headers().map().toString());
    }

    private static HttpResponse<String> noCache(Replica r, String secret, String extra) {
        var req = java.net.http.HttpRequest.newBuilder(r.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer " + secret).header("Cache-Control", "no-cache")
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"stories\",\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":12," + extra + "}")).build();
        try {
            return java.net.http.HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void embeddingsComputeOnlyTheInputsNotCached() {
        String secret = key("{}");
        String word = "w" + System.nanoTime();
        HttpResponse<String> first = a.post("/v1/embeddings", secret, "{\"model\":\"stories\",\"input\":[\"" + word + " one\"]}");
        assertEquals("miss", first.headers().firstValue("X-Stellar-Cache").orElse(null), first.body());
        HttpResponse<String> both = b.post("/v1/embeddings", secret,
                "{\"model\":\"stories\",\"input\":[\"" + word + " one\",\"" + word + " two\"]}");
        assertEquals("partial", both.headers().firstValue("X-Stellar-Cache").orElse(null));
        JsonNode j = Replica.json(both);
        assertEquals(Replica.json(first).at("/data/0/embedding"), j.at("/data/0/embedding"));
        HttpResponse<String> again = a.post("/v1/embeddings", secret,
                "{\"model\":\"stories\",\"input\":[\"" + word + " one\",\"" + word + " two\"]}");
        assertEquals("hit", again.headers().firstValue("X-Stellar-Cache").orElse(null));
        assertEquals(j.get("data"), Replica.json(again).get("data"));
        assertEquals(0, Replica.json(again).at("/usage/prompt_tokens").asInt(), "nothing computed");
    }

    @Test
    void withRedisKilledRequestsKeepSucceedingOnLocalSharesAndSharedCountingReturnsWithRedis() {
        String secret = key("{\"requests_per_minute\":20}");
        String unlimited = key("{}");
        String extra = "\"temperature\":0,\"seed\":" + System.nanoTime();
        // Both replicas see Redis and each other before it goes: the local share is the limit over two.
        for (Replica r : List.of(a, b)) {
            awaitRedis(r, true);
            awaitMetric(r, "stellar_redis_replicas 2.0");
        }
        assertEquals(200, a.chat(unlimited, "stories", 6, extra).statusCode()); // cached in memory and Redis
        redis.kill();
        try {
            awaitRedis(a, false);
            // Each of the two replicas now admits its share: 20 / 2 = 10 a minute, in its own memory.
            int ok = 0;
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> r = a.chat(secret, "stories", 1, "");
                if (r.statusCode() == 200) ok++;
                else assertEquals(429, r.statusCode(), r.body());
            }
            assertEquals(10, ok, "the local share of 20 rpm over two replicas");
            HttpResponse<String> cached = a.chat(unlimited, "stories", 6, extra);
            assertEquals(200, cached.statusCode(), cached.body());
            assertEquals("hit", cached.headers().firstValue("X-Stellar-Cache").orElse(null), "Caffeine still serves");
        } finally {
            redis.restart();
        }
        awaitRedis(a, true);
        awaitRedis(b, true);
        String fresh = key("{\"requests_per_minute\":8}");
        int ok = 0;
        for (int i = 0; i < 16; i++) {
            if ((i % 2 == 0 ? a : b).chat(fresh, "stories", 1, "").statusCode() == 200) ok++;
        }
        assertEquals(8, ok, "shared again: both replicas together admit the limit");
    }

    static JsonNode parse(String text) {
        try {
            return Replica.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
