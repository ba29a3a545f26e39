package io.stellarchat.server.chat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** {@link KeyRecordStore} on the {@code api_keys} table; every write bumps {@code api_key_version} in its transaction. */
final class JdbcKeyRecordStore implements KeyRecordStore {
    private static final String COLUMNS = "id, name, owner, prefix, secret_hash, scopes, models, limits_json, cache,"
            + " disabled, expires_ms, revoked_ms, created_ms, updated_ms";
    private final Transactions tx;

    JdbcKeyRecordStore(Transactions tx) {
        this.tx = tx;
    }

    @Override
    public Optional<KeyRecord> findByHash(String secretHash) {
        return one("find key by hash", "SELECT " + COLUMNS + " FROM api_keys WHERE secret_hash = ?", secretHash);
    }

    @Override
    public Optional<KeyRecord> find(String id) {
        return one("find key " + id, "SELECT " + COLUMNS + " FROM api_keys WHERE id = ?", id);
    }

    private Optional<KeyRecord> one(String what, String sql, String arg) {
        return tx.read(what, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, arg);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? Optional.of(row(r)) : Optional.<KeyRecord>empty();
                }
            }
        });
    }

    @Override
    public List<KeyRecord> list() {
        return tx.read("list keys", c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_ms, id");
                 ResultSet r = s.executeQuery()) {
                List<KeyRecord> out = new ArrayList<>();
                while (r.next()) out.add(row(r));
                return out;
            }
        });
    }

    @Override
    public void insert(KeyRecord key) {
        tx.write("create key " + key.id(), c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO api_keys (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(s, key, 1);
                s.setLong(14, key.updated().toEpochMilli());
                s.executeUpdate();
            }
            bump(c);
            return null;
        });
    }

    @Override
    public boolean update(KeyRecord key) {
        return tx.write("update key " + key.id(), c -> {
            int n;
            try (PreparedStatement s = c.prepareStatement("UPDATE api_keys SET id = ?, name = ?, owner = ?, prefix = ?,"
                    + " secret_hash = ?, scopes = ?, models = ?, limits_json = ?, cache = ?, disabled = ?, expires_ms = ?,"
                    + " revoked_ms = ?, created_ms = ?, updated_ms = ? WHERE id = ?")) {
                bind(s, key, 1);
                s.setLong(14, key.updated().toEpochMilli());
                s.setString(15, key.id());
                n = s.executeUpdate();
            }
            if (n > 0) bump(c);
            return n > 0;
        });
    }

    @Override
    public long version() {
        return tx.read("key version", c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT version FROM api_key_version WHERE id = 1");
                 ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : 0L;
            }
        });
    }

    private static void bump(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE api_key_version SET version = version + 1 WHERE id = 1")) {
            s.executeUpdate();
        }
    }

    /** Binds columns 1–13 (everything but updated_ms) of {@link #COLUMNS}. */
    private static void bind(PreparedStatement s, KeyRecord k, int from) throws SQLException {
        s.setString(from, k.id());
        s.setString(from + 1, k.name());
        s.setString(from + 2, k.owner());
        s.setString(from + 3, k.prefix());
        s.setString(from + 4, k.secretHash());
        s.setString(from + 5, String.join(",", k.scopes()));
        s.setString(from + 6, String.join(",", k.models()));
        s.setString(from + 7, k.limitsJson());
        s.setBoolean(from + 8, k.cache());
        s.setBoolean(from + 9, k.disabled());
        millis(s, from + 10, k.expires());
        millis(s, from + 11, k.revoked());
        s.setLong(from + 12, k.created().toEpochMilli());
    }

    private static void millis(PreparedStatement s, int i, Instant t) throws SQLException {
        if (t == null) s.setNull(i, Types.BIGINT);
        else s.setLong(i, t.toEpochMilli());
    }

    private static KeyRecord row(ResultSet r) throws SQLException {
        return new KeyRecord(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                list(r.getString(6)), list(r.getString(7)), r.getString(8), r.getBoolean(9), r.getBoolean(10),
                instant(r, 11), instant(r, 12), Instant.ofEpochMilli(r.getLong(13)), Instant.ofEpochMilli(r.getLong(14)));
    }

    private static List<String> list(String csv) {
        return csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }

    private static Instant instant(ResultSet r, int i) throws SQLException {
        long v = r.getLong(i);
        return r.wasNull() ? null : Instant.ofEpochMilli(v);
    }
}
