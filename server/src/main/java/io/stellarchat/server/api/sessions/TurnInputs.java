package io.stellarchat.server.api.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.api.openai.ChatMessages;
import io.stellarchat.server.chat.MessageRole;
import io.stellarchat.server.conversation.SessionTurns;

/**
 * The message that starts a session turn, read the same way from a REST body and a WebSocket frame:
 * {@code role} ({@code user}, the default, or {@code tool} with {@code tool_call_id} — a tool's result for a call
 * of the last reply), {@code content}, and the {@code tools} and {@code tool_choice} the reply may use (OpenAI's
 * shapes).
 */
public final class TurnInputs {
    private TurnInputs() {}

    /** The turn's input from {@code body} (which has {@code content} checked as text already). */
    public static SessionTurns.Input parse(JsonNode body, String content) {
        String role = Fields.string(body, "role", "user");
        MessageRole r = switch (role) {
            case "user" -> MessageRole.USER;
            case "tool" -> MessageRole.TOOL;
            default -> throw ApiException.invalidRequest("role", "Invalid 'role': '" + role
                    + "'. A session turn starts with a 'user' message or a 'tool' result.");
        };
        String callId = Fields.string(body, "tool_call_id", null);
        if (r == MessageRole.TOOL && (callId == null || callId.isBlank())) {
            throw ApiException.invalidRequest("tool_call_id", "A 'tool' message needs 'tool_call_id': the id of the call "
                    + "it answers.");
        }
        if (r == MessageRole.USER && callId != null) {
            throw ApiException.invalidRequest("tool_call_id", "'tool_call_id' is only for a 'tool' message.");
        }
        JsonNode choice = Fields.present(body, "tool_choice");
        if (choice != null && !choice.isTextual() && !choice.isObject()) {
            throw Fields.wrongType("tool_choice", choice, "a string or an object");
        }
        return new SessionTurns.Input(r, content, callId, ChatMessages.tools(body), choice);
    }
}
