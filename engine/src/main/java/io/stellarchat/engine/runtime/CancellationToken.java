package io.stellarchat.engine.runtime;

/**
 * A flag a caller sets to stop a generation; the generation checks it before every token and ends with
 * {@link FinishReason#CANCELLED}. Safe to set from any thread.
 */
public final class CancellationToken {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
