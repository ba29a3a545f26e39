package io.stellarchat.server.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the service keeps its files (the SQLite database, later).
 *
 * @param dir the data directory
 */
public record DataConfig(Path dir) {
    public DataConfig {
        Objects.requireNonNull(dir, "dir");
    }
}
