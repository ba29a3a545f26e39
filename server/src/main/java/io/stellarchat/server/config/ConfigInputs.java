package io.stellarchat.server.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What the configuration is read from, besides the built-in defaults. The environment is a map so tests
 * need not touch the process environment.
 *
 * @param configFile       the file named by {@code --config}, or {@code null} to fall back to
 *                         {@code STELLAR_CONFIG}, then {@code ./stellar.yaml} if it exists
 * @param env              environment variables
 * @param flags            overrides from the command line: dotted key path → value text
 * @param workingDirectory where {@code ./stellar.yaml} is looked for
 */
public record ConfigInputs(Path configFile, Map<String, String> env, Map<String, String> flags,
                           Path workingDirectory) {
    public ConfigInputs {
        env = Map.copyOf(env);
        flags = Map.copyOf(flags);
        Objects.requireNonNull(workingDirectory, "workingDirectory");
    }

    /** The real process: its environment and current directory. */
    public static ConfigInputs process(Path configFile, Map<String, String> flags) {
        return new ConfigInputs(configFile, System.getenv(), flags, Path.of("").toAbsolutePath());
    }
}
