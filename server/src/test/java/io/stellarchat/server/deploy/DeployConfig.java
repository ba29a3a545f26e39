package io.stellarchat.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stellarchat.server.config.ConfigInputs;
import io.stellarchat.server.config.ConfigLoader;
import io.stellarchat.server.config.LoadedConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads the StellarChat configuration a container would see: the image's ENV (from the Dockerfile) overlaid with
 * the environment a compose file or Kubernetes manifest gives it, read by the real {@link ConfigLoader}. An
 * unknown {@code STELLAR_*} name is a warning there; here it fails, so a typo in a deployment file cannot hide.
 */
final class DeployConfig {
    private DeployConfig() {}

    static LoadedConfig load(Path root, Map<String, String> deploymentEnv, Path workDir) throws IOException {
        Map<String, String> env = new LinkedHashMap<>(Dockerfiles.env(Dockerfiles.runtimeBase(root)));
        env.putAll(deploymentEnv);
        LoadedConfig loaded = ConfigLoader.load(new ConfigInputs(null, env, Map.of(), workDir));
        assertEquals(java.util.List.of(), loaded.warnings(), "configuration warnings for " + env.keySet());
        return loaded;
    }
}
