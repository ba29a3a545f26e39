package io.stellarchat.server.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BulkheadTest {
    @Test
    void admitsUpToTheLimitAndAgainAfterExit() {
        Bulkhead b = new Bulkhead(2);
        assertTrue(b.tryEnter());
        assertTrue(b.tryEnter());
        assertFalse(b.tryEnter());
        assertTrue(b.full());
        assertEquals(2, b.inFlight());
        b.exit();
        assertEquals(1, b.inFlight());
        assertTrue(b.tryEnter());
    }

    @Test
    void anExitWithoutEnterIsABug() {
        Bulkhead b = new Bulkhead(1);
        assertThrows(IllegalStateException.class, b::exit);
        assertEquals(0, b.inFlight());
    }

    @Test
    void concurrentThreadsNeverExceedTheLimit() throws InterruptedException {
        int limit = 3;
        Bulkhead b = new Bulkhead(limit);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxSeen = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 2000; i++) {
                    if (!b.tryEnter()) {
                        Thread.yield();
                        continue;
                    }
                    admitted.incrementAndGet();
                    int now = inside.incrementAndGet();
                    maxSeen.accumulateAndGet(now, Math::max);
                    if (i % 7 == 0) Thread.yield(); // hold the place across a reschedule now and then
                    inside.decrementAndGet();
                    b.exit();
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) t.join();
        assertTrue(maxSeen.get() <= limit, "seen " + maxSeen.get() + " inside");
        assertTrue(admitted.get() > 0);
        assertEquals(0, b.inFlight());
    }
}
