package io.stellarchat.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON error body of every endpoint: {@code {"error":{"message":…,"type":…,"param":…,"code":…}}};
 * {@code param} and {@code code} are written as {@code null} when absent, as OpenAI does.
 *
 * @param error the details
 */
public record ErrorBody(Detail error) {
    /** The fields of an error. */
    public record Detail(String message, String type, String param, String code) {}

    /** The body as a JSON tree (SSE error events and WebSocket error frames carry it as it is). */
    public ObjectNode tree(ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        ObjectNode d = root.putObject("error");
        d.put("message", error.message());
        d.put("type", error.type());
        d.put("param", error.param());
        d.put("code", error.code());
        return root;
    }

    public static ErrorBody of(ApiException e) {
        return new ErrorBody(new Detail(e.getMessage(), e.type().wire(), e.param(), e.code()));
    }
}
