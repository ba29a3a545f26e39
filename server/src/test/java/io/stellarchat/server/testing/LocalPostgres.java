package io.stellarchat.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A throw-away PostgreSQL server for tests, started from Debian's {@code postgresql} package binaries
 * ({@code /usr/lib/postgresql/N/bin}): {@code initdb} into a temporary directory, {@code pg_ctl start} listening
 * on 127.0.0.1 at a free port with its Unix socket in the same directory, password authentication over TCP.
 * Root may not run PostgreSQL, so as root the server runs as the {@code postgres} OS user ({@code runuser}).
 *
 * <p>One server per test JVM ({@link #shared()}, started on first use, stopped by a shutdown hook or
 * {@link #stop()}); each test gets a fresh database from {@link #newDatabase()}. Missing binaries fail the
 * test with the install command; they never skip it.
 */
public final class LocalPostgres {
    public static final String USER = "stellar";
    public static final String PASSWORD = "stellar-test-password";
    private static LocalPostgres shared;

    private final Path bin;
    private final Path root;
    private final Path dataDir;
    private final int port;
    private final boolean asPostgresUser;
    private final AtomicInteger databases = new AtomicInteger();
    private boolean running;

    private LocalPostgres(Path bin, Path root, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.root = root;
        this.dataDir = root.resolve("data");
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** The server of this JVM, started on first call. */
    public static synchronized LocalPostgres shared() {
        if (shared == null) {
            LocalPostgres pg = start();
            Runtime.getRuntime().addShutdownHook(new Thread(pg::stop, "stop-local-postgres"));
            shared = pg;
        }
        return shared;
    }

    /**
     * Registers {@link #shared()} to stop when the whole test run ends (JUnit closes {@link AutoCloseable}
     * values of the root store), before the JVM's shutdown hook would: {@code @ExtendWith} it on test classes
     * that use the shared server.
     */
    public static final class StopAtEndOfRun implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(LocalPostgres.class,
                    k -> (AutoCloseable) () -> shared().stop(), AutoCloseable.class);
        }
    }

    /** Finds the binaries, initialises a cluster in a temporary directory and starts it. */
    public static LocalPostgres start() {
        Path bin = findBin();
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path dir = Files.createTempDirectory("stellar-pg-");
            LocalPostgres pg = new LocalPostgres(bin, dir, freePort(), root);
            pg.initAndStart();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL from " + bin, e);
        }
    }

    static Path findBin() {
        return findBin(Path.of("/usr/lib/postgresql"));
    }

    /** The {@code bin} directory of the highest PostgreSQL version under {@code base}. */
    public static Path findBin(Path base) {
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb"))
                        && Files.isExecutable(b.resolve("pg_ctl"))).forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // Highest major version first: directories are named 13, 15, 16 ...
        found.sort(Comparator.comparingInt((Path b) -> majorVersion(b.getParent().getFileName().toString())).reversed());
        if (found.isEmpty()) {
            throw new IllegalStateException("PostgreSQL server binaries not found (looked for "
                    + base + "/*/bin/initdb and pg_ctl). The store tests need them: "
                    + "apt-get install postgresql");
        }
        return found.getFirst();
    }

    private static int majorVersion(String name) {
        return name.matches("\\d{1,4}") ? Integer.parseInt(name) : -1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void initAndStart() throws IOException {
        Path pwfile = root.resolve("pwfile");
        Files.writeString(pwfile, PASSWORD + "\n");
        if (asPostgresUser) run(List.of("chown", "-R", "postgres:postgres", root.toString()), false);
        run(List.of(bin.resolve("initdb").toString(), "-D", dataDir.toString(), "-U", USER, "--pwfile=" + pwfile,
                "--auth-host=scram-sha-256", "--auth-local=trust", "--no-locale", "-E", "UTF8", "--no-sync"), true);
        // fsync off: test data need not survive a power cut, and commits get much faster.
        String options = "-c listen_addresses=127.0.0.1 -p " + port + " -k " + root
                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-l", root.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", options, "start"), true);
        running = true;
    }

    /** Stops the server at once and deletes its files; idempotent. */
    public synchronized void stop() {
        if (!running) return;
        running = false;
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "immediate", "-w", "stop"), true);
        } catch (RuntimeException | IOException e) {
            System.err.println("stopping PostgreSQL failed: " + e.getMessage());
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("cannot delete " + root + ": " + e.getMessage());
        }
    }

    /** A new empty database on this server, returned as its JDBC URL. */
    public String newDatabase() {
        String name = "stellar_test_" + databases.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, PASSWORD);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + url("postgres"), e);
        }
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public int port() {
        return port;
    }

    private void run(List<String> command, boolean asPostgres) throws IOException {
        List<String> full = new ArrayList<>();
        if (asPostgres && asPostgresUser) full.addAll(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(command);
        // Output to a file, not a pipe: the server pg_ctl leaves running must not hold our pipe open.
        Path output = Files.createTempFile("stellar-pg-cmd-", ".log");
        Process p = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", full));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted: " + String.join(" ", full), e);
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        Files.deleteIfExists(output);
        if (p.exitValue() != 0) {
            String log = "";
            Path serverLog = root.resolve("server.log");
            if (Files.isReadable(serverLog)) log = "\nserver.log:\n" + Files.readString(serverLog);
            throw new IllegalStateException("exit " + p.exitValue() + ": " + String.join(" ", full) + "\n" + out + log);
        }
    }
}
