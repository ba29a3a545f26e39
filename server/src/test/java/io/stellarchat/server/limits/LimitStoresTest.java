package io.stellarchat.server.limits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stellarchat.server.config.RedisConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.redis.RedisLink;
import io.stellarchat.server.testing.LocalRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Redis script and the in-memory store count the same way: one random sequence of reservations,
 * settlements and passing time, with windows, concurrency and budgets mixed, gives identical outcomes on both
 * (a real Redis server). Also the semantics themselves on a few hand-made cases.
 */
class LimitStoresTest {
    @Test
    void redisAndMemoryStoresGiveTheSameOutcomesForOneRandomSequence() throws Exception {
        try (LocalRedis server = LocalRedis.start();
             RedisLink link = new RedisLink(new RedisConfig(new Secret(server.url()), Duration.ofSeconds(2)),
                     new SimpleMeterRegistry())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!link.up() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(link.up(), "Redis link up");
            LimitStore redis = new RedisLimitStore(link);
            LimitStore memory = new MemoryLimitStore();
            Random rnd = new Random(42);
            // Today 01:00 UTC: the budget period (today) ends in the future, as Redis expires it at an absolute instant.
            long now = System.currentTimeMillis() / 86_400_000L * 86_400_000L + 3_600_000L;
            List<String> open = new ArrayList<>();
            List<List<Bucket>> openBuckets = new ArrayList<>();
            int admitted = 0;
            int refused = 0;
            for (int step = 0; step < 600; step++) {
                now += rnd.nextInt(3000);
                if (!open.isEmpty() && rnd.nextInt(3) == 0) {
                    int i = rnd.nextInt(open.size());
                    long delta = rnd.nextInt(21) - 10;
                    redis.settle(open.get(i), openBuckets.get(i), delta);
                    memory.settle(open.get(i), openBuckets.get(i), delta);
                    open.remove(i);
                    openBuckets.remove(i);
                    continue;
                }
                long tokens = 1 + rnd.nextInt(40);
                List<Bucket> buckets = List.of(
                        new Bucket(Bucket.Kind.WINDOW, "t:rpm", 12, 1, 60_000, "requests_per_minute", "key", false),
                        new Bucket(Bucket.Kind.WINDOW, "t:tpm", 300, tokens, 60_000, "tokens_per_minute", "key", true),
                        new Bucket(Bucket.Kind.CONCURRENT, "t:inflight", 4, 1, 30_000, "max_concurrent", "key", false),
                        new Bucket(Bucket.Kind.BUDGET, "t:day", 3_000, tokens, now - now % 86_400_000 + 86_400_000,
                                "tokens_per_day", "key", true));
                String id = "r" + step;
                Outcome m = memory.reserve(id, buckets, now);
                Outcome r = redis.reserve(id, buckets, now);
                String at = "step " + step;
                assertEquals(m.admitted(), r.admitted(), at);
                assertEquals(m.failed(), r.failed(), at);
                assertEquals(m.retryAfterMs(), r.retryAfterMs(), at);
                assertArrayEquals(m.remaining(), r.remaining(), at);
                assertArrayEquals(m.resetMs(), r.resetMs(), at);
                if (m.admitted()) {
                    admitted++;
                    open.add(id);
                    openBuckets.add(buckets);
                } else {
                    refused++;
                }
            }
            assertTrue(admitted > 50 && refused > 50, "both outcomes exercised: " + admitted + "/" + refused);
        }
    }

    @Test
    void aWindowAdmitsExactlyItsLimitAndSaysWhenTheOldestEntryLeaves() {
        MemoryLimitStore s = new MemoryLimitStore();
        List<Bucket> rpm = List.of(new Bucket(Bucket.Kind.WINDOW, "k", 3, 1, 60_000, "requests_per_minute", "key", false));
        assertTrue(s.reserve("a", rpm, 1_000).admitted());
        assertTrue(s.reserve("b", rpm, 2_000).admitted());
        Outcome third = s.reserve("c", rpm, 3_000);
        assertTrue(third.admitted());
        assertEquals(0, third.remaining()[0]);
        assertEquals(58_000, third.resetMs()[0], "the first entry leaves at 61 s");
        Outcome fourth = s.reserve("d", rpm, 4_000);
        assertEquals(57_000, fourth.retryAfterMs());
        assertTrue(s.reserve("e", rpm, 61_000).admitted(), "one minute after the first");
    }

    @Test
    void tokensAreReconciledAndARequestOverTheWholeLimitIsNeverAdmissible() {
        MemoryLimitStore s = new MemoryLimitStore();
        List<Bucket> tpm = List.of(new Bucket(Bucket.Kind.WINDOW, "k", 100, 80, 60_000, "tokens_per_minute", "key", true));
        assertTrue(s.reserve("a", tpm, 0).admitted());
        assertEquals(false, s.reserve("b", tpm, 1).admitted());
        s.settle("a", tpm, -70); // used 10 of the 80 reserved
        Outcome b = s.reserve("b", tpm, 2);
        assertTrue(b.admitted());
        assertEquals(10, b.remaining()[0]);
        List<Bucket> huge = List.of(new Bucket(Bucket.Kind.WINDOW, "k2", 100, 101, 60_000, "tokens_per_minute", "key", true));
        assertEquals(-1, s.reserve("c", huge, 3).retryAfterMs());
    }

    @Test
    void resetHeadersAreWrittenTheWayOpenAiWritesThem() {
        assertEquals("20ms", RateLimiter.duration(20));
        assertEquals("1s", RateLimiter.duration(1000));
        assertEquals("8.64s", RateLimiter.duration(8640));
        assertEquals("6m0s", RateLimiter.duration(360_000));
    }
}
