package io.stellarchat.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where models come from, and how long they stay loaded.
 *
 * @param dir       directory scanned for {@code .gguf} files
 * @param list      models declared explicitly (YAML only)
 * @param keepAlive how long a local model with no requests stays loaded ({@code 0s}: never unloaded)
 * @param maxLoaded local models resident at once at most ({@code 0}: no bound); the least recently used idle one
 *                  is unloaded to make room
 * @param hubEndpoint where pulls through the API download from (the Hugging Face Hub or a mirror)
 * @param hubToken    access token for gated repositories (empty: none)
 */
public record ModelsConfig(Path dir, List<ModelEntry> list, java.time.Duration keepAlive, int maxLoaded,
                           String hubEndpoint, Secret hubToken) {
    public ModelsConfig {
        Objects.requireNonNull(hubEndpoint, "hubEndpoint");
        Objects.requireNonNull(hubToken, "hubToken");
        Objects.requireNonNull(dir, "dir");
        list = List.copyOf(list);
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (maxLoaded < 0) throw new IllegalArgumentException("maxLoaded is negative: " + maxLoaded);
    }

    /** Models never unloaded and not bounded (tests, the frame). */
    public ModelsConfig(Path dir, List<ModelEntry> list) {
        this(dir, list, java.time.Duration.ZERO, 0);
    }

    /** With the public Hub and no token. */
    public ModelsConfig(Path dir, List<ModelEntry> list, java.time.Duration keepAlive, int maxLoaded) {
        this(dir, list, keepAlive, maxLoaded, "https://huggingface.co", new Secret(""));
    }

    /** The same with another list. */
    public ModelsConfig withList(List<ModelEntry> newList) {
        return new ModelsConfig(dir, newList, keepAlive, maxLoaded, hubEndpoint, hubToken);
    }
}
