package io.stellarchat.server.cli;

/** Entry point of the {@code stellar} command: runs {@link StellarCli} against the real process. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = StellarCli.run(CliEnvironment.process(), args);
        System.exit(code);
    }
}
