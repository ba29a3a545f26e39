/**
 * The configuration of the service: one immutable, typed tree ({@link io.stellarchat.server.config.StellarConfig}
 * and its section records) built from four layers, later wins: built-in defaults, a YAML file, environment
 * variables ({@code STELLAR_SERVER_PORT} style) and command-line flags.
 *
 * <p>Entry points: {@link io.stellarchat.server.config.ConfigLoader#load} (throws
 * {@link io.stellarchat.server.config.ConfigException} naming every bad key, value and what is allowed),
 * {@link io.stellarchat.server.config.ConfigKeys#ALL} (the table of every key: the single source for env
 * var names, validation and the README reference) and {@link io.stellarchat.server.config.ConfigPrinter}
 * (the effective configuration as YAML, secrets masked).
 *
 * <p>Adding a setting: add a component to a section record, a {@link io.stellarchat.server.config.ConfigKey}
 * to {@link io.stellarchat.server.config.ConfigKeys}, read it in {@code ConfigLoader.assemble}, and a row to the
 * README table (a test fails until the README matches). Structured YAML-only keys ({@code models.list},
 * {@code providers}) have their own readers ({@code ModelListReader}, {@code ProviderListReader}) built on
 * {@code MappingReader}, which names every problem by its full path ({@code providers[1].timeouts.idle}).
 * This package depends on Jackson only.
 */
package io.stellarchat.server.config;
