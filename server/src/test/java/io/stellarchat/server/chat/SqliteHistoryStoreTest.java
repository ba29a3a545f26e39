package io.stellarchat.server.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HistoryStoreContract} on the embedded SQLite file, plus what only SQLite has: pragmas, the file. */
class SqliteHistoryStoreTest extends HistoryStoreContract {
    static final DatabaseConfig EMBEDDED = new DatabaseConfig("", "", new Secret(""), 4);
    @TempDir
    Path dataDir;

    @Override
    ChatDatabase openFresh(Clock clock) {
        return ChatDatabase.open(EMBEDDED, dataDir, clock);
    }

    @Override
    ChatDatabase reopen(Clock clock) {
        return ChatDatabase.open(EMBEDDED, dataDir, clock);
    }

    private static String pragma(DataSource ds, String name) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("PRAGMA " + name)) {
            assertTrue(r.next(), name);
            return r.getString(1);
        }
    }

    @Test
    void everyConnectionRunsWalWithForeignKeysAndABusyTimeout() throws SQLException {
        assertTrue(db.isSqlite());
        for (DataSource ds : List.of(db.writer(), db.reader())) {
            assertEquals("wal", pragma(ds, "journal_mode"));
            assertEquals("1", pragma(ds, "foreign_keys"));
            assertEquals(Integer.toString(ChatDatabase.BUSY_TIMEOUT_MS), pragma(ds, "busy_timeout"));
            assertEquals("2", pragma(ds, "synchronous"), "FULL");
        }
        assertEquals("1", pragma(db.reader(), "query_only"));
        assertEquals("0", pragma(db.writer(), "query_only"));
    }

    @Test
    void foreignKeysAreEnforced() throws SQLException {
        try (Connection c = db.writer().getConnection(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO chat_messages (id, "
                    + "session_id, role, content, status, prompt_tokens, completion_tokens, prompt_ms, generation_ms, "
                    + "created_ms) VALUES ('x', 'no-such-session', 'user', '', 'complete', 0, 0, 0, 0, 0)"));
            assertTrue(e.getMessage().contains("FOREIGN KEY"), e.getMessage());
        }
    }

    @Test
    void theDefaultDatabaseIsStellarDbInTheDataDirectory() {
        Path nested = dataDir.resolve("not/yet/there");
        try (ChatDatabase other = ChatDatabase.open(EMBEDDED, nested, clock)) {
            other.history().createSession(NewSession.of("alice", "m"));
            assertTrue(Files.isRegularFile(nested.resolve(ChatDatabase.SQLITE_FILE)));
            assertTrue(other.url().endsWith("not/yet/there/stellar.db"), other.url());
        }
    }

    @Test
    void reopeningTheSameFileKeepsDataAndAppliesNoMigrationTwice() throws SQLException, java.io.IOException {
        ChatSession s = store.createSession(NewSession.of("alice", "m"));
        store.appendMessage("alice", s.id(), NewMessage.user("persisted")).orElseThrow();
        try (ChatDatabase alongside = reopen(clock)) { // a second open while the first is still open
            assertEquals(Optional.of(s), alongside.history().getSession("alice", s.id()));
        }
        db.close();
        db = reopen(clock);
        store = db.history();
        assertEquals(Optional.of(s), store.getSession("alice", s.id()));
        assertEquals("persisted", store.listMessages("alice", s.id(), 5, null).orElseThrow().items().getFirst().content());
        try (Connection c = db.reader().getConnection(); Statement st = c.createStatement();
             ResultSet r = st.executeQuery("SELECT version, success FROM flyway_schema_history ORDER BY installed_rank")) {
            List<String> applied = new java.util.ArrayList<>();
            while (r.next()) {
                assertTrue(r.getBoolean(2));
                applied.add(r.getString(1));
            }
            List<String> shipped;
            try (var files = java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources/db/migration"))) {
                shipped = files.map(f -> f.getFileName().toString().replaceFirst("^V(\\d+)__.*", "$1"))
                        .sorted(java.util.Comparator.comparingInt(Integer::parseInt)).toList();
            }
            assertEquals(shipped, applied, "each migration recorded once");
        }
    }

    @Test
    void aFileThatIsNotADatabaseFailsWithAStoreException() throws Exception {
        Path bad = dataDir.resolve("bad");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve(ChatDatabase.SQLITE_FILE), "this is not an SQLite file, just text ".repeat(100));
        StoreException e = assertThrows(StoreException.class, () -> ChatDatabase.open(EMBEDDED, bad, clock));
        assertTrue(e.getMessage().contains("stellar.db"), e.getMessage());
    }
}
