package io.stellarchat.server.chat;

import java.util.List;

/**
 * The model registry's rows on the chat database ({@code gateway_models}): what the admin API made or changed,
 * read by every replica's gateway. Every write is committed before it returns.
 *
 * <p>Threads: safe for concurrent use.
 */
public interface ModelRecordStore {
    /** Every row, ordered by id. */
    List<ModelRecord> list();

    /**
     * Inserts or replaces the row of {@code id}, stamped with the store's clock.
     *
     * @param entryJson the entry as JSON, or null for a status-only row
     * @return the row as stored
     */
    ModelRecord put(String id, String entryJson, boolean online);

    /** Removes the row of {@code id}; false when there was none. */
    boolean delete(String id);
}
