package io.stellarchat.server.observe;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * One telemetry event: what happened ({@link #type}), when, under which request and trace, for whom (the
 * owner and key id; never a secret), and the type's own fields in {@link #data} (numbers, strings, booleans,
 * nulls, lists and maps of those). Immutable.
 *
 * @param id        unique; sinks use it to write an event once however often a batch is retried
 * @param type      one of {@link Type}'s names
 * @param ts        when it happened
 * @param traceId   the W3C trace id, or "" when the request had none
 * @param requestId the request it happened under, or "" for background work
 * @param owner     whose request it was (the key's owner), or ""
 * @param keyId     the API key's id (a managed key's id, a static key's display prefix), or ""
 * @param data      the type's fields, in a stable order
 */
public record TelemetryEvent(String id, String type, Instant ts, String traceId, String requestId, String owner,
                             String keyId, Map<String, Object> data) {
    public TelemetryEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(ts, "ts");
        traceId = traceId == null ? "" : traceId;
        requestId = requestId == null ? "" : requestId;
        owner = owner == null ? "" : owner;
        keyId = keyId == null ? "" : keyId;
        data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
    }

    /** The event types, by their wire names. */
    public enum Type {
        MODEL_CALL("model_call"), SESSION_TURN("session_turn"), TOOL_CALL("tool_call"), KEY_ACTION("key_action"),
        ADMIN_ACTION("admin_action"), FEEDBACK("feedback"), MODEL_LOAD("model_load"), MODEL_UNLOAD("model_unload"),
        BREAKER_STATE("breaker_state");

        public final String wire;

        Type(String wire) {
            this.wire = wire;
        }
    }

    /**
     * A new event now, with the request and trace ids of the calling thread's log context.
     *
     * @param owner whose request, or null
     * @param keyId which key, or null
     */
    public static TelemetryEvent of(Type type, String owner, String keyId, Map<String, Object> data) {
        return new TelemetryEvent(UUID.randomUUID().toString(), type.wire, Instant.now(), MDC.get(LogContext.TRACE_ID),
                MDC.get(LogContext.REQUEST_ID), owner, keyId, data);
    }
}
