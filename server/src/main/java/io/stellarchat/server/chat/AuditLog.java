package io.stellarchat.server.chat;

/** An append-only log of who did what, on the same database as the history. */
public interface AuditLog {
    /**
     * Appends an event, committed before returning.
     *
     * @param actor     who acted; non-blank
     * @param action    what was done; non-blank
     * @param target    what it was done to; may be empty
     * @param requestId the request it happened under; may be empty
     */
    AuditEvent append(String actor, String action, String target, String requestId);

    /**
     * Events, newest first. Pass {@code null} for the first page, then the page's opaque
     * {@link Page#nextCursor()}; stable under appends.
     *
     * @param limit 1..{@value HistoryStore#MAX_PAGE}
     */
    default Page<AuditEvent> list(String cursor, int limit) {
        return list(null, cursor, limit);
    }

    /** The same, only the events of {@code actor} (null: everyone's). */
    Page<AuditEvent> list(String actor, String cursor, int limit);
}
