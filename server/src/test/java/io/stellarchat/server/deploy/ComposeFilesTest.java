package io.stellarchat.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.stellarchat.server.config.LoadedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/compose} checked by the tools that will read it: the compose file by {@code docker compose config}
 * (or Debian's {@code docker-compose}), which validates it against the Compose schema without a daemon;
 * {@code haproxy.cfg} by {@code haproxy -c}; {@code prometheus.yml} with the alert rules by
 * {@code promtool check config}. Then the wiring: both replicas get a configuration StellarChat loads without a
 * warning (PostgreSQL, Redis), HAProxy balances over exactly those replicas and checks /ready, Prometheus scrapes
 * them, and compose waits longer than the drain before SIGKILL.
 *
 * <p>Each test is skipped, with the reason printed, when its tool is missing ({@code .ci/run} installs them).
 */
class ComposeFilesTest {
    private static final Pattern HAPROXY_SERVER = Pattern.compile("(?m)^\\s*server\\s+(\\S+)\\s+(\\S+):(\\d+)\\s.*\\bcheck\\b");
    @TempDir
    Path dir;

    private final Path root = Commands.root();
    private final Path compose = root.resolve("deploy/compose");

    @Test
    void composeFileValidatesAndWiresTwoReplicasToPostgresAndRedis() throws Exception {
        JsonNode rendered = renderCompose(compose.resolve("compose.yaml"));
        JsonNode services = rendered.get("services");
        List<String> replicas = replicas(services);
        assertEquals(List.of("stellar-1", "stellar-2"), replicas);
        for (String name : List.of("haproxy", "postgres", "redis", "prometheus")) assertTrue(services.has(name), name);

        for (String replica : replicas) {
            JsonNode s = services.get(replica);
            assertEquals("Dockerfile", s.at("/build/dockerfile").asText());
            assertTrue(Files.exists(root.resolve("Dockerfile")) && s.at("/build/context").asText().endsWith(root.getFileName().toString()),
                    "built from the repository's Dockerfile: " + s.get("build"));
            Map<String, String> env = new LinkedHashMap<>();
            s.get("environment").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
            env.remove("JDK_JAVA_OPTIONS");
            LoadedConfig loaded = DeployConfig.load(root, env, dir);
            assertTrue(loaded.config().database().url().startsWith("jdbc:postgresql://postgres:"), loaded.config().database().url());
            assertTrue(loaded.config().redis().url().reveal().startsWith("redis://redis:"));
            assertEquals("0.0.0.0", loaded.config().server().host());
            assertEquals(services.at("/postgres/environment/POSTGRES_PASSWORD").asText(), loaded.config().database().password().reveal());

            Duration grace = duration(s.get("stop_grace_period").asText());
            assertTrue(grace.compareTo(loaded.config().server().drainTimeout()) > 0,
                    "stop_grace_period " + grace + " > drain " + loaded.config().server().drainTimeout());
            assertTrue(s.at("/healthcheck/test").toString().contains("HealthProbe"), s.get("healthcheck").toString());
            assertEquals("service_healthy", s.at("/depends_on/postgres/condition").asText());
            assertTrue(s.get("volumes").toString().contains("/models"), "models volume");
        }
    }

    @Test
    void composeValidationCatchesABrokenFile() throws Exception {
        Path broken = dir.resolve("compose.yaml");
        String text = Files.readString(compose.resolve("compose.yaml")).replace("  stop_grace_period: 45s", "  stop_grace_periodd: 45s");
        assertNotEquals(Files.readString(compose.resolve("compose.yaml")), text);
        Files.writeString(broken, text);
        Files.copy(compose.resolve("haproxy.cfg"), dir.resolve("haproxy.cfg"));
        Files.copy(compose.resolve("prometheus.yml"), dir.resolve("prometheus.yml"));
        Commands.Result r = Commands.run(dir, 120, composeCommand(broken, "config", "-q"));
        assertNotEquals(0, r.exit(), "a misspelt key must fail validation:\n" + r.output());
        assertTrue(r.output().contains("stop_grace_periodd"), r.output());
    }

    @Test
    void haproxyConfigIsValidAndBalancesOverTheReplicasWithReadyChecks() throws Exception {
        Optional<Path> haproxy = Optional.of(Path.of("/usr/sbin/haproxy")).filter(Files::isExecutable).or(() -> Commands.onPath("haproxy"));
        Commands.skipUnless(haproxy.isPresent(), "haproxy is not installed (Debian package haproxy)");
        Path cfg = compose.resolve("haproxy.cfg");
        List<String> cmd = List.of(haproxy.get().toString(), "-c", "-f", cfg.toString());
        Commands.Result r = Commands.run(dir, 60, cmd).orFail(cmd);
        assertTrue(r.output().contains("Configuration file is valid"), r.output());
        for (String line : r.output().lines().toList()) {
            // The replicas' names resolve only inside compose's network.
            if (line.contains("[WARNING]") || line.contains("[ALERT]")) {
                assertTrue(line.contains("could not resolve address"), "unexpected haproxy warning: " + line);
            }
        }
        String text = Files.readString(cfg);
        Matcher m = HAPROXY_SERVER.matcher(text);
        TreeSet<String> backends = new TreeSet<>();
        while (m.find()) {
            backends.add(m.group(2));
            assertEquals("8080", m.group(3));
        }
        assertEquals(new TreeSet<>(List.of("stellar-1", "stellar-2")), backends);
        assertTrue(text.contains("option httpchk GET /ready"), "health check on /ready");
        assertTrue(text.contains("balance roundrobin"));
        assertTrue(Pattern.compile("timeout tunnel\\s+\\d+h").matcher(text).find(), "a WebSocket-friendly tunnel timeout");
    }

    @Test
    void prometheusConfigIsValidLoadsTheAlertRulesAndScrapesBothReplicas() throws Exception {
        Optional<Path> promtool = Commands.onPath("promtool");
        Commands.skipUnless(promtool.isPresent(), "promtool is not installed (Debian package prometheus)");
        // As compose mounts them: the rules beside prometheus.yml.
        Files.copy(compose.resolve("prometheus.yml"), dir.resolve("prometheus.yml"));
        Files.copy(root.resolve("deploy/prometheus/stellarchat-alerts.yml"), dir.resolve("stellarchat-alerts.yml"));
        List<String> cmd = List.of(promtool.get().toString(), "check", "config", dir.resolve("prometheus.yml").toString());
        Commands.Result r = Commands.run(dir, 60, cmd).orFail(cmd);
        assertTrue(r.output().contains("rules found"), r.output());

        JsonNode prom = new YAMLMapper().readTree(compose.resolve("prometheus.yml").toFile());
        List<String> targets = new ArrayList<>();
        for (JsonNode job : prom.get("scrape_configs")) {
            if (job.get("job_name").asText().equals("stellarchat")) {
                assertEquals("/metrics", job.get("metrics_path").asText());
                job.at("/static_configs/0/targets").forEach(t -> targets.add(t.asText()));
            }
        }
        assertEquals(List.of("stellar-1:8080", "stellar-2:8080"), targets);
        JsonNode composeFile = new YAMLMapper().readTree(compose.resolve("compose.yaml").toFile());
        assertTrue(composeFile.at("/services/prometheus/volumes").toString().contains("stellarchat-alerts.yml"),
                "compose mounts the alert rules");
    }

    /** The compose file as the compose tool renders it (interpolated with .env.example, merged, validated). */
    private JsonNode renderCompose(Path file) throws Exception {
        List<String> cmd = composeCommand(file, "config");
        Commands.Result r = Commands.run(file.getParent(), 120, cmd).orFail(cmd);
        return new YAMLMapper().readTree(r.output());
    }

    private List<String> composeCommand(Path file, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        Optional<Path> docker = Commands.onPath("docker");
        if (docker.isPresent() && Commands.run(dir, 30, List.of(docker.get().toString(), "compose", "version")).exit() == 0) {
            cmd.addAll(List.of(docker.get().toString(), "compose"));
        } else {
            Optional<Path> v1 = Commands.onPath("docker-compose");
            Commands.skipUnless(v1.isPresent(), "neither 'docker compose' nor docker-compose is installed (Debian package docker-compose)");
            cmd.add(v1.get().toString());
        }
        cmd.addAll(List.of("--env-file", compose.resolve(".env.example").toString(), "-f", file.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static List<String> replicas(JsonNode services) {
        List<String> out = new ArrayList<>();
        services.properties().forEach(e -> {
            if (e.getValue().has("build")) out.add(e.getKey());
        });
        return out.stream().sorted().toList();
    }

    private static Duration duration(String text) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m)").matcher(text);
        assertTrue(m.matches(), text);
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }
}
