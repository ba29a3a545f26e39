package io.stellarchat.server.cli;

import io.stellarchat.server.config.ConfigPrinter;
import io.stellarchat.server.config.LoadedConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code stellar config}: prints the effective configuration as YAML, secrets masked, with each value's origin. */
@Command(name = "config", mixinStandardHelpOptions = true, versionProvider = StellarVersion.class,
        description = "Print the effective configuration (defaults < file < environment < flags), secrets masked.")
final class ConfigCommand implements Callable<Integer> {
    private final CliEnvironment env;

    @Mixin
    ConfigOptions config;

    ConfigCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        LoadedConfig loaded = config.load(env);
        for (String w : loaded.warnings()) env.err().println("stellar: warning: " + w);
        env.out().print(ConfigPrinter.render(loaded));
        env.out().flush();
        env.err().flush();
        return 0;
    }
}
