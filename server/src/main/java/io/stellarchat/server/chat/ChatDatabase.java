package io.stellarchat.server.chat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stellarchat.server.config.DatabaseConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat database: opens the connection pools, brings the schema up to date and hands out the
 * {@link HistoryStore}, {@link AuditLog} and {@link ModelRecordStore} that share it, and the
 * {@link PartialReplyWriter} that writes generating replies' text as it grows. One per process, made by the composition root;
 * {@link #close()} (idempotent) ends the instance's {@link #lease()} and closes the pools. Each open is one
 * service instance with a fresh random id (logged), which marks the replies it generates.
 *
 * <p>SQLite (the default, a file in the data directory) allows one writer at a time, so writes go through a
 * pool of exactly one connection (threads queue in the pool rather than spin on {@code SQLITE_BUSY}), which
 * opens its transactions {@code IMMEDIATE}; reads use a separate pool of {@code pool_size} connections made
 * read-only with {@code PRAGMA query_only}. Every connection runs in WAL mode with foreign keys on,
 * {@code synchronous=FULL} (a committed message survives power loss) and a busy timeout for other processes
 * on the same file. PostgreSQL uses one pool of {@code pool_size} connections for both.
 *
 * <p>Migrations run on a short-lived pool of their own before the real pools open, so Flyway may take the
 * connections it wants; Flyway's history table makes a second open a no-op, and on PostgreSQL its lock lets
 * several instances start at once.
 */
public final class ChatDatabase implements AutoCloseable {
    /** The SQLite file's name in the data directory. */
    public static final String SQLITE_FILE = "stellar.db";
    static final int BUSY_TIMEOUT_MS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(ChatDatabase.class);

    private final String url;
    private final boolean sqlite;
    private final HikariDataSource writer;
    private final HikariDataSource reader; // == writer for PostgreSQL
    private final HistoryStore history;
    private final AuditLog audit;
    private final ModelRecordStore modelRecords;
    private final KeyRecordStore keys;
    private final UsageLedger usage;
    private final InstanceLease lease;
    private final PartialReplyWriter partialReplies;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ChatDatabase(String url, boolean sqlite, HikariDataSource writer, HikariDataSource reader, Clock clock,
                         DatabaseConfig config) {
        this.url = url;
        this.sqlite = sqlite;
        this.writer = writer;
        this.reader = reader;
        TimeOrderedIds ids = new TimeOrderedIds(clock);
        Transactions tx = new Transactions(writer, reader);
        String instanceId = java.util.UUID.randomUUID().toString();
        JdbcHistoryStore store = new JdbcHistoryStore(tx, ids, clock, sqlite, instanceId);
        this.history = store;
        this.lease = new InstanceLease(instanceId, tx, clock, store);
        LOG.info("service instance id {}", instanceId);
        this.audit = new JdbcAuditLog(tx, ids, clock);
        this.modelRecords = new JdbcModelRecordStore(tx, clock);
        this.keys = new JdbcKeyRecordStore(tx);
        this.usage = new UsageLedger(tx, sqlite);
        this.partialReplies = new PartialReplyWriter(store, config.partialReplyTokens(), config.partialReplyInterval());
    }

    /**
     * The writer of generating replies' text (its {@code partial-reply-writer} thread runs from open to
     * {@link #close()}); session turns hand it their text as it grows.
     */
    public PartialReplyWriter partialReplies() {
        return partialReplies;
    }

    /** The usage table: model calls per owner, key and model. */
    public UsageLedger usage() {
        return usage;
    }

    /**
     * Opens the configured database and migrates its schema.
     *
     * @param config  URL (empty: SQLite {@value #SQLITE_FILE} in {@code dataDir}), user, password, pool size
     * @param dataDir the data directory; created and used only when {@code config.url()} is empty
     * @param clock   the time stamped on rows and ids
     * @throws StoreException when the database cannot be reached or migrated
     * @throws UncheckedIOException when the data directory cannot be created
     */
    public static ChatDatabase open(DatabaseConfig config, Path dataDir, Clock clock) {
        String url = config.embedded() ? sqliteUrl(dataDir) : config.url();
        boolean sqlite = url.startsWith("jdbc:sqlite:");
        migrate(url, config, sqlite);
        if (sqlite) {
            HikariDataSource writer = pool(url, config, true, "stellar-db-write", 1, false);
            try {
                return new ChatDatabase(url, true, writer,
                        pool(url, config, true, "stellar-db-read", config.poolSize(), true), clock, config);
            } catch (RuntimeException e) {
                writer.close();
                throw e;
            }
        }
        HikariDataSource pool = pool(url, config, false, "stellar-db", config.poolSize(), false);
        return new ChatDatabase(url, false, pool, pool, clock, config);
    }

    private static String sqliteUrl(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dataDir, e);
        }
        return "jdbc:sqlite:" + dataDir.resolve(SQLITE_FILE).toAbsolutePath();
    }

    private static void migrate(String url, DatabaseConfig config, boolean sqlite) {
        try (HikariDataSource ds = pool(url, config, sqlite, "stellar-db-migrate", 2, false)) {
            var result = Flyway.configure()
                    .dataSource(ds)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            LOG.info("chat database {}: schema version {}, {} migration(s) applied", redact(url),
                    result.targetSchemaVersion == null ? "unchanged" : result.targetSchemaVersion,
                    result.migrationsExecuted);
        } catch (FlywayException e) {
            throw new StoreException("migrating " + redact(url), e);
        } catch (RuntimeException e) {
            // Hikari fails fast when the first connection cannot be made (wrong host, password, file).
            throw new StoreException("opening " + redact(url), e);
        }
    }

    private static HikariDataSource pool(String url, DatabaseConfig config, boolean sqlite, String name, int size,
                                         boolean readOnly) {
        HikariConfig h = new HikariConfig();
        h.setPoolName(name);
        h.setJdbcUrl(url);
        if (!config.user().isEmpty()) h.setUsername(config.user());
        if (!config.password().reveal().isEmpty()) h.setPassword(config.password().reveal());
        h.setMaximumPoolSize(size);
        h.setMinimumIdle(Math.min(size, 2));
        h.setConnectionTimeout(30_000);
        if (sqlite) {
            // sqlite-jdbc applies these connection properties as PRAGMAs when it opens a connection.
            h.addDataSourceProperty("journal_mode", "WAL");
            h.addDataSourceProperty("foreign_keys", "true");
            h.addDataSourceProperty("busy_timeout", Integer.toString(BUSY_TIMEOUT_MS));
            h.addDataSourceProperty("synchronous", "FULL");
            if (readOnly) h.setConnectionInitSql("PRAGMA query_only = 1");
            else h.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        }
        return new HikariDataSource(h);
    }

    /** A URL without anything after {@code ?} (where passwords may hide). */
    static String redact(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?…";
    }

    /** The write pool (tests check its connection settings). */
    javax.sql.DataSource writer() {
        return writer;
    }

    /** The read pool; the write pool for PostgreSQL. */
    javax.sql.DataSource reader() {
        return reader;
    }

    public HistoryStore history() {
        return history;
    }

    public AuditLog audit() {
        return audit;
    }

    /** The model registry's rows (admin API entries and status overrides) shared by every replica. */
    public ModelRecordStore modelRecords() {
        return modelRecords;
    }

    /** The managed API keys. */
    public KeyRecordStore keys() {
        return keys;
    }

    /**
     * This instance's lease (its id, stamped on the replies it generates, and the heartbeat that keeps other
     * replicas from recovering them); started by the service, ended by {@link #close()}.
     */
    public InstanceLease lease() {
        return lease;
    }

    /**
     * Registers {@code stellar_db_connections{pool, state}} gauges (state {@code active}, {@code idle},
     * {@code total}) for this database's pools, read from Hikari's pool bean at scrape time, so a leak of
     * connections shows on {@code /metrics} (the soak benchmark watches it).
     */
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        for (HikariDataSource pool : reader == writer ? java.util.List.of(writer) : java.util.List.of(writer, reader)) {
            String name = pool.getPoolName();
            io.micrometer.core.instrument.Gauge.builder("stellar_db_connections", pool,
                            p -> p.getHikariPoolMXBean() == null ? 0 : p.getHikariPoolMXBean().getActiveConnections())
                    .tag("pool", name).tag("state", "active").register(registry);
            io.micrometer.core.instrument.Gauge.builder("stellar_db_connections", pool,
                            p -> p.getHikariPoolMXBean() == null ? 0 : p.getHikariPoolMXBean().getIdleConnections())
                    .tag("pool", name).tag("state", "idle").register(registry);
            io.micrometer.core.instrument.Gauge.builder("stellar_db_connections", pool,
                            p -> p.getHikariPoolMXBean() == null ? 0 : p.getHikariPoolMXBean().getTotalConnections())
                    .tag("pool", name).tag("state", "total").register(registry);
        }
    }

    /** True for the SQLite database, false for PostgreSQL. */
    public boolean isSqlite() {
        return sqlite;
    }

    /** The JDBC URL in use (query part redacted). */
    public String url() {
        return redact(url);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        partialReplies.close(); // before the lease: its last writes need this instance's rows still generating
        lease.close();
        if (reader != writer) reader.close();
        writer.close();
    }
}
