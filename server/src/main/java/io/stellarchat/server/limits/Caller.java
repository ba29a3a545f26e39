package io.stellarchat.server.limits;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling, as authentication found it: what the request may do and whose data it sees.
 *
 * @param id      stable id for limits and audit: a managed key's id, {@code static-<prefix>} for a configured
 *                key, {@code anonymous} without one
 * @param prefix  the key's display prefix (never the secret), empty without a key
 * @param owner   whose sessions, history and audit entries the caller sees
 * @param scopes  what it may do
 * @param models  the model ids it may use; {@code *} in the set means any
 * @param limits  its rate limits (the configured default when the key sets none)
 * @param cache   whether the caches serve it
 */
public record Caller(String id, String prefix, String owner, Set<Scope> scopes, Set<String> models, KeyLimits limits,
                     boolean cache) {
    /** Any model. */
    public static final String ANY_MODEL = "*";

    public Caller {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(owner, "owner");
        scopes = Set.copyOf(scopes);
        models = Set.copyOf(models);
        Objects.requireNonNull(limits, "limits");
    }

    /** Whether the caller holds {@code scope}. */
    public boolean has(Scope scope) {
        return scopes.contains(scope);
    }

    /** Whether the caller may use the model {@code id} (its canonical id or the name it asked for). */
    public boolean mayUse(String modelId) {
        return models.contains(ANY_MODEL) || models.contains(modelId);
    }

    /** The same caller with other limits. */
    public Caller withLimits(KeyLimits newLimits) {
        return new Caller(id, prefix, owner, scopes, models, newLimits, cache);
    }
}
