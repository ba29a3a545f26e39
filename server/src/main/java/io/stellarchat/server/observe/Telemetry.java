package io.stellarchat.server.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The telemetry pipeline: {@link #emit} hands an event to every sink's bounded queue and returns at once; each
 * sink's fixed set of sender threads ({@code telemetry-<sink>-<n>}) takes batches off its queue — up to
 * {@code batchSize} events, or what came within {@code flushInterval} of the first — and writes them. Sinks are
 * independent: a slow or hung Elasticsearch fills only its own queue, and a full queue drops the new event and
 * counts it ({@code stellar_telemetry_dropped_total{sink}}), so a request never waits on telemetry.
 *
 * <p>Meters: {@code stellar_telemetry_events_total{sink}} written, {@code stellar_telemetry_dropped_total{sink}}
 * dropped on a full queue (or at shutdown, past the drain timeout), {@code stellar_telemetry_failed_total{sink}}
 * lost because the sink failed after its own retries, {@code stellar_telemetry_queue_size{sink}}.
 *
 * <p>Threads: {@link #emit} from any thread (a non-blocking {@code offer}); each channel's queue is the only
 * state shared with its senders. {@link #close} stops taking events, lets the senders drain what is queued
 * within the timeout, then interrupts them.
 */
public final class Telemetry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Telemetry.class);
    private final List<Channel> channels;
    private volatile boolean closed;

    /**
     * @param sinks         where events go (started here, closed by {@link #close})
     * @param queueSize     events waiting per sink
     * @param senders       sender threads per sink
     * @param batchSize     events per write at most
     * @param flushInterval longest wait, after a batch's first event, for more
     */
    public Telemetry(List<TelemetrySink> sinks, int queueSize, int senders, int batchSize, Duration flushInterval,
                     MeterRegistry registry) {
        MeterRegistry meters = registry == null ? new SimpleMeterRegistry() : registry;
        List<Channel> list = new ArrayList<>();
        for (TelemetrySink sink : sinks) list.add(new Channel(sink, queueSize, senders, batchSize, flushInterval, meters));
        this.channels = List.copyOf(list);
        channels.forEach(Channel::start);
    }

    /** No sinks: every event is discarded at once. */
    public static Telemetry off() {
        return new Telemetry(List.of(), 1, 1, 1, Duration.ofSeconds(1), null);
    }

    /** Queues {@code event} for every sink that accepts it; never blocks. */
    public void emit(TelemetryEvent event) {
        if (closed) return;
        for (Channel c : channels) {
            if (c.sink.accepts(event)) c.offer(event);
        }
    }

    /** The sinks' names, in order. */
    public List<String> sinks() {
        return channels.stream().map(c -> c.sink.name()).toList();
    }

    /**
     * Waits until every queued event has been handed to its sink (tests, and {@code stellar usage} after a run).
     *
     * @return whether that happened within {@code timeout}
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Channel c : channels) {
            while (!c.idle()) {
                if (System.nanoTime() > deadline) return false;
                Thread.sleep(5);
            }
        }
        return true;
    }

    /** Stops taking events and drains the queues within {@code timeout}; what is left is counted as dropped. */
    public void close(Duration timeout) {
        closed = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Channel c : channels) c.stop();
        for (Channel c : channels) c.join(deadline);
        for (Channel c : channels) {
            try {
                c.sink.close();
            } catch (RuntimeException e) {
                log.warn("telemetry sink {} did not close cleanly: {}", c.sink.name(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /** One sink with its queue and senders. */
    private static final class Channel {
        final TelemetrySink sink;
        final ArrayBlockingQueue<TelemetryEvent> queue;
        final List<Thread> threads = new ArrayList<>();
        final int batchSize;
        final long flushNanos;
        final Counter written;
        final Counter dropped;
        final Counter failed;
        /** Events accepted and not yet written, failed or dropped (queued or in a sender's batch). */
        final java.util.concurrent.atomic.AtomicLong pending = new java.util.concurrent.atomic.AtomicLong();
        volatile boolean stopping;

        Channel(TelemetrySink sink, int queueSize, int senders, int batchSize, Duration flushInterval, MeterRegistry meters) {
            this.sink = sink;
            this.queue = new ArrayBlockingQueue<>(queueSize);
            this.batchSize = batchSize;
            this.flushNanos = flushInterval.toNanos();
            this.written = Counter.builder("stellar.telemetry.events").description("Telemetry events written, by sink")
                    .tag("sink", sink.name()).register(meters);
            this.dropped = Counter.builder("stellar.telemetry.dropped")
                    .description("Telemetry events dropped because the sink's queue was full").tag("sink", sink.name())
                    .register(meters);
            this.failed = Counter.builder("stellar.telemetry.failed")
                    .description("Telemetry events lost because the sink failed after its retries").tag("sink", sink.name())
                    .register(meters);
            Gauge.builder("stellar.telemetry.queue_size", queue, ArrayBlockingQueue::size)
                    .description("Telemetry events waiting, by sink").tag("sink", sink.name()).register(meters);
            for (int i = 0; i < senders; i++) {
                threads.add(Thread.ofPlatform().daemon().name("telemetry-" + sink.name() + "-" + i).unstarted(this::run));
            }
        }

        void start() {
            threads.forEach(Thread::start);
        }

        void offer(TelemetryEvent e) {
            pending.incrementAndGet();
            if (!queue.offer(e)) {
                pending.decrementAndGet();
                dropped.increment();
            }
        }

        boolean idle() {
            return pending.get() == 0;
        }

        void stop() {
            stopping = true;
        }

        void join(long deadlineNanos) {
            for (Thread t : threads) {
                try {
                    long left = deadlineNanos - System.nanoTime();
                    if (left > 0) t.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (t.isAlive()) t.interrupt();
            }
            int left = queue.size();
            if (left > 0) {
                dropped.increment(left);
                pending.addAndGet(-left);
                queue.clear();
                log.warn("telemetry sink {}: {} event(s) not written before shutdown", sink.name(), left);
            }
        }

        private void run() {
            List<TelemetryEvent> batch = new ArrayList<>(Math.min(batchSize, 1024));
            while (true) {
                try {
                    TelemetryEvent first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (stopping) return;
                        continue;
                    }
                    try {
                        batch.add(first);
                        long until = System.nanoTime() + flushNanos;
                        while (batch.size() < batchSize) {
                            queue.drainTo(batch, batchSize - batch.size());
                            long left = until - System.nanoTime();
                            if (batch.size() >= batchSize || left <= 0 || stopping) break;
                            TelemetryEvent next = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)),
                                    TimeUnit.NANOSECONDS);
                            if (next != null) batch.add(next);
                        }
                        write(batch);
                    } finally {
                        pending.addAndGet(-batch.size());
                        batch.clear();
                    }
                } catch (InterruptedException e) {
                    return; // shutdown past the drain timeout
                }
            }
        }

        private void write(List<TelemetryEvent> batch) throws InterruptedException {
            try {
                sink.write(List.copyOf(batch));
                written.increment(batch.size());
            } catch (InterruptedException e) {
                failed.increment(batch.size());
                throw e;
            } catch (TelemetrySink.PartlyWritten e) {
                failed.increment(e.lost());
                written.increment(batch.size() - e.lost());
                log.warn("telemetry sink {} lost {} of {} event(s): {}", sink.name(), e.lost(), batch.size(), e.getMessage());
            } catch (Exception e) {
                failed.increment(batch.size());
                log.warn("telemetry sink {} lost {} event(s): {}", sink.name(), batch.size(), e.toString());
            }
        }
    }
}
