package io.stellarchat.server.protocol;

import java.util.Objects;

/**
 * A function call made by the model.
 *
 * @param id        the call's id (tool results name it)
 * @param name      the function's name
 * @param arguments its arguments as JSON text, exactly as the model wrote them
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
