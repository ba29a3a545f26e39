package io.stellarchat.server.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Ids are RFC 9562 version 7 UUIDs (checked by the JDK's parser) whose string order is creation order. */
class TimeOrderedIdsTest {
    private static final Instant T = Instant.parse("2026-03-01T12:00:00.123Z");

    @Test
    void idsAreVersion7UuidsCarryingTheClocksMillis() {
        TimeOrderedIds ids = new TimeOrderedIds(new TestClock(T), new SplittableRandom(1));
        String id = ids.next();
        UUID uuid = UUID.fromString(id);
        assertEquals(7, uuid.version());
        assertEquals(2, uuid.variant());
        assertEquals(T.toEpochMilli(), uuid.getMostSignificantBits() >>> 16, "48-bit Unix milliseconds");
        assertEquals(uuid.toString(), id, "canonical lower-case form");
        assertTrue(TimeOrderedIds.looksLikeId(id));
        assertFalse(TimeOrderedIds.looksLikeId(id.toUpperCase()));
        assertFalse(TimeOrderedIds.looksLikeId(id.substring(1)));
    }

    @Test
    void stringOrderIsCreationOrderWithinAMillisecondAcrossCounterOverflowAndWhenTheClockGoesBack() {
        TestClock clock = new TestClock(T);
        TimeOrderedIds ids = new TimeOrderedIds(clock, new SplittableRandom(7));
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) made.add(ids.next()); // > 4096 in one millisecond
        clock.advance(Duration.ofMillis(-50));                  // clock steps back
        for (int i = 0; i < 100; i++) made.add(ids.next());
        clock.advance(Duration.ofSeconds(1));
        made.add(ids.next());
        for (int i = 1; i < made.size(); i++) {
            assertTrue(made.get(i - 1).compareTo(made.get(i)) < 0, "id " + i + " sorts after id " + (i - 1));
            assertTrue(UUID.fromString(made.get(i - 1)).compareTo(UUID.fromString(made.get(i))) < 0);
        }
        assertEquals(T.toEpochMilli() - 50 + 1000, UUID.fromString(made.getLast()).getMostSignificantBits() >>> 16);
    }
}
