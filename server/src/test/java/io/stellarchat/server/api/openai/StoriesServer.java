package io.stellarchat.server.api.openai;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.runtime.EngineStats;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The real service on port 0 serving {@code shared/models/stories260K.gguf} as {@code stories260K} (alias {@code stories}). */
final class StoriesServer {
    static final String MODEL = "stories260K";

    private StoriesServer() {}

    /** Starts a service with the given engine queue depth; the caller closes it. */
    static StellarService start(Path emptyModelsDir, int queueDepth) throws IOException {
        return start(emptyModelsDir, queueDepth, Duration.ofSeconds(30));
    }

    /** As {@link #start(Path, int)}, with how long a request may wait for the engine. */
    static StellarService start(Path emptyModelsDir, int queueDepth, Duration maxWait) throws IOException {
        return start(emptyModelsDir, queueDepth, maxWait, EngineConfig.DEFAULT_MAX_RUNNING);
    }

    /** A server whose engine runs at most {@code maxRunning} sequences at once (1: strictly one at a time). */
    static StellarService start(Path emptyModelsDir, int queueDepth, Duration maxWait, int maxRunning)
            throws IOException {
        Path model = Path.of(System.getProperty("stellar.shared", "../shared"), "models", "stories260K.gguf");
        assertTrue(Files.isRegularFile(model), "missing test model " + model.toAbsolutePath());
        StellarConfig d = StellarConfig.defaults();
        ModelsConfig models = new ModelsConfig(emptyModelsDir, List.of(new ModelEntry(MODEL, model, List.of("stories"), 0)));
        EngineConfig defaults = new EngineConfig(2, 0, queueDepth, maxWait, Duration.ofSeconds(5));
        EngineConfig engine = defaults.withScheduler(defaults.maxBatchTokens(), maxRunning, defaults.kvCacheBytes(),
                defaults.kvBlockSize(), defaults.kvPrecision(), defaults.prefixCaching());
        StellarConfig config = new StellarConfig(d.server().withPort(0), d.logging(), models, engine, d.data(), d.database(), d.metrics());
        StellarService service = new StellarService(config, ModelRegistry.load(models, engine), List.of());
        service.start();
        return service;
    }

    static EngineStats stats(StellarService service) {
        return service.models().find(MODEL).orElseThrow().engine().stats();
    }
}
