package io.stellarchat.server.gateway.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The package's JSON mapper (thread-safe once configured) and small readers of upstream JSON trees. */
final class RemoteJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private RemoteJson() {}

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** The text of {@code field}, or null when absent or JSON null. */
    static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** The int of {@code field}, or {@code otherwise} when absent or not a number. */
    static int integer(JsonNode node, String field, int otherwise) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isNumber() ? v.asInt() : otherwise;
    }

    /** {@code node.field}, or a missing node. */
    static JsonNode path(JsonNode node, String field) {
        return node == null ? MAPPER.missingNode() : node.path(field);
    }
}
