package io.stellarchat.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code stellar version}: prints the version line. */
@Command(name = "version", mixinStandardHelpOptions = true, versionProvider = StellarVersion.class,
        description = "Print the version and exit.")
final class VersionCommand implements Callable<Integer> {
    private final CliEnvironment env;

    VersionCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        env.out().println(StellarVersion.line());
        env.out().flush();
        return 0;
    }
}
