package io.stellarchat.server.gateway;

import io.stellarchat.server.config.ModelEntry;
import java.util.List;
import java.util.Objects;

/**
 * Where model entries made through the admin API, and status changes of any entry, are kept so that every
 * replica sees them: the shared database. Each replica's gateway re-reads it every few seconds.
 *
 * <p>Threads: implementations are safe for concurrent use.
 */
public interface ModelCatalog {

    /**
     * One stored row.
     *
     * @param id     the model id
     * @param entry  the whole entry for one made through the API; null for a configuration-file entry, of which
     *               only the status is stored
     * @param online its status
     */
    record Stored(String id, ModelEntry entry, boolean online) {
        public Stored {
            Objects.requireNonNull(id, "id");
        }
    }

    /** Every stored row. */
    List<Stored> load();

    /** Inserts or replaces the row of {@code s.id()}. */
    void put(Stored s);

    /** Removes the row of {@code id}; false when there was none. */
    boolean delete(String id);
}
