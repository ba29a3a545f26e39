package io.stellarchat.server.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the external tools the deployment tests check our files with (podman, kubectl, haproxy, promtool, docker,
 * the Maven wrapper, node), each with a deadline, and finds the repository root. Used from the test thread only.
 */
final class Commands {
    private Commands() {}

    /** What a finished command printed (stdout and stderr merged) and its exit code. */
    record Result(int exit, String output) {
        Result orFail(List<String> cmd) {
            if (exit != 0) throw new AssertionError(String.join(" ", cmd) + " exited " + exit + ":\n" + output);
            return this;
        }
    }

    /** The repository root: the server module's parent (tests run in {@code server/}). */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        Path root = Files.exists(here.resolve("Dockerfile")) ? here : here.getParent();
        if (root == null || !Files.exists(root.resolve("mvnw"))) throw new IllegalStateException("no repository root above " + here);
        return root;
    }

    /** Runs {@code cmd} in {@code dir}; fails the test if it is not done within {@code seconds} (and kills it). */
    static Result run(Path dir, long seconds, Map<String, String> env, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("stellar-cmd", ".log");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", cmd) + " did not finish in " + seconds + " s:\n" + tail(out));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Result run(Path dir, long seconds, List<String> cmd) throws IOException, InterruptedException {
        return run(dir, seconds, Map.of(), cmd);
    }

    /** An executable named {@code name} on PATH, if any. */
    static Optional<Path> onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** Skips the test with {@code reason} printed on stdout (surefire's report keeps it too) unless {@code ok}. */
    static void skipUnless(boolean ok, String reason) {
        if (!ok) System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(ok, reason);
    }

    /** The Maven wrapper of this repository with the test JVM's JDK (25), quiet; online, so a fresh machine fetches the Jib plugin from Maven Central. */
    static Result maven(Path root, long seconds, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(root.resolve("mvnw").toString(), "-B", "-q"));
        cmd.addAll(args);
        return run(root, seconds, Map.of("JAVA_HOME", javaHome().toString()), cmd).orFail(cmd);
    }

    /** The JDK running the tests (a JDK 25, as the build needs). */
    static Path javaHome() {
        return Path.of(System.getProperty("java.home"));
    }

    private static String tail(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
