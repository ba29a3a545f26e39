package io.stellarchat.server.api.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.chat.ChatMessage;
import io.stellarchat.server.chat.ChatSession;
import io.stellarchat.server.chat.AuditEvent;

/** Wire shapes of sessions, messages and audit events (JSON objects in OpenAI's style: snake_case, epoch seconds). */
final class SessionJson {
    private final ObjectMapper json;

    SessionJson(ObjectMapper json) {
        this.json = json;
    }

    ObjectNode session(ChatSession s) {
        ObjectNode o = json.createObjectNode();
        o.put("id", s.id());
        o.put("object", "chat.session");
        o.put("model", s.model());
        o.put("title", s.title());
        o.put("system_prompt", s.systemPrompt());
        o.set("sampling", parse(s.samplingJson()));
        o.set("metadata", parse(s.metadataJson()));
        o.put("created_at", s.created().getEpochSecond());
        o.put("updated_at", s.updated().getEpochSecond());
        return o;
    }

    ObjectNode message(ChatMessage m) {
        ObjectNode o = json.createObjectNode();
        o.put("id", m.id());
        o.put("object", "chat.message");
        o.put("session_id", m.sessionId());
        o.put("role", m.role().key());
        o.put("content", m.content());
        if (m.toolCallsJson() != null) {
            try {
                o.set("tool_calls", new com.fasterxml.jackson.databind.ObjectMapper().readTree(m.toolCallsJson()));
            } catch (java.io.IOException e) {
                o.putArray("tool_calls");
            }
        }
        if (m.toolCallId() != null) o.put("tool_call_id", m.toolCallId());
        o.put("status", m.status().key());
        if (m.finishReason() != null) {
            o.put("finish_reason", m.finishReason().key());
        } else {
            o.putNull("finish_reason");
        }
        ObjectNode usage = o.putObject("usage");
        usage.put("prompt_tokens", m.tokens().prompt());
        usage.put("completion_tokens", m.tokens().completion());
        ObjectNode timings = o.putObject("timings");
        timings.put("prompt_ms", m.timings().promptMillis());
        timings.put("generation_ms", m.timings().generationMillis());
        o.put("created_at", m.created().getEpochSecond());
        if (m.feedback() != null) o.set("feedback", feedback(m.feedback()));
        if (m.stopped()) o.put("stopped", true);
        return o;
    }

    ObjectNode feedback(ChatMessage.Feedback f) {
        ObjectNode o = json.createObjectNode();
        o.put("rating", f.rating());
        if (f.comment() == null) o.putNull("comment");
        else o.put("comment", f.comment());
        o.put("created_at", f.created().toString());
        return o;
    }


    ObjectNode audit(AuditEvent e) {
        ObjectNode o = json.createObjectNode();
        o.put("id", e.id());
        o.put("actor", e.actor());
        o.put("action", e.action());
        o.put("target", e.target());
        o.put("created_at", e.created().getEpochSecond());
        o.put("request_id", e.requestId());
        return o;
    }

    private JsonNode parse(String text) {
        try {
            return json.readTree(text);
        } catch (Exception e) {
            return json.createObjectNode();
        }
    }
}
