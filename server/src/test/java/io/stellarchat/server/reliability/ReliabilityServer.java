package io.stellarchat.server.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.runtime.EngineStats;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.ServerConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The real service on port 0 serving {@code shared/models/stories260K.gguf} as {@code stories260K}, with the
 * engine's capacity (running slots, queue depth, max wait) and the connection timeouts given by the test.
 * Prefix caching is off, so an idle engine holds no KV block and "all blocks back" is {@code kvBlocksUsed == 0}.
 */
final class ReliabilityServer implements AutoCloseable {
    static final String MODEL = "stories260K";
    /** A streamed completion that runs to {@code max_tokens}: greedy, end-of-sequence (token 2) banned. */
    static final String LONG_STREAM = """
            {"model":"stories260K","prompt":"Once upon a time","stream":true,"max_tokens":%d,"temperature":0,
             "logit_bias":{"2":-100}}""";

    final StellarService service;
    final int port;

    ReliabilityServer(Path dir, int maxRunning, int queueDepth, Duration maxWait, ServerConfig.ConnectionTimeouts timeouts) {
        Path model = Path.of(System.getProperty("stellar.shared", "../shared"), "models", "stories260K.gguf");
        assertTrue(Files.isRegularFile(model), "missing test model " + model.toAbsolutePath());
        StellarConfig d = StellarConfig.defaults();
        ModelsConfig models = new ModelsConfig(dir, List.of(new ModelEntry(MODEL, model, List.of(), 0)));
        EngineConfig base = new EngineConfig(2, 0, queueDepth, maxWait, Duration.ofMinutes(5));
        EngineConfig engine = base.withScheduler(Math.max(base.maxBatchTokens(), maxRunning), maxRunning,
                base.kvCacheBytes(), base.kvBlockSize(), base.kvPrecision(), false);
        StellarConfig config = new StellarConfig(d.server().withPort(0).withConnections(timeouts), d.logging(), models,
                engine, d.data(), d.database(), d.metrics());
        try {
            service = new StellarService(config, ModelRegistry.load(models, engine), List.of());
            service.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        port = service.port();
    }

    EngineStats stats() {
        return service.models().find(MODEL).orElseThrow().engine().stats();
    }

    /** Whether the engine is idle with every KV block back in its pool. */
    boolean engineIdle() {
        EngineStats s = stats();
        return s.running() == 0 && s.waiting() == 0 && s.kvBlocksUsed() == 0;
    }

    /** Live platform threads of this JVM (virtual threads are not counted: they are cheap by design). */
    static int platformThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** Waits for {@code condition}, polling; false when it did not hold within {@code limit}. */
    static boolean await(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(20);
        }
        return true;
    }

    @Override
    public void close() {
        service.close();
    }
}
