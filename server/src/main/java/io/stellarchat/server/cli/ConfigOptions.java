package io.stellarchat.server.cli;

import io.stellarchat.server.config.ConfigInputs;
import io.stellarchat.server.config.ConfigKeys;
import io.stellarchat.server.config.ConfigLoader;
import io.stellarchat.server.config.LoadedConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The configuration flags shared by every command that reads the configuration ({@code serve},
 * {@code config}, later {@code run} …): mix in with {@code @Mixin ConfigOptions config;} and call
 * {@link #load}. Flags are the last layer; values are validated by {@link ConfigLoader} like any other layer.
 */
public final class ConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML configuration file (default: $STELLAR_CONFIG, else ./stellar.yaml if present).")
    Path file;

    @Option(names = "--host", paramLabel = "HOST", description = "Interface to listen on (server.host).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port, 0 for any free one (server.port).")
    String port;

    @Option(names = {"--models-dir", "--models"}, paramLabel = "DIR", description = "Directory of GGUF models (models.dir).")
    String models;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text or json (logging.format).")
    String logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "trace, debug, info, warn or error (logging.level).")
    String logLevel;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Set any key by its dotted path, e.g. --set server.drain_timeout=5s. Repeatable.")
    Map<String, String> set = new LinkedHashMap<>();

    /** The flag layer: dotted key path → value text. Named flags win over {@code --set}. */
    Map<String, String> flags() {
        Map<String, String> flags = new LinkedHashMap<>(set);
        put(flags, ConfigKeys.SERVER_HOST.path(), host);
        put(flags, ConfigKeys.SERVER_PORT.path(), port);
        put(flags, ConfigKeys.MODELS_DIR.path(), models);
        put(flags, ConfigKeys.LOGGING_FORMAT.path(), logFormat);
        put(flags, ConfigKeys.LOGGING_LEVEL.path(), logLevel);
        return flags;
    }

    private static void put(Map<String, String> flags, String key, String value) {
        if (value != null) flags.put(key, value);
    }

    /** Reads the configuration: defaults, file, the environment given, these flags. */
    LoadedConfig load(CliEnvironment env) {
        Path f = file == null ? null : env.workingDirectory().resolve(file);
        return ConfigLoader.load(new ConfigInputs(f, env.env(), flags(), env.workingDirectory()));
    }
}
