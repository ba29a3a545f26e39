package io.stellarchat.server.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Checks of the JSON text columns: the store keeps JSON as text but never stores text that is not JSON. */
final class JsonText {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonText() {}

    /** {@code json} if it is one JSON object, else an exception naming {@code field}. */
    static String requireObject(String field, String json) {
        return require(field, json, true);
    }

    /** {@code json} if it is one JSON array, else an exception naming {@code field}. */
    static String requireArray(String field, String json) {
        return require(field, json, false);
    }

    private static String require(String field, String json, boolean object) {
        if (json == null) throw new NullPointerException(field);
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(field + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || (object ? !node.isObject() : !node.isArray())) {
            throw new IllegalArgumentException(field + " must be a JSON " + (object ? "object" : "array"));
        }
        return json;
    }

    /** {@code text} if it has no NUL character (PostgreSQL cannot store one in TEXT; the two stores agree). */
    static String requireText(String field, String text) {
        if (text == null) throw new NullPointerException(field);
        if (text.indexOf('\0') >= 0) throw new IllegalArgumentException(field + " contains a NUL character");
        return text;
    }

    /** Owners, models and ids: non-blank, at most 256 characters. */
    static String requireName(String field, String value) {
        if (value == null) throw new NullPointerException(field);
        if (value.isBlank()) throw new IllegalArgumentException(field + " must not be blank");
        if (value.length() > 256) throw new IllegalArgumentException(field + " is longer than 256 characters");
        return requireText(field, value);
    }
}
