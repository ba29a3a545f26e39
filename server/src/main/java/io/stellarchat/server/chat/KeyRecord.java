package io.stellarchat.server.chat;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One managed API key as stored: never the secret, only its SHA-256 and a display prefix. The chat package
 * stores the limits as text and does not read them: that is {@code limits}' business.
 *
 * @param id         stable id ({@code key_…}), what the admin API addresses
 * @param name       a label for people
 * @param owner      whose sessions, history and audit entries the key sees
 * @param prefix     the first characters of the secret, for display and logs
 * @param secretHash SHA-256 of the secret, lower-case hex
 * @param scopes     granted scopes ({@code chat}, {@code embeddings}, {@code sessions}, {@code admin})
 * @param models     model ids the key may use, or {@code *}
 * @param limitsJson the key's limits as a JSON object (may be {@code {}})
 * @param cache      whether the response and embedding caches serve this key
 * @param disabled   switched off by PATCH (can be switched on again)
 * @param expires    when the key stops working, or null
 * @param revoked    when DELETE revoked it (for good), or null
 * @param created    when it was created
 * @param updated    when it was last changed
 */
public record KeyRecord(String id, String name, String owner, String prefix, String secretHash, List<String> scopes,
                        List<String> models, String limitsJson, boolean cache, boolean disabled, Instant expires,
                        Instant revoked, Instant created, Instant updated) {
    public KeyRecord {
        JsonText.requireName("id", id);
        JsonText.requireName("owner", owner);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(secretHash, "secretHash");
        scopes = List.copyOf(scopes);
        models = List.copyOf(models);
        JsonText.requireObject("limits_json", limitsJson);
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(updated, "updated");
    }

    /** The same key with another secret (rotation). */
    public KeyRecord withSecret(String newPrefix, String newHash, Instant at) {
        return new KeyRecord(id, name, owner, newPrefix, newHash, scopes, models, limitsJson, cache, disabled, expires,
                revoked, created, at);
    }
}
