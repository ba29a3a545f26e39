package io.stellarchat.server.chat;

import java.util.List;
import java.util.Optional;

/**
 * Managed API keys on the chat database ({@code api_keys}), shared by every replica. Every write is committed
 * before it returns and moves {@link #version()} in the same transaction.
 *
 * <p>Threads: safe for concurrent use.
 */
public interface KeyRecordStore {
    /** The key whose secret hashes to {@code secretHash} (revoked, disabled and expired ones too), if any. */
    Optional<KeyRecord> findByHash(String secretHash);

    /** The key {@code id}, if any. */
    Optional<KeyRecord> find(String id);

    /** Every key, revoked ones included, oldest first. */
    List<KeyRecord> list();

    /** Inserts a new key. */
    void insert(KeyRecord key);

    /** Replaces the stored row of {@code key.id()} (its hash may change: rotation); false when there is none. */
    boolean update(KeyRecord key);

    /** A number that changes whenever any key changes (for cache invalidation on every replica). */
    long version();
}
