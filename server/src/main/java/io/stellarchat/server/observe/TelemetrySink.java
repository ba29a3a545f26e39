package io.stellarchat.server.observe;

import java.util.List;

/**
 * Somewhere telemetry events go: a file, Elasticsearch, an OpenTelemetry Collector, the usage table. The
 * {@link Telemetry} pipeline calls {@link #write} from its sender threads (up to {@code telemetry.max_in_flight}
 * at once, so an implementation is thread-safe), never from a request thread.
 */
public interface TelemetrySink extends AutoCloseable {
    /** A short name for metrics and logs ({@code file}, {@code elasticsearch}, {@code otlp}, {@code usage}). */
    String name();

    /** Whether this sink wants the event at all (the usage sink takes model calls only). */
    default boolean accepts(TelemetryEvent event) {
        return true;
    }

    /**
     * Writes a batch; retries what may succeed on another try itself, within its own time bound.
     *
     * @throws Exception when (some of) the batch could not be written; the pipeline counts it and goes on
     */
    void write(List<TelemetryEvent> batch) throws Exception;

    @Override
    default void close() {}

    /** Thrown by {@link #write} when only {@code lost} events of the batch could not be written. */
    final class PartlyWritten extends Exception {
        private final int lost;

        public PartlyWritten(int lost, String message) {
            super(message);
            this.lost = lost;
        }

        public int lost() {
            return lost;
        }
    }
}
