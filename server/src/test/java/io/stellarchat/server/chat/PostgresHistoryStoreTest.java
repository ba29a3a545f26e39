package io.stellarchat.server.chat;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.testing.LocalPostgres;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HistoryStoreContract} on PostgreSQL: one local server per test JVM ({@link LocalPostgres#shared()}),
 * a new database per test.
 */
@ExtendWith(LocalPostgres.StopAtEndOfRun.class)
class PostgresHistoryStoreTest extends HistoryStoreContract {
    private String url;

    private static DatabaseConfig config(String url, String password) {
        return new DatabaseConfig(url, LocalPostgres.USER, new Secret(password), 4);
    }

    @Override
    ChatDatabase openFresh(Clock clock) {
        url = LocalPostgres.shared().newDatabase();
        return ChatDatabase.open(config(url, LocalPostgres.PASSWORD), null, clock);
    }

    @Override
    ChatDatabase reopen(Clock clock) {
        return ChatDatabase.open(config(url, LocalPostgres.PASSWORD), null, clock);
    }

    @Test
    void missingServerBinariesFailWithTheInstallCommand(@TempDir Path empty) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalPostgres.findBin(empty));
        assertTrue(e.getMessage().contains("apt-get install postgresql"), e.getMessage());
    }

    @Test
    void runsOnPostgresql() {
        assertFalse(db.isSqlite());
        assertTrue(db.url().startsWith("jdbc:postgresql://127.0.0.1:"), db.url());
    }

    @Test
    void aWrongPasswordFailsWithAStoreExceptionNamingTheDatabase() {
        StoreException e = assertThrows(StoreException.class,
                () -> ChatDatabase.open(config(url, "wrong-password"), null, Clock.systemUTC()));
        assertTrue(e.getMessage().contains(url), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-password"), e.getMessage());
    }
}
