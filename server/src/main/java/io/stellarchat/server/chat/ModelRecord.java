package io.stellarchat.server.chat;

import java.time.Instant;
import java.util.Objects;

/**
 * One row of the model registry the gateway shares between replicas. The chat package stores it as text and
 * does not read the entry: checking and parsing it is the gateway's (through the composition root's adapter).
 *
 * @param id        the model id
 * @param entryJson the whole entry as JSON in the {@code models.list} shape for a model made through the admin
 *                  API; null for a configuration-file entry, of which only the status is stored
 * @param online    whether the model answers itself
 * @param updated   when the row was last written (set by the store)
 */
public record ModelRecord(String id, String entryJson, boolean online, Instant updated) {
    public ModelRecord {
        JsonText.requireName("id", id);
        Objects.requireNonNull(updated, "updated");
    }
}
