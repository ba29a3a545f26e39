package io.stellarchat.server.limits;

import java.util.Map;
import java.util.Objects;

/**
 * A caller's limits: across all models, and per model on top (both must admit a request).
 *
 * @param all      limits over every model together
 * @param perModel limits on one model each, by model id
 */
public record KeyLimits(LimitSpec all, Map<String, LimitSpec> perModel) {
    /** No limits at all. */
    public static final KeyLimits NONE = new KeyLimits(LimitSpec.NONE, Map.of());

    public KeyLimits {
        Objects.requireNonNull(all, "all");
        perModel = Map.copyOf(perModel);
    }

    /** Whether nothing is limited. */
    public boolean isEmpty() {
        return all.isEmpty() && perModel.values().stream().allMatch(LimitSpec::isEmpty);
    }

    /** Whether a request for {@code model} needs a token estimate. */
    public boolean limitsTokens(String model) {
        LimitSpec m = perModel.get(model);
        return all.limitsTokens() || m != null && m.limitsTokens();
    }
}
