package io.stellarchat.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jib:buildTar} builds the image without a Docker daemon or a registry, and the image config in the
 * tarball is the Dockerfile's contract: non-root user, java as the entrypoint, port 8080, volumes, STELLAR_*
 * environment, and the health check of {@code deploy/docker/jib-base.Dockerfile} kept from the base.
 *
 * <p>No registry is reachable here, so the base is an image tarball this test writes itself (Docker's
 * {@code docker save} layout: one small layer, a config carrying the HEALTHCHECK that jib-base.Dockerfile
 * declares) and hands to Jib as {@code tar://}, which Jib supports for offline bases. The base has no JRE: this
 * test checks the image's config and layers; {@code ContainerImageTest} runs a real image.
 */
class JibImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void jibBuildsATarballWhoseConfigMatchesTheDockerfile() throws Exception {
        Path root = Commands.root();
        Map<String, Object> healthcheck = Dockerfiles.healthcheck(
                Dockerfiles.single(Dockerfiles.stage(root.resolve("deploy/docker/jib-base.Dockerfile"), null), "HEALTHCHECK"));
        Path base = writeBaseImage(healthcheck);
        Path image = dir.resolve("stellarchat-jib.tar");

        Commands.maven(root, 300, List.of("-pl", "server", "jib:buildTar", "-Djib.disableUpdateChecks=true",
                "-Dstellar.image.base=tar://" + base, "-Djib.outputPaths.tar=" + image));
        assertTrue(Files.size(image) > 1_000_000, "image tarball is " + Files.size(image) + " bytes");

        Path unpacked = Files.createDirectories(dir.resolve("image"));
        Commands.run(unpacked, 60, List.of("tar", "-xf", image.toString())).orFail(List.of("tar"));
        JsonNode manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile()).get(0);
        JsonNode config = JSON.readTree(unpacked.resolve(manifest.get("Config").asText()).toFile()).get("config");

        var docker = Dockerfiles.runtimeBase(root);
        assertEquals("10001:0", config.get("User").asText());
        assertEquals(Dockerfiles.single(docker, "USER"), config.get("User").asText(), "same user as the Dockerfile");
        assertEquals("/app", config.get("WorkingDir").asText());
        assertTrue(config.get("ExposedPorts").has("8080/tcp"), config.toString());
        assertEquals(Dockerfiles.single(docker, "EXPOSE") + "/tcp", config.get("ExposedPorts").fieldNames().next());
        assertTrue(config.get("Volumes").has("/models") && config.get("Volumes").has("/data"), config.toString());

        List<String> entrypoint = strings(config.get("Entrypoint"));
        assertEquals("java", entrypoint.getFirst(), "exec form: java is PID 1 and receives SIGTERM");
        assertEquals("io.stellarchat.server.cli.Main", entrypoint.getLast());
        List<String> dockerEntrypoint = Dockerfiles.execForm(Dockerfiles.single(docker, "ENTRYPOINT"));
        for (String flag : dockerEntrypoint) {
            if (flag.startsWith("-") && !flag.equals("-cp") && !flag.startsWith("-Dstellar.native.path")) {
                assertTrue(entrypoint.contains(flag), "Jib's entrypoint lacks the Dockerfile's JVM flag " + flag + ": " + entrypoint);
            }
        }
        assertEquals(Dockerfiles.execForm(Dockerfiles.single(docker, "CMD")), strings(config.get("Cmd")));

        Map<String, String> env = new LinkedHashMap<>();
        for (String e : strings(config.get("Env"))) env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        Dockerfiles.env(docker).forEach((k, v) -> assertEquals(v, env.get(k), "environment variable " + k));

        JsonNode hc = config.get("Healthcheck");
        assertTrue(hc != null && !hc.isNull(), "the base image's health check is kept: " + config);
        assertEquals(JSON.valueToTree(healthcheck), hc);
        List<String> probe = strings(hc.get("Test"));
        String probeClassPath = probe.get(probe.indexOf("-cp") + 1);

        // The layers: the probe's class where the health check looks for it, the libraries, group-writable volumes,
        // and nothing of a build (no JDK tools, no Maven wrapper, no sources).
        List<String> entries = new ArrayList<>();
        for (JsonNode layer : manifest.get("Layers")) {
            Path file = unpacked.resolve(layer.asText());
            String listing = Commands.run(unpacked, 60, List.of("tar", "-tvzf", file.toString())).orFail(List.of("tar", "-tvzf")).output();
            entries.addAll(listing.lines().toList());
        }
        assertTrue(has(entries, probeClassPath.substring(1) + "/io/stellarchat/server/cli/HealthProbe.class"),
                "HealthProbe.class under " + probeClassPath);
        assertTrue(entries.stream().anyMatch(l -> l.matches(".* app/libs/javalin-[0-9.]+\\.jar")), "javalin in /app/libs");
        assertTrue(entries.stream().anyMatch(l -> l.matches(".* app/libs/stellarchat-engine-[0-9.]+\\.jar")), "the engine in /app/libs");
        for (String volume : List.of("data/", "models/")) {
            String line = entries.stream().filter(l -> l.endsWith(" " + volume)).findFirst().orElseThrow(() -> new AssertionError("no " + volume));
            assertTrue(line.startsWith("drwxrwxr-x"), "group 0 may write " + volume + ": " + line);
        }
        for (String l : entries) {
            assertFalse(l.endsWith("/javac") || l.endsWith("/mvnw") || l.contains(".mvn/") || l.endsWith(".java")
                    || l.endsWith("/pom.xml"), "build material in the runtime image: " + l);
        }
    }

    /** A {@code docker save} style tarball: manifest.json, config.json with the health check, one tiny layer. */
    private Path writeBaseImage(Map<String, Object> healthcheck) throws Exception {
        Path layerDir = Files.createDirectories(dir.resolve("base-layer/etc"));
        Files.writeString(layerDir.resolve("stellar-test-base"), "a base image written by JibImageTest\n");
        Path archive = Files.createDirectories(dir.resolve("base-archive"));
        Path layer = archive.resolve("layer.tar");
        Commands.run(dir, 60, List.of("tar", "-C", dir.resolve("base-layer").toString(), "-cf", layer.toString(), "."))
                .orFail(List.of("tar", "-cf"));
        String diffId = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(layer)));
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("architecture", "amd64");
        cfg.put("os", "linux");
        cfg.put("config", Map.of("Env", List.of("PATH=/usr/bin:/bin"), "Healthcheck", healthcheck));
        cfg.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(diffId)));
        cfg.put("history", List.of(Map.of("created_by", "JibImageTest base")));
        Files.writeString(archive.resolve("config.json"), JSON.writeValueAsString(cfg), StandardCharsets.UTF_8);
        Files.writeString(archive.resolve("manifest.json"), JSON.writeValueAsString(List.of(Map.of(
                "Config", "config.json", "RepoTags", List.of("stellar-test-base:latest"), "Layers", List.of("layer.tar")))));
        Path base = dir.resolve("base.tar");
        Commands.run(archive, 60, List.of("tar", "-cf", base.toString(), "manifest.json", "config.json", "layer.tar"))
                .orFail(List.of("tar", "-cf"));
        return base;
    }

    private static boolean has(List<String> entries, String path) {
        return entries.stream().anyMatch(l -> l.endsWith(" " + path));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
