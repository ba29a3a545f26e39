package io.stellarchat.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The pipeline's contract: batches by size and time, never blocks emit, drops and counts when full. */
class TelemetryPipelineTest {

    /** Records batches; optionally blocks every write until released. */
    static final class Recording implements TelemetrySink {
        final List<List<TelemetryEvent>> batches = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch release;
        final String name;

        Recording(String name, CountDownLatch release) {
            this.name = name;
            this.release = release;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void write(List<TelemetryEvent> batch) throws InterruptedException {
            if (release != null) release.await(); // a hung sink, until the test lets it go
            batches.add(batch);
        }
    }

    @Test
    void batchesBySizeAndByTime() throws Exception {
        Recording sink = new Recording("recording", null);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Telemetry t = new Telemetry(List.of(sink), 1000, 1, 10, Duration.ofMillis(200), meters)) {
            for (int i = 0; i < 25; i++) t.emit(TelemetrySinksTest.event(i, Instant.now()));
            assertTrue(t.flush(Duration.ofSeconds(10)));
            assertEquals(25, sink.batches.stream().mapToInt(List::size).sum());
            assertTrue(sink.batches.stream().allMatch(b -> b.size() <= 10), "at most batch_size per write");
            assertTrue(sink.batches.size() >= 3);
            long t0 = System.nanoTime();
            t.emit(TelemetrySinksTest.event(99, Instant.now()));
            assertTrue(t.flush(Duration.ofSeconds(10)));
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(took >= 150, "a lone event waits for the flush interval, took " + took + " ms");
            assertEquals(26.0, meters.get("stellar.telemetry.events").tag("sink", "recording").counter().count());
        }
    }

    @Test
    void aHungSinkNeverBlocksEmitAndOverflowIsDroppedAndCounted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Recording hung = new Recording("hung", release);
        Recording healthy = new Recording("healthy", null);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Telemetry t = new Telemetry(List.of(hung, healthy), 5, 2, 1, Duration.ofMillis(1), meters);
        long t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) t.emit(TelemetrySinksTest.event(i, Instant.now()));
        long emitMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(emitMs < 2000, "1000 emits into a hung sink took " + emitMs + " ms");
        double dropped = meters.get("stellar.telemetry.dropped").tag("sink", "hung").counter().count();
        // The hung sink holds at most one event per sender (2) and 5 queued: the rest is dropped and counted.
        assertTrue(dropped >= 1000 - 7, "overflow dropped and counted: " + dropped);
        release.countDown();
        t.close(Duration.ofSeconds(5));
        assertTrue(healthy.batches.size() > 0);
        assertEquals(0, meters.get("stellar.telemetry.queue_size").tag("sink", "hung").gauge().value(),
                "close drained the hung sink's queue once it was released");
    }
}
