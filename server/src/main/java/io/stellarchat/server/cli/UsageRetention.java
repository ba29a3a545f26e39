package io.stellarchat.server.cli;

import io.stellarchat.server.chat.UsageLedger;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes usage rows older than {@code usage.retention}, hourly, on the thread {@code usage-retention}. With
 * several replicas each does it; the delete is idempotent.
 */
final class UsageRetention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UsageRetention.class);
    private final UsageLedger ledger;
    private final Duration keep;
    private final Clock clock;
    private ScheduledExecutorService timer;

    UsageRetention(UsageLedger ledger, Duration keep, Clock clock) {
        this.ledger = ledger;
        this.keep = keep;
        this.clock = clock;
    }

    synchronized void start() {
        if (keep.isZero() || timer != null) return;
        timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("usage-retention").unstarted(r));
        timer.scheduleWithFixedDelay(this::purge, 1, 3600, TimeUnit.SECONDS);
    }

    private void purge() {
        try {
            int n = ledger.purge(clock.instant().minus(keep));
            if (n > 0) log.info("usage: deleted {} row(s) older than {}", n, keep);
        } catch (RuntimeException e) {
            log.warn("usage: retention delete failed: {}", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (timer == null) return;
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
