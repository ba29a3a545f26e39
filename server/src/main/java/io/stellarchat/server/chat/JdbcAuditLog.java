package io.stellarchat.server.chat;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** {@link AuditLog} on the {@code audit_events} table. */
final class JdbcAuditLog implements AuditLog {
    private static final String LISTING = "audit";
    private final Transactions tx;
    private final TimeOrderedIds ids;
    private final Clock clock;

    JdbcAuditLog(Transactions tx, TimeOrderedIds ids, Clock clock) {
        this.tx = tx;
        this.ids = ids;
        this.clock = clock;
    }

    @Override
    public AuditEvent append(String actor, String action, String target, String requestId) {
        JsonText.requireName("actor", actor);
        JsonText.requireName("action", action);
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(requestId, "requestId");
        AuditEvent e = new AuditEvent(ids.next(), actor, action, target, Instant.ofEpochMilli(clock.millis()), requestId);
        return tx.write("append audit event", c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO audit_events (id, actor, action, target, request_id, created_ms) VALUES (?, ?, ?, ?, ?, ?)")) {
                s.setString(1, e.id());
                s.setString(2, e.actor());
                s.setString(3, e.action());
                s.setString(4, e.target());
                s.setString(5, e.requestId());
                s.setLong(6, e.created().toEpochMilli());
                s.executeUpdate();
            }
            return e;
        });
    }

    @Override
    public Page<AuditEvent> list(String actor, String cursor, int limit) {
        PageCursor.checkLimit(limit);
        String after = PageCursor.decode(LISTING, cursor);
        return tx.read("list audit events", c -> {
            String sql = "SELECT id, actor, action, target, request_id, created_ms FROM audit_events"
                    + " WHERE 1 = 1" + (after == null ? "" : " AND id < ?") + (actor == null ? "" : " AND actor = ?")
                    + " ORDER BY id DESC LIMIT ?";
            try (PreparedStatement s = c.prepareStatement(sql)) {
                int i = 1;
                if (after != null) s.setString(i++, after);
                if (actor != null) s.setString(i++, actor);
                s.setInt(i, limit + 1);
                List<AuditEvent> items = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        items.add(new AuditEvent(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                                Instant.ofEpochMilli(r.getLong(6)), r.getString(5)));
                    }
                }
                if (items.size() <= limit) return new Page<>(items, null);
                List<AuditEvent> page = items.subList(0, limit);
                return new Page<>(page, PageCursor.encode(LISTING, page.getLast().id()));
            }
        });
    }
}
