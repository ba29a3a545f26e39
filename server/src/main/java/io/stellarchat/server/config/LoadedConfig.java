package io.stellarchat.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The result of {@link ConfigLoader#load}: the configuration and how it came about.
 *
 * @param config   the effective configuration
 * @param file     the YAML file that was read, or {@code null} when none was
 * @param origins  key path → where its value came from ({@code default}, {@code file ...}, {@code env ...},
 *                 {@code flag})
 * @param warnings things worth a log line that do not stop start-up (e.g. an unknown STELLAR_ variable)
 */
public record LoadedConfig(StellarConfig config, Path file, Map<String, String> origins, List<String> warnings) {
    public LoadedConfig {
        origins = Map.copyOf(origins);
        warnings = List.copyOf(warnings);
    }
}
