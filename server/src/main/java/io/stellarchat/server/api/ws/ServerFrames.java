package io.stellarchat.server.api.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.api.WireJson;
import io.stellarchat.server.protocol.Usage;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.chat.ChatMessage;

/**
 * The frames the server sends, as JSON objects with a {@code type} field. Every frame about a request carries
 * its {@code request_id}; field names are snake_case as in the REST API.
 */
final class ServerFrames {
    private final ObjectMapper json;

    ServerFrames(ObjectMapper json) {
        this.json = json;
    }

    /** A new session was created for the request. */
    ObjectNode session(String requestId, String sessionId) {
        ObjectNode o = frame("session", requestId);
        o.put("session_id", sessionId);
        return o;
    }

    /** The user's message is stored and the reply has begun. */
    ObjectNode start(String requestId, String sessionId, ChatMessage user, ChatMessage reply, int truncated) {
        ObjectNode o = frame("start", requestId);
        o.put("session_id", sessionId);
        o.put("message_id", reply.id());
        o.put("user_message_id", user.id());
        o.put("truncated_messages", truncated);
        return o;
    }

    /** A piece of the reply's text. */
    ObjectNode delta(String requestId, String text) {
        ObjectNode o = frame("delta", requestId);
        o.put("content", text);
        return o;
    }

    /** The reply is stored; {@code finish_reason} is the stored one (stop, length, cancelled, error). */
    /** {@code {"type":"tool_call","request_id","index","id","name","arguments"}}: the reply called a tool. */
    ObjectNode toolCall(String requestId, int index, io.stellarchat.server.protocol.ToolCall call) {
        ObjectNode o = json.createObjectNode();
        o.put("type", "tool_call");
        o.put("request_id", requestId);
        o.put("index", index);
        o.put("id", call.id());
        o.put("name", call.name());
        o.put("arguments", call.arguments());
        return o;
    }

    ObjectNode end(String requestId, ChatMessage reply, Usage usage, int truncated) {
        ObjectNode o = frame("end", requestId);
        o.put("session_id", reply.sessionId());
        o.put("message_id", reply.id());
        o.put("finish_reason", reply.finishReason() == null ? "stop" : reply.finishReason().key());
        if (reply.stopped()) o.put("stopped", true);
        o.set("usage", WireJson.usage(json, usage));
        o.put("truncated_messages", truncated);
        return o;
    }

    /** A request (or, with a null request id, a frame) failed; the body is the REST error's. */
    ObjectNode error(String requestId, ApiException e) {
        ObjectNode o = frame("error", requestId);
        ObjectNode err = (ObjectNode) WireJson.error(json, e).get("error");
        err.put("status", e.status());
        o.set("error", err);
        return o;
    }

    ObjectNode pong() {
        ObjectNode o = json.createObjectNode();
        o.put("type", "pong");
        return o;
    }

    private ObjectNode frame(String type, String requestId) {
        ObjectNode o = json.createObjectNode();
        o.put("type", type);
        o.put("request_id", requestId);
        return o;
    }
}
