package io.stellarchat.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One declared model.
 *
 * @param id            the name clients use in {@code "model"}
 * @param path          the GGUF file (relative paths are relative to the working directory)
 * @param aliases       other names for the same model
 * @param contextLength context window to allocate; 0 means the model's own trained length
 */
public record ModelEntry(String id, Path path, List<String> aliases, int contextLength) {
    public ModelEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        aliases = List.copyOf(aliases);
        if (contextLength < 0) throw new IllegalArgumentException("contextLength is negative: " + contextLength);
    }
}
