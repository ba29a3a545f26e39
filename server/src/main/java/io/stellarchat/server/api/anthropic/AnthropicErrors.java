package io.stellarchat.server.api.anthropic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorDialect;

/**
 * Anthropic's error body, {@code {"type":"error","error":{"type","message"}}}, for every failure under
 * {@code /v1/messages} (plain responses, and the {@code error} event of a stream). The type follows the status
 * as Anthropic's API documents it: 400 (and other 4xx) {@code invalid_request_error}, 401
 * {@code authentication_error}, 403 {@code permission_error}, 404 {@code not_found_error}, 413
 * {@code request_too_large}, 429 {@code rate_limit_error}, 503 and 529 {@code overloaded_error}, 504
 * {@code timeout_error}, other 5xx {@code api_error}.
 *
 * <p>Threads: stateless.
 */
final class AnthropicErrors implements ErrorDialect {
    static final String PREFIX = "/v1/messages";

    @Override
    public boolean covers(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    @Override
    public ObjectNode body(ObjectMapper json, ApiException e) {
        return of(json, e);
    }

    static ObjectNode of(ObjectMapper json, ApiException e) {
        ObjectNode root = json.createObjectNode();
        root.put("type", "error");
        ObjectNode error = root.putObject("error");
        error.put("type", type(e.status()));
        error.put("message", e.getMessage());
        return root;
    }

    static String type(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> status < 500 ? "invalid_request_error" : "api_error";
        };
    }
}
