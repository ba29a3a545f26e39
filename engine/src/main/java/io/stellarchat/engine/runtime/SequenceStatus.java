package io.stellarchat.engine.runtime;

/**
 * Where a sequence is in the batching engine, in order. Transitions (nothing else happens):
 * <pre>
 *   WAITING ──admit──▶ RUNNING ──preempt──▶ PREEMPTED ──admit──▶ RUNNING
 *   RUNNING ──ends──▶ FINISHED_STOPPED | FINISHED_LENGTH | FINISHED_ABORTED
 *   WAITING | PREEMPTED ──cancel, timeout or shutdown──▶ FINISHED_ABORTED
 * </pre>
 * A WAITING or PREEMPTED sequence holds no KV blocks; a RUNNING one holds the blocks of its computed
 * positions; a finished one holds none. Every finished status maps to one {@link FinishReason} and back.
 */
enum SequenceStatus {
    /** Submitted, never admitted: holds no blocks, may still time out. */
    WAITING,
    /** Admitted: holds blocks, gets tokens every step. */
    RUNNING,
    /** Was running, its blocks were taken back; waits at the front of the queue to be recomputed. */
    PREEMPTED,
    /** Ended by an end-of-generation token or a stop sequence ({@code finish_reason} "stop"). */
    FINISHED_STOPPED,
    /** Ended by the token budget or the context ({@code finish_reason} "length"). */
    FINISHED_LENGTH,
    /** Ended by a cancel, a timeout in the queue or a shutdown. */
    FINISHED_ABORTED;

    boolean isFinished() {
        return compareTo(FINISHED_STOPPED) >= 0;
    }

    /** The finished status of a sequence that ended for {@code reason}. */
    static SequenceStatus finishedBy(FinishReason reason) {
        return switch (reason) {
            case STOP_TOKEN, STOP_SEQUENCE, GRAMMAR_COMPLETE -> FINISHED_STOPPED;
            case LENGTH -> FINISHED_LENGTH;
            case CANCELLED -> FINISHED_ABORTED;
        };
    }

    /**
     * The finish reason this finished status reports; {@link FinishReason#STOP_TOKEN} stands for both stop
     * kinds (the sequence's decoder knows which one it was).
     *
     * @throws IllegalStateException for a status that is not finished
     */
    FinishReason finishReason() {
        return switch (this) {
            case FINISHED_STOPPED -> FinishReason.STOP_TOKEN;
            case FINISHED_LENGTH -> FinishReason.LENGTH;
            case FINISHED_ABORTED -> FinishReason.CANCELLED;
            default -> throw new IllegalStateException(this + " is not a finished status");
        };
    }
}
