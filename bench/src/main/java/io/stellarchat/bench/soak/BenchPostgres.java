package io.stellarchat.bench.soak;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server for {@code bench kills}, the same way the server's tests start one
 * ({@code LocalPostgres}): Debian's binaries under {@code /usr/lib/postgresql/N/bin}, {@code initdb} into a scratch
 * directory, {@code pg_ctl start} on 127.0.0.1 at a free port, as the {@code postgres} OS user when run as root.
 * Unlike the tests' server this one keeps {@code fsync} and synchronous commit on: the benchmark measures
 * durability. {@link #close()} stops it ({@code immediate}) and deletes its files.
 */
final class BenchPostgres implements AutoCloseable {
    static final String USER = "stellar";
    static final String PASSWORD = "stellar-bench-password";
    private final Path bin;
    private final Path root;
    private final int port;
    private final boolean asPostgres = "root".equals(System.getProperty("user.name"));
    private boolean running;

    private BenchPostgres(Path bin, Path root, int port) {
        this.bin = bin;
        this.root = root;
        this.port = port;
    }

    static BenchPostgres start() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        List<Path> bins = new ArrayList<>();
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                        .map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb"))).forEach(bins::add);
            }
        }
        bins.sort(Comparator.comparingInt((Path b) -> Integer.parseInt(b.getParent().getFileName().toString())).reversed());
        if (bins.isEmpty()) throw new IOException("PostgreSQL binaries not found under " + base + ": apt-get install postgresql");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        BenchPostgres pg = new BenchPostgres(bins.getFirst(), Files.createTempDirectory("stellar-bench-pg-"), port);
        pg.initAndStart();
        return pg;
    }

    private void initAndStart() throws IOException {
        Path pwfile = root.resolve("pwfile");
        Files.writeString(pwfile, PASSWORD + "\n");
        if (asPostgres) run(List.of("chown", "-R", "postgres:postgres", root.toString()), false);
        Path data = root.resolve("data");
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--pwfile=" + pwfile,
                "--auth-host=scram-sha-256", "--auth-local=trust", "--no-locale", "-E", "UTF8"), true);
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", root.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -k " + root
                        + " -c max_connections=100", "start"), true);
        running = true;
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, PASSWORD);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE stellar");
        } catch (SQLException e) {
            throw new IOException("creating the database", e);
        }
    }

    String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /**
     * PostgreSQL's own consistency checks of the chat tables: {@code amcheck}'s {@code bt_index_check} (with
     * {@code heapallindexed}: every heap tuple has its index entry) on every B-tree index of the public schema, and
     * {@code verify_heapam} on every table. Returns the problems found.
     */
    List<String> amcheck() throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url("stellar"), USER, PASSWORD);
             Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS amcheck");
            List<String> indexes = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    + "JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'btree' AND c.relnamespace = 'public'::regnamespace")) {
                while (r.next()) indexes.add(r.getString(1));
            }
            for (String index : indexes) {
                try {
                    s.execute("SELECT bt_index_check('public.\"" + index + "\"'::regclass, true)");
                } catch (SQLException e) {
                    problems.add("index " + index + ": " + e.getMessage());
                }
            }
            List<String> tables = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
                while (r.next()) tables.add(r.getString(1));
            }
            for (String table : tables) {
                try (ResultSet r = s.executeQuery("SELECT blkno, offnum, msg FROM verify_heapam('public.\"" + table + "\"'::regclass)")) {
                    while (r.next()) problems.add("table " + table + " block " + r.getLong(1) + ": " + r.getString(3));
                }
            }
            if (indexes.isEmpty() || tables.isEmpty()) problems.add("no tables or indexes found to check");
        }
        return problems;
    }

    @Override
    public synchronized void close() {
        if (!running) return;
        running = false;
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", root.resolve("data").toString(), "-m", "immediate", "-w",
                    "stop"), true);
        } catch (IOException | RuntimeException e) {
            System.err.println("stopping PostgreSQL failed: " + e.getMessage());
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("cannot delete " + root + ": " + e.getMessage());
        }
    }

    private void run(List<String> command, boolean asPostgresUser) throws IOException {
        List<String> full = new ArrayList<>();
        if (asPostgresUser && asPostgres) full.addAll(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(command);
        Path output = Files.createTempFile("stellar-bench-pg-", ".log");
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", full));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted: " + String.join(" ", full), e);
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        Files.deleteIfExists(output);
        if (p.exitValue() != 0) throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", full) + "\n" + out);
    }
}
