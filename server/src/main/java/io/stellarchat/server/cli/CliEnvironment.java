package io.stellarchat.server.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a command may see of the process: environment variables, working directory and the two output
 * streams. Injected so tests run commands in-process without touching the real environment.
 *
 * @param env              environment variables
 * @param workingDirectory where relative defaults (./stellar.yaml) are resolved
 * @param out              standard output (command results)
 * @param err              standard error (messages and usage)
 */
public record CliEnvironment(Map<String, String> env, Path workingDirectory, PrintWriter out, PrintWriter err) {
    public CliEnvironment {
        env = Map.copyOf(env);
    }

    /** The real process. */
    public static CliEnvironment process() {
        return new CliEnvironment(System.getenv(), Path.of("").toAbsolutePath(),
                new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8));
    }
}
