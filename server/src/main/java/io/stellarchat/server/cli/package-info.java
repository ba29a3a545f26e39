/**
 * The {@code stellar} command line and the composition root.
 *
 * <p>{@link io.stellarchat.server.cli.Main} runs {@link io.stellarchat.server.cli.StellarCli}, which builds the
 * picocli tree; every subcommand is a class of its own, listed once in {@code StellarCli.commandLine}.
 * Exit codes: 0 success, 2 usage or configuration error (message and usage on stderr), 1 runtime failure
 * (one line on stderr, details in the log).
 *
 * <p>{@link io.stellarchat.server.cli.StellarService} wires the running service by constructor: metrics
 * registry, readiness, route groups, HTTP server. New components are built there and handed to the route
 * groups and readiness checks that need them; nothing is a singleton.
 */
package io.stellarchat.server.cli;
