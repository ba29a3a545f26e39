package io.stellarchat.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where models come from. Parsed and validated now; the engine integration reads it later.
 *
 * @param dir  directory scanned for {@code .gguf} files
 * @param list models declared explicitly (YAML only)
 */
public record ModelsConfig(Path dir, List<ModelEntry> list) {
    public ModelsConfig {
        Objects.requireNonNull(dir, "dir");
        list = List.copyOf(list);
    }
}
