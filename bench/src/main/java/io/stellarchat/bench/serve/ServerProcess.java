package io.stellarchat.bench.serve;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code stellar serve --model FILE} child process on a free port, for a benchmark run that brings its own
 * server: started with the same JVM flags as the launcher, its data directory and log in a scratch
 * directory, ready once {@code GET /health} answers 200. {@link #close()} stops it (SIGTERM, then SIGKILL
 * after 10 s). Idempotent.
 */
public final class ServerProcess implements AutoCloseable {
    private static final List<String> JVM_FLAGS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "--sun-misc-unsafe-memory-access=allow");

    private final Process process;
    private final URI url;
    private final Path log;

    private ServerProcess(Process process, URI url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /**
     * The class path of the built server: {@code server/target/stellar-server.jar} and its libraries under
     * {@code home} (the project root; the launcher passes it as {@code stellar.home}).
     */
    public static String builtClassPath(Path home) throws NoSuchFileException {
        Path jar = home.resolve("server/target/stellar-server.jar");
        if (!Files.isRegularFile(jar)) {
            throw new NoSuchFileException(jar.toString(), null,
                    "the server jar is not built (./stellar builds it; or ./mvnw -B -q -DskipTests package)");
        }
        return jar + File.pathSeparator + home.resolve("server/target/lib") + File.separator + "*";
    }

    /**
     * Starts the server and waits until it is healthy.
     *
     * @param classPath where {@code io.stellarchat.server.cli.Main} and its libraries are
     * @param model     the GGUF file to serve
     * @param sets      {@code KEY=VALUE} configuration passed as {@code --set}
     * @param scratch   directory for the server's data and its log ({@code server.log})
     * @param timeout   how long to wait for {@code /health}
     * @throws IOException when it cannot start, exits, or is not healthy in time (the log's tail is in the message)
     */
    static ServerProcess start(String classPath, Path model, List<String> sets, Path scratch, Duration timeout,
                               PrintStream out) throws IOException, InterruptedException {
        if (!Files.isRegularFile(model)) {
            throw new NoSuchFileException(model.toString(), null, "model file not found");
        }
        return start(classPath, List.of("--model", model.toAbsolutePath().toString()), sets, scratch, timeout, out);
    }

    /**
     * Starts {@code stellar serve ARGS} (e.g. {@code --config FILE}) on a free port and waits until it is healthy.
     *
     * @see #start(String, Path, List, Path, Duration, PrintStream)
     */
    public static ServerProcess start(String classPath, List<String> serveArgs, List<String> sets, Path scratch,
                                      Duration timeout, PrintStream out) throws IOException, InterruptedException {
        Files.createDirectories(scratch);
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        // The kernels the launcher chose for this bench: the native library's directory and its switches (without
        // them the child would run the Java kernels, as every server run by this class did until 2026-12-07).
        for (String p : List.of("stellar.native.path", "stellar.native", "stellar.native.interleave", "stellar.kernels")) {
            String v = System.getProperty(p);
            if (v != null) {
                cmd.add("-D" + p + "=" + v);
            }
        }
        cmd.addAll(List.of("-cp", classPath, "io.stellarchat.server.cli.Main", "serve"));
        cmd.addAll(serveArgs);
        cmd.addAll(List.of("--port", Integer.toString(port),
                "--set", "data.dir=" + scratch.resolve("data").toAbsolutePath(),
                "--set", "models.dir=" + scratch.resolve("no-models").toAbsolutePath()));
        for (String s : sets) {
            cmd.add("--set");
            cmd.add(s);
        }
        Path log = scratch.resolve("server.log");
        out.printf("starting stellar serve %s on port %d (log: %s)%n", String.join(" ", serveArgs), port, log);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ServerProcess server = new ServerProcess(p, URI.create("http://127.0.0.1:" + port), log);
        try {
            server.awaitHealthy(timeout);
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    public URI url() {
        return url;
    }

    /** The operating-system process id of the server (for {@code jcmd} and {@code /proc}). */
    public long pid() {
        return process.pid();
    }

    /** Whether the server process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** CPU time the server process has used so far (user + system), or zero when the OS does not say. */
    public Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IOException("the server exited with status " + process.exitValue() + "; its log ends:\n" + tail());
                }
                try {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url.resolve("/health"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
        }
        throw new IOException("the server did not answer /health within " + timeout.toSeconds() + " s; its log ends:\n" + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
