package io.stellarchat.server.api.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorType;

/**
 * A frame the client sent, checked. {@link #parse} turns a JSON object into one of the records or throws an
 * {@link ApiException} (400, code {@code invalid_frame} or {@code unknown_frame_type}) naming the field at
 * fault; the connection answers that with an {@code error} frame and stays open.
 */
sealed interface ClientFrame {
    /** Longest {@code request_id} accepted (it is echoed in every frame of the request). */
    int MAX_REQUEST_ID = 200;

    /**
     * {@code {"type":"message"}}: one turn.
     *
     * @param requestId the client's tag for the request, echoed in its frames
     * @param sessionId the session to continue, or null to create one
     * @param model     the model of the session to create; non-null exactly when {@code sessionId} is null
     * @param content   the user's message
     * @param params    sampling overrides in OpenAI names (may be empty), never null
     * @param input     the turn's message: {@code role} user (default) or tool with {@code tool_call_id}, and the
     *                  {@code tools} and {@code tool_choice} the reply may use
     */
    record Message(String requestId, String sessionId, String model, String content, ObjectNode params,
                   io.stellarchat.server.conversation.SessionTurns.Input input) implements ClientFrame {}

    /** {@code {"type":"stop"}}: end the named request now, keeping the partial reply. */
    record Stop(String requestId) implements ClientFrame {}

    /** {@code {"type":"ping"}}: answered with {@code pong}. */
    record Ping() implements ClientFrame {}

    static ClientFrame parse(JsonNode root) {
        if (!root.isObject()) {
            throw invalid(null, "A frame must be a JSON object with a 'type' field.");
        }
        String type = text(root, "type");
        if (type == null) {
            throw invalid("type", "Missing required field 'type' (message, stop or ping).");
        }
        return switch (type) {
            case "ping" -> new Ping();
            case "stop" -> new Stop(requestId(root));
            case "message" -> message((ObjectNode) root);
            default -> throw new ApiException(400, ErrorType.INVALID_REQUEST, "unknown_frame_type", "type",
                    "Unknown frame type '" + abbreviate(type) + "'; expected message, stop or ping.");
        };
    }

    private static Message message(ObjectNode root) {
        String requestId = requestId(root);
        String sessionId = text(root, "session_id");
        if (sessionId != null && sessionId.isBlank()) {
            throw invalid("session_id", "'session_id' must not be blank; leave it out to start a new session.");
        }
        String model = text(root, "model");
        if (sessionId == null && (model == null || model.isBlank())) {
            throw invalid("model", "Missing required field 'model': a message without 'session_id' starts a new "
                    + "session, which needs a model.");
        }
        if (sessionId != null && model != null) {
            throw invalid("model", "'model' is only for a new session (no 'session_id'); change a session's model "
                    + "with PATCH /v1/sessions/{id}.");
        }
        String content = text(root, "content");
        if (content == null) {
            throw invalid("content", "Missing required field 'content'.");
        }
        JsonNode params = root.get("params");
        ObjectNode overrides;
        if (params == null || params.isNull()) {
            overrides = root.objectNode();
        } else if (params.isObject()) {
            overrides = ((ObjectNode) params).deepCopy();
        } else {
            throw invalid("params", "Invalid type for 'params': expected an object of sampling parameters.");
        }
        return new Message(requestId, sessionId, model, content, overrides,
                io.stellarchat.server.api.sessions.TurnInputs.parse(root, content));
    }

    /** The frame's {@code request_id} if it has a usable one (to tag an error about the frame), else null. */
    static String requestIdOrNull(JsonNode root) {
        JsonNode v = root.get("request_id");
        return v != null && v.isTextual() && !v.asText().isBlank() && v.asText().length() <= MAX_REQUEST_ID
                ? v.asText() : null;
    }

    private static String requestId(JsonNode root) {
        String id = text(root, "request_id");
        if (id == null || id.isBlank()) {
            throw invalid("request_id", "Missing required field 'request_id': a non-blank string that names "
                    + "the request in the frames about it.");
        }
        if (id.length() > MAX_REQUEST_ID) {
            throw invalid("request_id", "'request_id' is longer than " + MAX_REQUEST_ID + " characters.");
        }
        return id;
    }

    /** A string field, null when absent or JSON null; any other type is an error naming the field. */
    private static String text(JsonNode root, String name) {
        JsonNode v = root.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw invalid(name, "Invalid type for '" + name + "': expected a string.");
        }
        return v.asText();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    static ApiException invalid(String param, String message) {
        return new ApiException(400, ErrorType.INVALID_REQUEST, "invalid_frame", param, message);
    }
}
