package io.stellarchat.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of request fields from a JSON tree. A known field with a wrong type or an out-of-range value
 * becomes a 400 {@code invalid_request_error} whose {@code param} names the field; absent and {@code null}
 * fields take the default. Unknown fields are never looked at (clients add vendor extras).
 */
public final class Fields {
    private Fields() {}

    public static JsonNode present(JsonNode obj, String name) {
        JsonNode v = obj.get(name);
        return v == null || v.isNull() ? null : v;
    }

    public static String string(JsonNode obj, String name, String dflt) {
        JsonNode v = present(obj, name);
        if (v == null) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw wrongType(name, v, "a string");
        }
        return v.asText();
    }

    public static String requiredString(JsonNode obj, String name) {
        String s = string(obj, name, null);
        if (s == null) {
            throw ApiException.invalidRequest(name, "Missing required parameter: '" + name + "'.");
        }
        return s;
    }

    public static boolean bool(JsonNode obj, String name, boolean dflt) {
        JsonNode v = present(obj, name);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw wrongType(name, v, "a boolean");
        }
        return v.asBoolean();
    }

    public static Integer integer(JsonNode obj, String name, long min, long max) {
        JsonNode v = present(obj, name);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
            throw wrongType(name, v, "an integer");
        }
        long x = v.asLong();
        if (x < min || x > max || !v.canConvertToLong()) {
            throw ApiException.invalidRequest(name, "Invalid '" + name + "': " + v + " is out of range; expected "
                    + min + " to " + max + ".");
        }
        return (int) x;
    }

    public static Long longValue(JsonNode obj, String name) {
        JsonNode v = present(obj, name);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber()) {
            throw wrongType(name, v, "an integer");
        }
        if (!v.canConvertToLong()) {
            throw ApiException.invalidRequest(name, "Invalid '" + name + "': " + v + " is out of range; expected "
                    + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ".");
        }
        return v.asLong();
    }

    public static Float number(JsonNode obj, String name, double min, double max) {
        JsonNode v = present(obj, name);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw wrongType(name, v, "a number");
        }
        double x = v.asDouble();
        if (!(x >= min && x <= max)) {
            throw ApiException.invalidRequest(name, "Invalid '" + name + "': " + v + " is out of range; expected "
                    + min + " to " + max + ".");
        }
        return (float) x;
    }

    /** {@code stop}: a string or an array of up to 4 strings. */
    public static List<String> stop(JsonNode obj) {
        JsonNode v = present(obj, "stop");
        if (v == null) {
            return List.of();
        }
        if (v.isTextual()) {
            return v.asText().isEmpty() ? List.of() : List.of(v.asText());
        }
        if (!v.isArray()) {
            throw wrongType("stop", v, "a string or an array of strings");
        }
        if (v.size() > 4) {
            throw ApiException.invalidRequest("stop", "Invalid 'stop': at most 4 sequences are allowed, got " + v.size() + ".");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode s = v.get(i);
            if (!s.isTextual()) {
                throw wrongType("stop[" + i + "]", s, "a string");
            }
            if (!s.asText().isEmpty()) {
                out.add(s.asText());
            }
        }
        return List.copyOf(out);
    }

    public static ApiException wrongType(String name, JsonNode v, String expected) {
        return ApiException.invalidRequest(name, "Invalid type for '" + name + "': expected " + expected
                + ", but got " + describe(v) + ".");
    }

    public static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isIntegralNumber()) {
            return "an integer";
        }
        if (v.isNumber()) {
            return "a decimal number";
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isObject()) {
            return "an object";
        }
        return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
