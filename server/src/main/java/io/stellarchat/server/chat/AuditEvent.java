package io.stellarchat.server.chat;

import java.time.Instant;
import java.util.Objects;

/**
 * One audit record: who did what to what, under which request.
 *
 * @param id        time-ordered UUID string
 * @param actor     who acted (key principal, "system")
 * @param action    what was done, e.g. {@code session.delete}
 * @param target    what it was done to, e.g. a session id; may be empty
 * @param created   when
 * @param requestId the request it happened under; may be empty
 */
public record AuditEvent(String id, String actor, String action, String target, Instant created, String requestId) {
    public AuditEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(requestId, "requestId");
    }
}
