package io.stellarchat.engine.runtime;

/**
 * The narrow seam between a service and the engine that runs one model: submit a generation, read its
 * events from a bounded channel, cancel it; look at the load. The HTTP layer sees only this.
 */
public interface EngineClient extends AutoCloseable {

    /**
     * Queues a generation and returns at once.
     *
     * @throws EngineOverloadedException when the waiting queue is full
     * @throws ContextOverflowException  when the prompt does not fit the request's context
     * @throws IllegalStateException     after {@link #close()}
     */
    RequestHandle submit(GenerationRequest request);

    /**
     * Computes an embedding of {@code tokens} (mean-pooled, L2-normalised final hidden states) on the engine
     * thread, in queue order with generations.
     *
     * @throws EngineOverloadedException when the waiting queue is full
     */
    java.util.concurrent.CompletableFuture<float[]> embed(int[] tokens);

    /** Current load. */
    EngineStats stats();

    /** Stops taking requests, cancels queued and running ones, stops the engine thread. Idempotent. */
    @Override
    void close();
}
