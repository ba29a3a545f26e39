package io.stellarchat.server.chat;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Runs units of work on the store's connections: writes in one committed transaction on the write pool,
 * reads in auto-commit on the read pool (for SQLite two pools, so reads never queue behind the single writer;
 * for PostgreSQL the same pool). SQL failures become {@link StoreException} naming the operation.
 */
final class Transactions {
    /** A unit of work on one connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource writer;
    private final DataSource reader;

    Transactions(DataSource writer, DataSource reader) {
        this.writer = writer;
        this.reader = reader;
    }

    /** Runs {@code work} in a transaction and commits it before returning; rolls back on any exception. */
    <T> T write(String operation, Work<T> work) {
        try (Connection c = writer.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            // No finally that restores auto-commit: the pool resets it when the connection returns, and a
            // failing reset must not hide the exception that matters.
        } catch (SQLException e) {
            throw new StoreException(operation, e);
        }
    }

    /** Runs {@code work} on a read connection in auto-commit mode. */
    <T> T read(String operation, Work<T> work) {
        try (Connection c = reader.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(operation, e);
        }
    }
}
