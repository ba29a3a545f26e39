package io.stellarchat.server.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A function the model may call.
 *
 * @param name        the function's name
 * @param description what it does, or null
 * @param parameters  its arguments as a JSON Schema object, or null for none (a copy; never changed)
 * @param strict      OpenAI's {@code strict} flag, or null when not given
 */
public record Tool(String name, String description, JsonNode parameters, Boolean strict) {
    public Tool {
        Objects.requireNonNull(name, "name");
        parameters = parameters == null ? null : parameters.deepCopy();
    }
}
