package io.stellarchat.server.chat;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link ModelRecordStore} on the {@code gateway_models} table. The upsert is {@code INSERT … ON CONFLICT (id)
 * DO UPDATE}, which SQLite (3.24+) and PostgreSQL (9.5+) both understand.
 */
final class JdbcModelRecordStore implements ModelRecordStore {
    private final Transactions tx;
    private final Clock clock;

    JdbcModelRecordStore(Transactions tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    @Override
    public List<ModelRecord> list() {
        return tx.read("list model records", c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT id, entry_json, online, updated_ms FROM gateway_models ORDER BY id");
                 ResultSet r = s.executeQuery()) {
                List<ModelRecord> out = new ArrayList<>();
                while (r.next()) {
                    out.add(new ModelRecord(r.getString(1), r.getString(2), r.getBoolean(3),
                            Instant.ofEpochMilli(r.getLong(4))));
                }
                return out;
            }
        });
    }

    @Override
    public ModelRecord put(String id, String entryJson, boolean online) {
        if (entryJson != null) JsonText.requireObject("entry_json", entryJson);
        ModelRecord row = new ModelRecord(id, entryJson, online, Instant.ofEpochMilli(clock.millis()));
        return tx.write("store model record " + id, c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO gateway_models (id, entry_json, online, updated_ms) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT (id) DO UPDATE SET entry_json = excluded.entry_json,"
                            + " online = excluded.online, updated_ms = excluded.updated_ms")) {
                s.setString(1, row.id());
                if (entryJson == null) s.setNull(2, Types.VARCHAR);
                else s.setString(2, entryJson);
                s.setBoolean(3, online);
                s.setLong(4, row.updated().toEpochMilli());
                s.executeUpdate();
            }
            return row;
        });
    }

    @Override
    public boolean delete(String id) {
        return tx.write("delete model record " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM gateway_models WHERE id = ?")) {
                s.setString(1, id);
                return s.executeUpdate() > 0;
            }
        });
    }
}
