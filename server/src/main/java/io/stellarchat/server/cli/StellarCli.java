package io.stellarchat.server.cli;

import io.stellarchat.server.config.ConfigException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code stellar} command tree. Subcommands are registered in one place, {@link #commandLine}; each is
 * its own class taking the {@link CliEnvironment} by constructor.
 *
 * <p>Exit codes: 0 success; 2 usage error (picocli's parse errors, a missing subcommand, and
 * {@link ConfigException}: the message, then the usage); 1 runtime failure (one line on stderr, the stack
 * trace in the log).
 */
public final class StellarCli {
    /** Exit code of a usage or configuration error. */
    public static final int USAGE = 2;
    /** Exit code of a runtime failure. */
    public static final int FAILURE = 1;
    private static final Logger log = LoggerFactory.getLogger(StellarCli.class);

    private StellarCli() {}

    /** Runs one command line and returns its exit code. */
    public static int run(CliEnvironment env, String... args) {
        return commandLine(env).execute(args);
    }

    /** The command tree with its exit-code handling, writing to {@code env}'s streams. */
    public static CommandLine commandLine(CliEnvironment env) {
        CommandLine cli = new CommandLine(new Root(env));
        // The one place where subcommands are registered; add new ones (run, inspect, tokenize ...) here.
        cli.addSubcommand(new ServeCommand(env));
        cli.addSubcommand(new ConfigCommand(env));
        cli.addSubcommand(new VersionCommand(env));
        cli.addSubcommand(new RunCommand(env));
        cli.addSubcommand(new InspectCommand(env));
        cli.addSubcommand(new TokenizeCommand(env));
        cli.addSubcommand(new LogitsCommand(env));
        cli.addSubcommand(new PullCommand(env));
        cli.addSubcommand(new UsageCommand(env));
        cli.addSubcommand(new CommandLine(new ModelsCommand(env)).addSubcommand(new ModelsCommand.Rm(env))
                .addSubcommand(new ModelsCommand.Show(env)));
        cli.addSubcommand(new ModelsCommand.Rm(env));
        cli.addSubcommand(new ModelsCommand.Show(env));
        cli.addSubcommand(new CommandLine(new GgufCommand(env)).addSubcommand(new GgufCommand.Synth(env)));

        cli.setOut(env.out());
        cli.setErr(env.err());
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            java.io.PrintWriter err = cmd.getErr();
            err.println("stellar: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println();
            cmd.usage(err);
            err.flush();
            return USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof ConfigException config) {
                env.err().println("stellar: " + config.getMessage());
                env.err().println();
                commandLine.usage(env.err());
                env.err().flush();
                return USAGE;
            }
            if (commandLine.getCommandName().equals("serve")) {
                log.error("stellar serve failed", ex); // the service's log is where operators look
            } else {
                // A tool command answers on the terminal: one line; the stack trace only when asked for with
                // STELLAR_LOGGING_LEVEL=debug.
                log.debug("stellar {} failed", commandLine.getCommandName(), ex);
                String level = env.env().getOrDefault("STELLAR_LOGGING_LEVEL", "");
                if (level.equalsIgnoreCase("debug") || level.equalsIgnoreCase("trace")) {
                    ex.printStackTrace(env.err());
                }
            }
            env.err().println("stellar: error: " + oneLine(ex));
            env.err().flush();
            return FAILURE;
        });
        return cli;
    }

    private static String oneLine(Throwable ex) {
        String message = ex.getMessage();
        Throwable cause = ex.getCause();
        if (cause != null && cause.getMessage() != null && (message == null || !message.contains(cause.getMessage()))) {
            message = (message == null ? "" : message + ": ") + cause.getMessage();
        }
        String line = message == null || message.isBlank() ? ex.getClass().getSimpleName() : message;
        return line.replace('\n', ' ');
    }

    /** {@code stellar} without a subcommand: usage, exit 2. */
    @Command(name = "stellar", mixinStandardHelpOptions = true, versionProvider = StellarVersion.class,
            description = "StellarChat: LLM inference and chat service.",
            footer = {"", "Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error."})
    static final class Root implements Callable<Integer> {
        private final CliEnvironment env;

        @Spec
        CommandSpec spec;

        Root(CliEnvironment env) {
            this.env = env;
        }

        @Override
        public Integer call() {
            env.err().println("stellar: missing command");
            spec.commandLine().usage(env.err());
            env.err().flush();
            return USAGE;
        }
    }
}
