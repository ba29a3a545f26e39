package io.stellarchat.server.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The JSON form of {@link KeyLimits}, the same in the admin API and in the database:
 * {@code {"requests_per_minute": 60, "tokens_per_minute": 40000, "max_concurrent": 4, "tokens_per_day": 0,
 * "tokens_per_month": 0, "models": {"<model id>": {…the same fields…}}}}; absent or 0 means no limit.
 */
public final class LimitsJson {
    static final String RPM = "requests_per_minute";
    static final String TPM = "tokens_per_minute";
    static final String CONCURRENT = "max_concurrent";
    static final String PER_DAY = "tokens_per_day";
    static final String PER_MONTH = "tokens_per_month";
    private static final Set<String> FIELDS = Set.of(RPM, TPM, CONCURRENT, PER_DAY, PER_MONTH);

    private LimitsJson() {}

    /**
     * Reads limits.
     *
     * @param node  the object (null or JSON null: no limits)
     * @param where the field's name for messages ({@code limits})
     * @throws IllegalArgumentException naming the bad field
     */
    public static KeyLimits read(JsonNode node, String where) {
        if (node == null || node.isNull()) return KeyLimits.NONE;
        if (!node.isObject()) throw new IllegalArgumentException("'" + where + "' must be an object");
        Map<String, LimitSpec> perModel = new LinkedHashMap<>();
        JsonNode models = node.get("models");
        if (models != null && !models.isNull()) {
            if (!models.isObject()) throw new IllegalArgumentException("'" + where + ".models' must be an object of model ids");
            for (var e : models.properties()) {
                perModel.put(e.getKey(), spec(e.getValue(), where + ".models." + e.getKey(), false));
            }
        }
        return new KeyLimits(spec(node, where, true), perModel);
    }

    private static LimitSpec spec(JsonNode node, String where, boolean allowModels) {
        if (!node.isObject()) throw new IllegalArgumentException("'" + where + "' must be an object");
        for (var name : (Iterable<String>) node::fieldNames) {
            if (!FIELDS.contains(name) && !(allowModels && name.equals("models"))) {
                throw new IllegalArgumentException("unknown field '" + where + "." + name + "'; allowed: " + RPM + ", "
                        + TPM + ", " + CONCURRENT + ", " + PER_DAY + ", " + PER_MONTH + (allowModels ? ", models" : ""));
            }
        }
        return new LimitSpec(count(node, RPM, where), count(node, TPM, where), count(node, CONCURRENT, where),
                count(node, PER_DAY, where), count(node, PER_MONTH, where));
    }

    private static long count(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return 0;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw new IllegalArgumentException("'" + where + "." + field + "' must be a whole number from 0 (0 = no limit)");
        }
        return v.asLong();
    }

    /** Writes limits (only the limits that are set). */
    public static ObjectNode write(ObjectMapper json, KeyLimits limits) {
        ObjectNode o = json.createObjectNode();
        put(o, limits.all());
        if (!limits.perModel().isEmpty()) {
            ObjectNode m = o.putObject("models");
            limits.perModel().forEach((id, spec) -> put(m.putObject(id), spec));
        }
        return o;
    }

    private static void put(ObjectNode o, LimitSpec s) {
        if (s.requestsPerMinute() > 0) o.put(RPM, s.requestsPerMinute());
        if (s.tokensPerMinute() > 0) o.put(TPM, s.tokensPerMinute());
        if (s.maxConcurrent() > 0) o.put(CONCURRENT, s.maxConcurrent());
        if (s.tokensPerDay() > 0) o.put(PER_DAY, s.tokensPerDay());
        if (s.tokensPerMonth() > 0) o.put(PER_MONTH, s.tokensPerMonth());
    }
}
