package io.stellarchat.server.chat;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.random.RandomGenerator;

/**
 * Makes UUID version 7 strings (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter, then 62
 * random bits, written as lower-case hex {@code xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx}. Because the format has
 * fixed width and fixed dash positions, the strings sort like the numbers, so {@code ORDER BY id} is creation
 * order.
 *
 * <p>Monotonic within this object: ids made in the same millisecond differ by the counter; when 4096 ids are
 * made in one millisecond, or the clock goes back, the id's time runs ahead of the clock by the needed
 * milliseconds. All state is guarded by {@code this}.
 */
final class TimeOrderedIds {
    private final Clock clock;
    private final RandomGenerator random;
    private long lastMillis = -1;
    private int counter;

    TimeOrderedIds(Clock clock) {
        this(clock, new SecureRandom());
    }

    TimeOrderedIds(Clock clock, RandomGenerator random) {
        this.clock = clock;
        this.random = random;
    }

    synchronized String next() {
        long now = clock.millis();
        if (now > lastMillis) {
            lastMillis = now;
            counter = 0;
        } else if (++counter > 0xFFF) {
            lastMillis++;
            counter = 0;
        }
        long high = (lastMillis << 16) | 0x7000L | counter;                // 48-bit time, version 7, counter
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | Long.MIN_VALUE; // variant 10, 62 random bits
        return hex(high >>> 32, 8) + '-' + hex(high >>> 16 & 0xFFFF, 4) + '-' + hex(high & 0xFFFF, 4) + '-'
                + hex(low >>> 48, 4) + '-' + hex(low & 0xFFFF_FFFF_FFFFL, 12);
    }

    private static String hex(long value, int digits) {
        String s = Long.toHexString(value);
        return "0".repeat(digits - s.length()) + s;
    }

    /** True for a string in the format {@link #next()} makes (any version digit, lower-case hex). */
    static boolean looksLikeId(String s) {
        return s != null && s.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }
}
