package io.stellarchat.server.gateway.resilience;

import io.stellarchat.engine.util.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker the test moves by hand. Starts at an arbitrary non-zero value, as System.nanoTime() may. */
final class ManualTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong(123_456_789_000L);

    @Override
    public long read() {
        return nanos.get();
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }
}
