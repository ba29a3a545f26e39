package io.stellarchat.server.gateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.stellarchat.engine.model.KvPrecision;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.testing.CapturingAppender;
import io.stellarchat.server.testing.LiveService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a model starts its engine with the configured scheduler settings and logs them in one line. */
class ModelRegistryTest {
    @TempDir
    Path dir;

    @Test
    void modelLoadLogsTheSchedulerSettingsAndTheKvCapacityInTokens() throws Exception {
        EngineConfig engine = new EngineConfig(1, 0, 4, Duration.ofSeconds(30), Duration.ofSeconds(5))
                .withScheduler(64, 4, 1L << 20, 32, KvPrecision.F32, false);
        ModelsConfig models = new ModelsConfig(dir, List.of(new ModelEntry("tiny", LiveService.STORIES, List.of(), 0)));
        try (CapturingAppender logs = new CapturingAppender(ModelRegistry.class.getName());
             ModelRegistry registry = ModelRegistry.load(models, engine)) {
            ILoggingEvent line = logs.await(e -> e.getFormattedMessage().startsWith("model tiny scheduler:"));
            // stories260K (shared/models/README.md): 5 layers, 4 KV heads of dimension 8, so keys and values take
            // 2 * 5 * 32 * 4 bytes = 1280 bytes per token in F32, 40960 bytes per block of 32 tokens, so 1 MiB
            // holds 25 whole blocks: 800 tokens in 1,024,000 bytes (0.98 MiB).
            assertEquals("model tiny scheduler: BatchEngine engine, max_batch_tokens 64, max_running 4, queue_depth 4,"
                    + " max_wait 30000 ms, KV cache 0.98 MiB f32 in blocks of 32 tokens (800 tokens of context in all),"
                    + " prefix caching off", line.getFormattedMessage());
            assertTrue(registry.find("tiny").isPresent());
        }
    }
}
