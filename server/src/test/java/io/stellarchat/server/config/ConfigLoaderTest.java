package io.stellarchat.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.model.KvPrecision;
import io.stellarchat.engine.runtime.SchedulerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layering (defaults < file < env < flags) and validation that names key, value and what is allowed. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path f = dir.resolve("stellar-test.yaml");
        Files.writeString(f, text);
        return f;
    }

    private LoadedConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        return ConfigLoader.load(new ConfigInputs(file, env, flags, dir));
    }

    private ConfigException invalid(Path file, Map<String, String> env, Map<String, String> flags) {
        return assertThrows(ConfigException.class, () -> load(file, env, flags));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        LoadedConfig loaded = load(null, Map.of(), Map.of());
        StellarConfig c = loaded.config();
        assertNull(loaded.file());
        assertEquals("127.0.0.1", c.server().host());
        assertEquals(8080, c.server().port());
        assertEquals(8L * 1024 * 1024, c.server().maxBodyBytes());
        assertEquals(Duration.ofSeconds(10), c.server().drainTimeout());
        assertEquals(List.of(), c.server().apiKeys());
        assertEquals(LoggingConfig.Format.TEXT, c.logging().format());
        assertEquals(LoggingConfig.Level.INFO, c.logging().level());
        assertEquals(Path.of("./models"), c.models().dir());
        assertEquals(List.of(), c.models().list());
        assertEquals(Path.of("./data"), c.data().dir());
        assertTrue(c.metrics().enabled());
        assertTrue(c.server().isLoopbackOnly());
    }

    @Test
    void fileThenEnvThenFlagsLaterWins() throws IOException {
        Path f = yaml("""
                server:
                  host: 0.0.0.0
                  port: 9001
                  drain_timeout: 3s
                logging:
                  format: json
                """);
        Map<String, String> env = Map.of("STELLAR_SERVER_PORT", "9002", "STELLAR_SERVER_HOST", "10.1.2.3",
                "STELLAR_LOGGING_LEVEL", "debug");
        Map<String, String> flags = Map.of("server.port", "9003");
        LoadedConfig loaded = load(f, env, flags);
        StellarConfig c = loaded.config();
        assertEquals(9003, c.server().port());                       // flag > env > file
        assertEquals("10.1.2.3", c.server().host());                 // env > file
        assertEquals(Duration.ofSeconds(3), c.server().drainTimeout()); // file > default
        assertEquals(LoggingConfig.Format.JSON, c.logging().format());
        assertEquals(LoggingConfig.Level.DEBUG, c.logging().level());
        assertEquals(8L << 20, c.server().maxBodyBytes());           // default untouched
        assertEquals("flag", loaded.origins().get("server.port"));
        assertEquals("env STELLAR_SERVER_HOST", loaded.origins().get("server.host"));
        assertEquals("file " + f, loaded.origins().get("server.drain_timeout"));
        assertEquals("default", loaded.origins().get("data.dir"));
        assertFalse(c.server().isLoopbackOnly());
    }

    @Test
    void fileIsChosenByFlagThenStellarConfigThenWorkingDirectory() throws IOException {
        Files.writeString(dir.resolve("stellar.yaml"), "server:\n  port: 7001\n");
        Path viaEnv = dir.resolve("env.yaml");
        Files.writeString(viaEnv, "server:\n  port: 7002\n");
        Path viaFlag = dir.resolve("flag.yaml");
        Files.writeString(viaFlag, "server:\n  port: 7003\n");
        assertEquals(7001, load(null, Map.of(), Map.of()).config().server().port());
        assertEquals(7002, load(null, Map.of("STELLAR_CONFIG", viaEnv.toString()), Map.of()).config().server().port());
        assertEquals(7003, load(viaFlag, Map.of("STELLAR_CONFIG", viaEnv.toString()), Map.of()).config().server().port());
    }

    @Test
    void sizesDurationsListsAndBooleansParse() throws IOException {
        Path f = yaml("""
                server:
                  max_body_bytes: 512KiB
                  drain_timeout: 250ms
                  api_keys: [sk-one, sk-two]
                metrics:
                  enabled: false
                """);
        StellarConfig c = load(f, Map.of(), Map.of()).config();
        assertEquals(512L * 1024, c.server().maxBodyBytes());
        assertEquals(Duration.ofMillis(250), c.server().drainTimeout());
        assertEquals(List.of("sk-one", "sk-two"), c.server().apiKeys().stream().map(Secret::reveal).toList());
        assertFalse(c.metrics().enabled());
        StellarConfig fromEnv = load(null, Map.of("STELLAR_SERVER_API_KEYS", "a-key, b-key",
                "STELLAR_SERVER_MAX_BODY_BYTES", "1000", "STELLAR_METRICS_ENABLED", "false"), Map.of()).config();
        assertEquals(List.of("a-key", "b-key"), fromEnv.server().apiKeys().stream().map(Secret::reveal).toList());
        assertEquals(1000, fromEnv.server().maxBodyBytes());
        assertFalse(fromEnv.metrics().enabled());
    }

    @Test
    void schedulerKeysDefaultParseAndBuildTheEnginesSchedulerConfig() throws IOException {
        SchedulerConfig d = load(null, Map.of(), Map.of()).config().engine().scheduler();
        assertEquals(new SchedulerConfig(512, 16, 64, Duration.ofSeconds(60), 16, 1L << 30, KvPrecision.F16, true), d);

        Path f = yaml("""
                engine:
                  max_batch_tokens: 256
                  max_running: 8
                  kv_cache_size: 512MiB
                  kv_block_size: 32
                  kv_precision: f32
                  prefix_caching: false
                  queue_depth: 5
                  max_wait: 1500ms
                """);
        SchedulerConfig s = load(f, Map.of(), Map.of()).config().engine().scheduler();
        assertEquals(new SchedulerConfig(256, 8, 5, Duration.ofMillis(1500), 32, 512L << 20, KvPrecision.F32, false), s);

        EngineConfig env = load(null, Map.of("STELLAR_ENGINE_KV_CACHE_SIZE", "2GiB", "STELLAR_ENGINE_KV_PRECISION", "F16",
                "STELLAR_ENGINE_PREFIX_CACHING", "true"), Map.of("engine.max_running", "4")).config().engine();
        assertEquals(2L << 30, env.kvCacheBytes());
        assertEquals(KvPrecision.F16, env.kvPrecision());
        assertEquals(4, env.maxRunning());
    }

    @Test
    void badSchedulerValuesAreRejectedNamingKeyAndAllowedValues() throws IOException {
        String msg = invalid(null, Map.of(), Map.of("engine.max_batch_tokens", "8", "engine.max_running", "16")).getMessage();
        assertTrue(msg.contains("engine.max_batch_tokens = \"8\" (from flag): must be at least engine.max_running (16)"), msg);

        msg = invalid(yaml("engine:\n  kv_cache_size: 4KiB\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("engine.kv_cache_size = \"4KiB\"") && msg.contains("out of range; allowed: a size 1MiB..1024GiB"), msg);

        msg = invalid(null, Map.of("STELLAR_ENGINE_KV_CACHE_SIZE", "lots"), Map.of()).getMessage();
        assertTrue(msg.contains("engine.kv_cache_size = \"lots\" (from env STELLAR_ENGINE_KV_CACHE_SIZE): not a size"), msg);

        msg = invalid(null, Map.of(), Map.of("engine.kv_precision", "q8_0")).getMessage();
        assertTrue(msg.contains("engine.kv_precision = \"q8_0\"") && msg.contains("allowed: f16 or f32"), msg);

        msg = invalid(null, Map.of(), Map.of("engine.kv_block_size", "0")).getMessage();
        assertTrue(msg.contains("engine.kv_block_size = \"0\"") && msg.contains("an integer 1..1024"), msg);

        msg = invalid(null, Map.of(), Map.of("engine.max_running", "5000")).getMessage();
        assertTrue(msg.contains("engine.max_running = \"5000\"") && msg.contains("out of range"), msg);

        msg = invalid(null, Map.of(), Map.of("engine.prefix_caching", "sometimes")).getMessage();
        assertTrue(msg.contains("engine.prefix_caching") && msg.contains("expected a boolean"), msg);

        // The scheduler needs a positive wait: 0s would refuse every request that has to queue at all.
        msg = invalid(null, Map.of(), Map.of("engine.max_wait", "0s")).getMessage();
        assertTrue(msg.contains("engine.max_wait = \"0s\"") && msg.contains("a duration 1ms..1h"), msg);
    }

    @Test
    void modelsListParses() throws IOException {
        Path f = yaml("""
                models:
                  dir: /srv/models
                  list:
                    - id: qwen
                      path: qwen3-0.6b-q8_0.gguf
                      aliases: [default, small]
                      context_length: 4096
                    - id: llama
                      path: /m/llama.gguf
                """);
        ModelsConfig m = load(f, Map.of(), Map.of()).config().models();
        assertEquals(Path.of("/srv/models"), m.dir());
        assertEquals(List.of(new ModelEntry("qwen", Path.of("qwen3-0.6b-q8_0.gguf"), List.of("default", "small"), 4096),
                new ModelEntry("llama", Path.of("/m/llama.gguf"), List.of(), 0)), m.list());
    }

    @Test
    void unknownKeysAreRejectedWithTheAllowedOnes() throws IOException {
        String msg = invalid(yaml("server:\n  prot: 8080\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("server.prot") && msg.contains("port") && msg.contains("max_body_bytes"), msg);

        msg = invalid(yaml("serverr:\n  port: 8080\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("'serverr'") && msg.contains("allowed sections: server, logging"), msg);

        msg = invalid(yaml("models:\n  list:\n    - {id: a, path: a.gguf, ctx: 5}\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("models.list[0].ctx") && msg.contains("context_length"), msg);

        msg = invalid(null, Map.of(), Map.of("server.nope", "1")).getMessage();
        assertTrue(msg.contains("server.nope") && msg.contains("(from flag)"), msg);
    }

    @Test
    void wrongTypesAreRejected() throws IOException {
        String msg = invalid(yaml("server:\n  port: eighty\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("server.port = \"eighty\"") && msg.contains("expected an integer")
                && msg.contains("0..65535"), msg);

        msg = invalid(yaml("server:\n  port: [80]\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("server.port = [80]") && msg.contains("wrong type"), msg);

        msg = invalid(yaml("server: 5\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("server = 5") && msg.contains("expected a mapping"), msg);

        msg = invalid(null, Map.of("STELLAR_METRICS_ENABLED", "maybe"), Map.of()).getMessage();
        assertTrue(msg.contains("metrics.enabled = \"maybe\" (from env STELLAR_METRICS_ENABLED)")
                && msg.contains("true or false"), msg);

        msg = invalid(yaml("server:\n  drain_timeout: 10\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("server.drain_timeout") && msg.contains("expected a duration"), msg);
    }

    @Test
    void outOfRangeAndBadValuesAreRejected() throws IOException {
        String msg = invalid(null, Map.of(), Map.of("server.port", "70000")).getMessage();
        assertTrue(msg.contains("server.port = \"70000\" (from flag): out of range; allowed: an integer 0..65535"), msg);

        msg = invalid(yaml("server:\n  port: 70000\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("server.port = 70000 (from file ") && msg.contains("out of range"), msg);

        msg = invalid(yaml("server:\n  max_body_bytes: -5\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("server.max_body_bytes = -5") && msg.contains("must not be negative"), msg);

        msg = invalid(null, Map.of("STELLAR_SERVER_MAX_BODY_BYTES", "3GiB"), Map.of()).getMessage();
        assertTrue(msg.contains("server.max_body_bytes") && msg.contains("out of range"), msg);

        msg = invalid(null, Map.of("STELLAR_SERVER_DRAIN_TIMEOUT", "-3s"), Map.of()).getMessage();
        assertTrue(msg.contains("server.drain_timeout") && msg.contains("must not be negative"), msg);

        msg = invalid(null, Map.of(), Map.of("logging.format", "xml")).getMessage();
        assertTrue(msg.contains("logging.format = \"xml\"") && msg.contains("text or json"), msg);

        msg = invalid(yaml("models:\n  list:\n    - {id: a, path: a.gguf, context_length: -1}\n"), Map.of(), Map.of())
                .getMessage();
        assertTrue(msg.contains("models.list[0].context_length = -1") && msg.contains("out of range"), msg);

        msg = invalid(yaml("models:\n  list:\n    - {id: a, path: a.gguf}\n    - {id: b, path: b.gguf, aliases: [a]}\n"),
                Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("models.list[1]") && msg.contains("'a' is used twice"), msg);

        msg = invalid(yaml("models:\n  list:\n    - {path: a.gguf}\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("models.list[0].id is missing"), msg);
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigException e = invalid(null, Map.of("STELLAR_SERVER_PORT", "-1"),
                Map.of("logging.level", "loud", "server.drain_timeout", "soon"));
        assertEquals(3, e.problems().size(), e.getMessage());
    }

    @Test
    void secretsNeverAppearInErrors() throws IOException {
        String msg = invalid(yaml("server:\n  api_keys: {k: sk-very-secret-value}\n"), Map.of(), Map.of()).getMessage();
        assertFalse(msg.contains("sk-very-secret-value"), msg);
        assertTrue(msg.contains("server.api_keys"), msg);
    }

    @Test
    void malformedOrMissingFileIsAClearError() throws IOException {
        String msg = invalid(yaml("server:\n  port: 1\n bad: [\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("not valid YAML") && msg.contains("line"), msg);
        msg = invalid(yaml("server:\n  port: 1\n  port: 2\n"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("Duplicate field 'port'") && msg.contains("line 3"), msg);
        msg = invalid(dir.resolve("absent.yaml"), Map.of(), Map.of()).getMessage();
        assertTrue(msg.contains("absent.yaml does not exist"), msg);
    }

    @Test
    void unknownStellarEnvironmentVariableIsAWarningNotAnError() {
        LoadedConfig loaded = load(null, Map.of("STELLAR_SERVER_PROT", "1", "STELLAR_JAVA_OPTS", "-Xmx1g",
                "PATH", "/bin"), Map.of());
        assertEquals(1, loaded.warnings().size());
        assertTrue(loaded.warnings().getFirst().contains("STELLAR_SERVER_PROT"));
    }

    @Test
    void printedConfigurationReadsBackToTheSameValuesWithSecretsMasked() throws IOException {
        Path f = yaml("""
                server:
                  port: 9100
                  max_body_bytes: 1MiB
                  drain_timeout: 90s
                  api_keys: [sk-0123456789abcdefWXYZ]
                models:
                  list:
                    - {id: "q", path: "q.gguf", aliases: ["x"], context_length: 128}
                engine:
                  max_batch_tokens: 300
                  kv_cache_size: 768MiB
                  kv_precision: f32
                  prefix_caching: false
                """);
        LoadedConfig loaded = load(f, Map.of("STELLAR_LOGGING_FORMAT", "json"), Map.of());
        String printed = ConfigPrinter.render(loaded);
        assertFalse(printed.contains("sk-0123456789abcdefWXYZ"), printed);
        assertTrue(printed.contains("****WXYZ"), printed);
        assertTrue(printed.contains("format: json  # from env STELLAR_LOGGING_FORMAT"), printed);
        StellarConfig back = load(yaml(printed), Map.of(), Map.of()).config();
        StellarConfig original = loaded.config();
        assertEquals(original.withServer(original.server().withPort(1)).logging(), back.logging());
        assertEquals(original.server().port(), back.server().port());
        assertEquals(original.server().maxBodyBytes(), back.server().maxBodyBytes());
        assertEquals(original.server().drainTimeout(), back.server().drainTimeout());
        assertEquals(original.models(), back.models());
        assertEquals(original.data(), back.data());
        assertEquals(original.metrics(), back.metrics());
        assertEquals(original.engine(), back.engine());
    }
}
