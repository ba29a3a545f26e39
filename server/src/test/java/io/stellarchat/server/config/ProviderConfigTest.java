package io.stellarchat.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.config.ModelEntry.RetrySettings;
import io.stellarchat.server.config.ModelEntry.Routing;
import io.stellarchat.server.config.ModelEntry.Upstream;
import io.stellarchat.server.config.ProviderConfig.BreakerSettings;
import io.stellarchat.server.config.ProviderConfig.ProviderType;
import io.stellarchat.server.config.ProviderConfig.Timeouts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code providers} and the remote entries of {@code models.list}: parsing, and every check with its message. */
class ProviderConfigTest {
    @TempDir
    Path dir;

    private static final String FULL = """
            providers:
              - id: gpu
                type: openai
                base_url: http://10.0.0.5:8000/v1
                api_key: ""
                timeouts: {connect: 2s, first_token: 60s, idle: 30s, total: 10m}
                max_concurrency: 64
                circuit_breaker: {failure_rate: 50, minimum_calls: 5, window: 20, open_for: 30s, half_open_calls: 1}
                health_check: {interval: 30s}
              - id: backup
                type: anthropic
                base_url: https://api.example.com/v1/
                api_key: ${BACKUP_KEY}
                timeouts: {first_token: 5s}
                max_concurrency: 8
                circuit_breaker: {failure_rate: 25, window: 4, open_for: 1m, half_open_calls: 2}
                health_check: {interval: 0s}
            models:
              list:
                - id: chat
                  aliases: [default]
                  upstreams:
                    - {provider: gpu, model: Qwen/Qwen3-8B, weight: 3}
                    - {provider: backup, model: "qwen3:8b", weight: 1}
                  routing: weighted
                  retries: {max: 2, backoff: 100ms, max_backoff: 2s}
                  fallbacks: [chat-small]
                  context_length: 32768
                  context_fallbacks: [chat-long]
                - id: chat-long
                  upstreams:
                    - {provider: gpu, model: Qwen/Qwen3-8B-128k}
                  routing: lowest_latency
                  retries: {max: 0}
                  context_length: 131072
                - id: chat-small
                  path: ./models/qwen3-0.6b-q8_0.gguf
            """;

    private LoadedConfig load(String yaml, Map<String, String> env) throws IOException {
        Path f = dir.resolve("stellar-test.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(new ConfigInputs(f, env, Map.of(), dir));
    }

    /** The message of the load's failure. */
    private String problems(String yaml) throws IOException {
        return problems(yaml, Map.of());
    }

    private String problems(String yaml, Map<String, String> env) throws IOException {
        Path f = dir.resolve("stellar-test.yaml");
        Files.writeString(f, yaml);
        return assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new ConfigInputs(f, env, Map.of(), dir))).getMessage();
    }

    /** A valid file with one provider {@code gpu} and the given extra model entries and provider fields. */
    private static String withGpu(String providerExtra, String models) {
        return "providers:\n  - id: gpu\n    base_url: http://gpu:8000/v1\n" + providerExtra
                + "models:\n  list:\n" + models;
    }

    private static void assertHas(String msg, String... parts) {
        for (String p : parts) assertTrue(msg.contains(p), "expected «" + p + "» in:\n" + msg);
    }

    @Test
    void theFullExampleParsesToTheRecords() throws IOException {
        StellarConfig c = load(FULL, Map.of("BACKUP_KEY", "sk-ant-0123456789abcdef")).config();
        assertEquals(List.of(
                new ProviderConfig("gpu", ProviderType.OPENAI, URI.create("http://10.0.0.5:8000/v1"), new Secret(""),
                        new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(30),
                                Duration.ofMinutes(10)),
                        64, new BreakerSettings(50, 5, 20, Duration.ofSeconds(30), 1), Duration.ofSeconds(30)),
                new ProviderConfig("backup", ProviderType.ANTHROPIC, URI.create("https://api.example.com/v1"),
                        new Secret("sk-ant-0123456789abcdef"),
                        new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(30),
                                Duration.ofMinutes(10)),
                        8, new BreakerSettings(25, 4, 4, Duration.ofMinutes(1), 2), Duration.ZERO)),
                c.providers());
        assertEquals(List.of(
                new ModelEntry("chat", null, List.of("default"), 32768,
                        List.of(new Upstream("gpu", "Qwen/Qwen3-8B", 3), new Upstream("backup", "qwen3:8b", 1)),
                        Routing.WEIGHTED, new RetrySettings(2, Duration.ofMillis(100), Duration.ofSeconds(2)),
                        List.of("chat-small"), List.of("chat-long")),
                new ModelEntry("chat-long", null, List.of(), 131072, List.of(new Upstream("gpu", "Qwen/Qwen3-8B-128k", 1)),
                        Routing.LOWEST_LATENCY, new RetrySettings(0, Duration.ofMillis(100), Duration.ofSeconds(2)),
                        List.of(), List.of()),
                new ModelEntry("chat-small", Path.of("./models/qwen3-0.6b-q8_0.gguf"), List.of(), 0)),
                c.models().list());
    }

    @Test
    void omittedProviderSettingsTakeTheDefaults() throws IOException {
        StellarConfig c = load(withGpu("", "    - {id: m, upstreams: [{provider: gpu, model: x}]}\n"), Map.of()).config();
        assertEquals(List.of(ProviderConfig.of("gpu", ProviderType.OPENAI, URI.create("http://gpu:8000/v1"))),
                c.providers());
        assertEquals(List.of(ModelEntry.remote("m", List.of(new Upstream("gpu", "x", 1)))), c.models().list());
    }

    @Test
    void stellarConfigPrintsProvidersWithTheKeyMaskedAndReadsBack() throws IOException {
        LoadedConfig loaded = load(FULL, Map.of("BACKUP_KEY", "sk-ant-0123456789abcdef"));
        String printed = ConfigPrinter.render(loaded);
        assertFalse(printed.contains("sk-ant-0123456789abcdef"), printed);
        assertHas(printed, "providers:  # from file", "api_key: \"****cdef\"", "type: anthropic",
                "circuit_breaker: {failure_rate: 25, minimum_calls: 4, window: 4, open_for: \"1m\", half_open_calls: 2}");
        StellarConfig back = load(printed, Map.of()).config();
        StellarConfig original = loaded.config();
        assertEquals(original.models(), back.models());
        assertEquals(original.providers().getFirst(), back.providers().getFirst());
        assertEquals(original.providers().get(1).withApiKey(new Secret("****cdef")), back.providers().get(1));
    }

    @Test
    void providerIdsAreUniqueValidAndNotLocal() throws IOException {
        String msg = problems("""
                providers:
                  - {id: gpu, base_url: "http://a/v1"}
                  - {id: gpu, base_url: "http://b/v1"}
                  - {id: local, base_url: "http://c/v1"}
                  - {id: Big_One, base_url: "http://d/v1"}
                  - {base_url: "http://e/v1"}
                """);
        assertHas(msg, "providers[1].id = \"gpu\"", "provider id 'gpu' is used twice",
                "providers[2].id = \"local\"", "'local' is reserved",
                "providers[3].id = \"Big_One\"", "not a valid provider id",
                "providers[4].id is missing (required)");
    }

    @Test
    void baseUrlMustBeAnAbsoluteHttpUrl() throws IOException {
        String msg = problems("""
                providers:
                  - {id: a, base_url: "10.0.0.5:8000/v1"}
                  - {id: b, base_url: "ftp://host/v1"}
                  - {id: c, base_url: "/v1"}
                  - {id: d, base_url: "http://bad host/v1"}
                  - {id: e}
                """);
        assertHas(msg, "providers[0].base_url = \"10.0.0.5:8000/v1\"", "providers[1].base_url = \"ftp://host/v1\"",
                "not an absolute http(s) URL", "providers[2].base_url", "providers[3].base_url = \"http://bad host/v1\"",
                "not a URL", "providers[4].base_url is missing (required)");
    }

    @Test
    void durationsCountsAndTypesAreCheckedWithTheirPath() throws IOException {
        String msg = problems("""
                providers:
                  - id: a
                    base_url: http://a/v1
                    type: grpc
                    max_concurrency: 0
                  - id: b
                    base_url: http://b/v1
                    timeouts: {connect: 2s, idle: soon, total: 1m, first_token: 2m}
                    circuit_breaker: {failure_rate: 101, minimum_calls: 0, open_for: -1s}
                    health_check: {interval: 2h}
                  - id: c
                    base_url: http://c/v1
                    circuit_breaker: {minimum_calls: 10, window: 5}
                """);
        assertHas(msg,
                "providers[0].type = \"grpc\"", "openai or anthropic",
                "providers[0].max_concurrency = 0", "out of range; allowed: an integer 1..100000",
                "providers[1].timeouts.idle = \"soon\"", "not a duration",
                "providers[1].timeouts.first_token = \"2m\"", "longer than total (1m)",
                "providers[1].circuit_breaker.failure_rate = 101", "an integer 1..100 (percent)",
                "providers[1].circuit_breaker.minimum_calls = 0",
                "providers[1].circuit_breaker.open_for = \"-1s\"", "must not be negative",
                "providers[1].health_check.interval = \"2h\"", "a duration 0s..1h (0s = off)",
                "providers[2].circuit_breaker.minimum_calls = 10", "more than window (5)");
    }

    @Test
    void everyUnknownKeyIsAnError() throws IOException {
        String msg = problems("""
                providers:
                  - id: a
                    base_url: http://a/v1
                    apikey: x
                    timeouts: {read: 5s}
                    circuit_breaker: {threshold: 5}
                    health_check: {path: /health}
                models:
                  list:
                    - id: m
                      upstreams: [{provider: a, model: x, priority: 1}]
                      retries: {attempts: 3}
                      route: weighted
                """);
        assertHas(msg, "providers[0].apikey", "unknown key; allowed: id, type, base_url, api_key",
                "providers[0].timeouts.read", "allowed: connect, first_token, idle, total",
                "providers[0].circuit_breaker.threshold", "allowed: failure_rate, minimum_calls, window, open_for, half_open_calls",
                "providers[0].health_check.path", "allowed: interval",
                "models.list[0].upstreams[0].priority", "allowed: provider, model, weight",
                "models.list[0].retries.attempts", "allowed: max, backoff, max_backoff",
                "models.list[0].route", "allowed: id, path, chat_template_file, aliases, context_length, upstreams, routing");
    }

    @Test
    void providersMustBeAListOfMappings() throws IOException {
        assertHas(problems("providers: {id: gpu}\n"), "providers = {\"id\":\"gpu\"}", "wrong type, expected a list");
        assertHas(problems("providers: [gpu]\n"), "providers[0] = \"gpu\"", "expected a mapping of id, type, base_url");
    }

    @Test
    void apiKeyReadsTheEnvironmentAndNeverAppearsInErrors() throws IOException {
        StellarConfig c = load(withGpu("    api_key: \"Bearer-${A}-${B}\"\n", ""), Map.of("A", "x", "B", "y")).config();
        assertEquals("Bearer-x-y", c.providers().getFirst().apiKey().reveal());

        String msg = problems(withGpu("    api_key: ${NOT_SET}\n", ""));
        assertHas(msg, "providers[0].api_key = \"****\"", "environment variable NOT_SET is not set");

        msg = problems(withGpu("    api_key: [sk-very-secret-value]\n", ""));
        assertHas(msg, "providers[0].api_key = \"****\"", "wrong type");
        assertFalse(msg.contains("sk-very-secret-value"), msg);
    }

    @Test
    void upstreamsMustNameDeclaredProviders() throws IOException {
        String msg = problems("""
                providers:
                  - {id: gpu, base_url: "http://a/v1"}
                  - {id: backup, base_url: "http://b/v1"}
                models:
                  list:
                    - id: chat
                      upstreams:
                        - {provider: gpu, model: q}
                        - {provider: gpu2, model: q}
                """);
        assertHas(msg, "models.list[0].upstreams[1].provider = \"gpu2\"",
                "unknown provider 'gpu2' (known: gpu, backup)");

        msg = problems("models:\n  list:\n    - {id: chat, upstreams: [{provider: gpu, model: q}]}\n");
        assertHas(msg, "models.list[0].upstreams[0].provider = \"gpu\"", "unknown provider 'gpu' (known: none; declare it under providers)");
    }

    @Test
    void upstreamsAreCheckedOneByOne() throws IOException {
        String msg = problems(withGpu("", """
                    - {id: a, upstreams: []}
                    - {id: b, upstreams: [{provider: gpu}]}
                    - {id: c, upstreams: [{provider: gpu, model: x, weight: -1}]}
                    - {id: d, upstreams: [{provider: gpu, model: x, weight: 0}]}
                    - {id: e, upstreams: [{provider: gpu, model: x}, {provider: gpu, model: x}]}
                    - {id: f, upstreams: gpu}
                """));
        assertHas(msg, "models.list[0].upstreams = []", "must list at least one {provider, model}",
                "models.list[1].upstreams[0].model is missing (required)",
                "models.list[2].upstreams[0].weight = -1", "an integer 0..10000",
                "models.list[3].upstreams", "every weight is 0",
                "models.list[4].upstreams[1]", "provider 'gpu' with model 'x' is listed twice",
                "models.list[5].upstreams = \"gpu\"", "wrong type, expected a list");
    }

    @Test
    void exactlyOneOfPathAndUpstreams() throws IOException {
        String msg = problems(withGpu("", """
                    - {id: both, path: a.gguf, upstreams: [{provider: gpu, model: x}]}
                    - {id: neither}
                    - {id: local, path: b.gguf, routing: least_busy, retries: {max: 1}}
                """));
        assertHas(msg, "models.list[0] = ", "give either path (a local GGUF file) or upstreams (remote deployments), not both",
                "models.list[1].path is missing (required): give path (a local GGUF file) or upstreams",
                "models.list[2].routing = \"least_busy\"", "only for a model with upstreams",
                "models.list[2].retries");
    }

    @Test
    void modelIdsAndAliasesAreUniqueOverLocalAndRemote() throws IOException {
        String msg = problems(withGpu("", """
                    - {id: chat, path: a.gguf}
                    - {id: chat, upstreams: [{provider: gpu, model: x}]}
                    - {id: other, aliases: [chat], upstreams: [{provider: gpu, model: y}]}
                """));
        assertHas(msg, "models.list[1]", "model name 'chat' is used twice", "models.list[2]");
    }

    @Test
    void routingAndRetriesAreChecked() throws IOException {
        String msg = problems(withGpu("", """
                    - {id: a, upstreams: [{provider: gpu, model: x}], routing: random}
                    - {id: b, upstreams: [{provider: gpu, model: x}], retries: {max: 11, backoff: 2m}}
                    - {id: c, upstreams: [{provider: gpu, model: x}], retries: {backoff: 5s, max_backoff: 1s}}
                """));
        assertHas(msg, "models.list[0].routing = \"random\"", "weighted, least_busy or lowest_latency",
                "models.list[1].retries.max = 11", "an integer 0..10",
                "models.list[1].retries.backoff = \"2m\"", "a duration 0s..1m",
                "models.list[2].retries.max_backoff = \"1s\"", "shorter than backoff (5s)");
    }

    @Test
    void fallbacksNameOtherDeclaredModels() throws IOException {
        String msg = problems(withGpu("", """
                    - {id: chat, upstreams: [{provider: gpu, model: x}], fallbacks: [chat, nope]}
                    - {id: small, path: s.gguf, context_fallbacks: [gone]}
                """));
        assertHas(msg, "models.list[0].fallbacks[0] = \"chat\"", "a model cannot be its own fallback",
                "models.list[0].fallbacks[1] = \"nope\"", "unknown model 'nope' (known: chat, small)",
                "models.list[1].context_fallbacks[0] = \"gone\"", "unknown model 'gone'");
    }

    @Test
    void aReferenceToAnEntryWithOtherProblemsIsNotASecondError() throws IOException {
        String msg = problems(withGpu("", """
                    - {id: chat, upstreams: [{provider: gpu, model: x}], fallbacks: [broken]}
                    - {id: broken, upstreams: [{provider: nowhere, model: x}]}
                """));
        assertHas(msg, "unknown provider 'nowhere'");
        assertFalse(msg.contains("unknown model"), msg);
    }

    @Test
    void fallbackCyclesAreRejected() throws IOException {
        String msg = problems(withGpu("", """
                    - {id: a, upstreams: [{provider: gpu, model: x}], fallbacks: [b]}
                    - {id: b, upstreams: [{provider: gpu, model: y}], fallbacks: [c]}
                    - {id: c, path: c.gguf, fallbacks: [a]}
                    - {id: d, path: d.gguf, context_fallbacks: [e]}
                    - {id: e, path: e.gguf, context_fallbacks: [d]}
                """));
        assertHas(msg, "models.list[0].fallbacks", "fallback cycle a → b → c → a",
                "models.list[3].context_fallbacks", "fallback cycle d → e → d");
        ConfigException e = assertThrows(ConfigException.class, () -> load(withGpu("", """
                    - {id: a, upstreams: [{provider: gpu, model: x}], fallbacks: [b]}
                    - {id: b, upstreams: [{provider: gpu, model: y}], fallbacks: [a]}
                """), Map.of()));
        assertEquals(1, e.problems().size(), "one cycle is one problem: " + e.getMessage());
    }

    @Test
    void aCycleIsReportedEvenWhenItsEntriesHaveOtherProblems() throws IOException {
        String msg = problems(withGpu("", """
                    - {id: chat, upstreams: [{provider: gpu2, model: x}], fallbacks: [small]}
                    - {id: small, path: s.gguf, aliases: [chat], fallbacks: [chat]}
                """));
        assertHas(msg, "unknown provider 'gpu2'", "model name 'chat' is used twice", "fallback cycle chat → small → chat");
    }

    @Test
    void aChainOfFallbacksWithoutACycleIsFine() throws IOException {
        List<ModelEntry> list = load(withGpu("", """
                    - {id: a, upstreams: [{provider: gpu, model: x}], fallbacks: [b, c]}
                    - {id: b, upstreams: [{provider: gpu, model: y}], fallbacks: [c]}
                    - {id: c, path: c.gguf}
                """), Map.of()).config().models().list();
        assertEquals(List.of("b", "c"), list.getFirst().fallbacks());
    }
}
