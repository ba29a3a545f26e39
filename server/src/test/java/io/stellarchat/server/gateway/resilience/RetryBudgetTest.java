package io.stellarchat.server.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    private final ManualTicker ticker = new ManualTicker();
    private final RetryBudget budget = RetryBudget.standard(ticker);

    private int retriesGranted(int attempts) {
        int granted = 0;
        for (int i = 0; i < attempts; i++) {
            if (budget.tryRetry()) granted++;
        }
        return granted;
    }

    private void requests(int n) {
        for (int i = 0; i < n; i++) budget.onRequest();
    }

    @Test
    void withoutTrafficThreeRetriesPerSecondAreAllowed() {
        assertEquals(3, retriesGranted(10));
        ticker.advance(Duration.ofMillis(999));
        assertFalse(budget.tryRetry(), "still the same second");
        ticker.advance(Duration.ofMillis(1));
        assertEquals(3, retriesGranted(10), "a new second, three more");
    }

    @Test
    void underLoadRetriesAreTwentyPercentOfTheRequestsOfTheWindow() {
        requests(1000); // in one second
        assertEquals(200, retriesGranted(1000));
        ticker.advance(Duration.ofSeconds(1));
        assertEquals(3, retriesGranted(10), "the ratio is spent; the per-second floor remains");
    }

    @Test
    void requestsOlderThanTheWindowNoLongerEarnRetries() {
        requests(100);
        ticker.advance(Duration.ofSeconds(9));
        requests(100);
        assertEquals(40, retriesGranted(100), "20 % of 200 within 10 s");
        ticker.advance(Duration.ofSeconds(1)); // the first 100 requests leave the window
        assertEquals(3, retriesGranted(10), "100 requests and 40 retries left in the window: only the floor");
        ticker.advance(Duration.ofSeconds(10));
        requests(50);
        assertEquals(10, retriesGranted(100), "everything earlier has aged out: 20 % of 50");
    }

    @Test
    void retriesCountAgainstTheRatioWhateverAllowedThem() {
        assertEquals(3, retriesGranted(3)); // by the floor, no requests yet
        requests(20);                        // 20 % of 20 = 4; 3 already used
        assertEquals(1, retriesGranted(10));
    }

    @Test
    void manyThreadsNeverGetMoreThanTheBudget() throws InterruptedException {
        requests(1000);
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 100; i++) {
                    budget.onRequest();
                    if (budget.tryRetry()) granted.incrementAndGet();
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) t.join();
        // 1800 requests in the window: at most 360 retries whatever the interleaving.
        assertTrue(granted.get() <= 360, "granted " + granted.get());
        assertTrue(granted.get() >= 200, "the first 1000 requests alone earn 200: " + granted.get());
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new RetryBudget(ticker, Duration.ofMillis(1500), 0.2, 3));
        assertThrows(IllegalArgumentException.class, () -> new RetryBudget(ticker, Duration.ofSeconds(10), 1.5, 3));
        assertThrows(IllegalArgumentException.class, () -> new RetryBudget(ticker, Duration.ofSeconds(10), 0.2, -1));
    }
}
