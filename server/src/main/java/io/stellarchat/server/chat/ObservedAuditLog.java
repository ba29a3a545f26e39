package io.stellarchat.server.chat;

import io.stellarchat.server.observe.TelemetryEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An audit log that also sends each appended entry as a telemetry event: {@code key_action} for the key
 * actions ({@code key.*}), {@code admin_action} for the others, with the actor as owner.
 */
public final class ObservedAuditLog implements AuditLog {
    private final AuditLog log;
    private final Consumer<TelemetryEvent> events;

    public ObservedAuditLog(AuditLog log, Consumer<TelemetryEvent> events) {
        this.log = log;
        this.events = events;
    }

    @Override
    public AuditEvent append(String actor, String action, String target, String requestId) {
        AuditEvent e = log.append(actor, action, target, requestId);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("action", action);
        data.put("target", target);
        data.put("audit_id", e.id());
        events.accept(TelemetryEvent.of(action.startsWith("key.") ? TelemetryEvent.Type.KEY_ACTION
                : TelemetryEvent.Type.ADMIN_ACTION, actor, null, data));
        return e;
    }

    @Override
    public Page<AuditEvent> list(String actor, String cursor, int limit) {
        return log.list(actor, cursor, limit);
    }
}
