package io.stellarchat.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code Dockerfile} builds with podman and its container serves: /health, a chat completion with the model
 * mounted at /models, the image's HEALTHCHECK, and SIGTERM drains a stream that is running.
 *
 * <p>Skipped, with the reason printed, when podman is missing or cannot run containers, or when no JRE 25 base
 * image can be had: {@code eclipse-temurin:25-jre} if it is in podman's storage (nothing is pulled; there is no
 * registry here), else {@code localhost/stellarchat-jre:25}, which {@code deploy/docker/local-jre-base.sh} builds
 * once per machine from this JDK (a jlink runtime plus the host's libraries, about a minute) and podman keeps.
 *
 * <p>The image is built with {@code --target prebuilt} from a context this test packs (the server's classes as
 * {@code stellar-server.jar}, its runtime libraries from {@code target/runtime-classpath.txt}), because the
 * build stage would need Maven Central inside the build and minutes of compiling; the runtime stage, the part
 * users run, is the one under test. Podman runs with runc when it is installed (crun refuses this machine's
 * hybrid cgroups) and with explicit ulimits (its defaults exceed what this sandbox may set).
 */
class ContainerImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "stories260K";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir
    static Path dir;
    private static Path root;
    private static List<String> podman;
    private static String image;
    private static String container;
    private static String baseUrl;

    @BeforeAll
    static void buildAndStart() throws Exception {
        root = Commands.root();
        Optional<Path> binary = Commands.onPath("podman");
        Commands.skipUnless(binary.isPresent(), "podman is not installed (Debian package podman)");
        podman = new ArrayList<>(List.of(binary.get().toString()));
        Commands.onPath("runc").ifPresent(runc -> podman.addAll(List.of("--runtime", runc.toString())));
        Commands.Result info = Commands.run(dir, 60, cmd("info"));
        Commands.skipUnless(info.exit() == 0, "podman info fails here: " + info.output());

        String base = baseImage();
        Commands.Result smoke = Commands.run(dir, 120, cmd("run", "--rm", "--ulimit", "nofile=4096:4096", "--ulimit",
                "nproc=4096:4096", base, "java", "-version"));
        Commands.skipUnless(smoke.exit() == 0, "podman cannot run a container of " + base + " here: " + smoke.output());

        Path context = packContext();
        image = "localhost/stellarchat-test:" + UUID.randomUUID().toString().substring(0, 8);
        Commands.run(dir, 600, cmd("build", "--format", "docker", "--layers=false", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
                "--build-arg", "RUNTIME_IMAGE=" + base, "--target", "prebuilt",
                "-f", root.resolve("Dockerfile").toString(), "-t", image, context.toString())).orFail(List.of("podman", "build"));

        Path model = Path.of(System.getProperty("stellar.shared", "../shared"), "models", MODEL + ".gguf").toAbsolutePath();
        container = "stellarchat-test-" + UUID.randomUUID().toString().substring(0, 8);
        Commands.run(dir, 120, cmd("run", "-d", "--name", container, "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
                "-p", "127.0.0.1::8080", "-v", model + ":/models/" + MODEL + ".gguf:ro",
                "-e", "STELLAR_SERVER_DRAIN_TIMEOUT=60s", "-e", "STELLAR_ENGINE_THREADS=1", image)).orFail(List.of("podman", "run"));
        String port = Commands.run(dir, 30, cmd("port", container, "8080")).orFail(List.of("podman", "port")).output().strip();
        baseUrl = "http://" + port.lines().findFirst().orElseThrow().strip();
        waitForHealth();
    }

    @AfterAll
    static void removeAll() throws Exception {
        if (container != null) Commands.run(dir, 120, cmd("rm", "-f", "-t", "5", container));
        if (image != null) Commands.run(dir, 120, cmd("rmi", "-f", image));
    }

    @Test
    void imageRunsAsNonRootWithHealthCheckVolumesAndNoBuildTools() throws Exception {
        JsonNode config = JSON.readTree(Commands.run(dir, 60, cmd("image", "inspect", image)).orFail(List.of("inspect")).output())
                .get(0).get("Config");
        assertEquals("10001:0", config.get("User").asText());
        assertTrue(config.get("ExposedPorts").has("8080/tcp"), config.toString());
        assertTrue(config.get("Volumes").has("/models") && config.get("Volumes").has("/data"), config.toString());
        assertEquals("java", config.get("Entrypoint").get(0).asText(), "exec form: java is PID 1");
        JsonNode hc = JSON.readTree(Commands.run(dir, 60, cmd("image", "inspect", "--format", "{{json .HealthCheck}}", image))
                .orFail(List.of("inspect")).output());
        assertTrue(hc.get("Test").toString().contains("io.stellarchat.server.cli.HealthProbe"), hc.toString());

        // The image's own HEALTHCHECK command, run by podman inside the running container.
        Commands.Result check = Commands.run(dir, 60, cmd("healthcheck", "run", container));
        assertEquals(0, check.exit(), "healthcheck: " + check.output());

        Path fs = dir.resolve("fs.tar");
        Commands.run(dir, 300, cmd("export", "-o", fs.toString(), container)).orFail(List.of("podman", "export"));
        List<String> files = Commands.run(dir, 120, List.of("tar", "-tf", fs.toString())).orFail(List.of("tar", "-tf")).output().lines().toList();
        assertTrue(files.contains("app/stellar-server.jar"), "the server jar");
        for (String f : files) {
            assertFalse(f.endsWith("bin/javac") || f.endsWith("mvnw") || f.contains(".m2/") || f.endsWith(".java")
                    || f.endsWith("bin/jlink"), "build material in the runtime image: " + f);
        }
        String props = Commands.run(dir, 30, cmd("exec", container, "java", "-XshowSettings:properties", "-version")).output();
        assertTrue(props.contains("user.name = 10001"), "processes in the container run as uid 10001: " + props);
    }

    @Test
    void containerAnswersAChatAndDrainsARunningStreamOnSigterm() throws Exception {
        HttpResponse<String> chat = HTTP.send(post("{\"model\":\"" + MODEL + "\",\"max_tokens\":8,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}"), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, chat.statusCode(), chat.body());
        JsonNode answer = JSON.readTree(chat.body());
        assertEquals(8, answer.at("/usage/completion_tokens").asInt(), chat.body());
        assertFalse(answer.at("/choices/0/message/content").asText().isEmpty(), chat.body());

        // A long stream; SIGTERM (what `docker stop` and Kubernetes send) once its first tokens arrived.
        HttpResponse<InputStream> stream = HTTP.send(post("{\"model\":\"" + MODEL + "\",\"max_tokens\":400,\"stream\":true,"
                + "\"ignore_eos\":true,\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}]}"),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        int before = 0;
        int after = 0;
        String finish = null;
        boolean done = false;
        boolean killed = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ")) continue;
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                JsonNode chunk = JSON.readTree(data);
                if (!chunk.at("/choices/0/finish_reason").isMissingNode() && !chunk.at("/choices/0/finish_reason").isNull()) {
                    finish = chunk.at("/choices/0/finish_reason").asText();
                }
                if (killed) after++;
                else before++;
                if (!killed && before == 3) {
                    Commands.run(dir, 30, cmd("kill", "--signal", "TERM", container)).orFail(List.of("podman", "kill"));
                    killed = true;
                }
            }
        }
        assertTrue(killed, "the stream ended before SIGTERM could be sent");
        assertTrue(after > 0, "chunks after SIGTERM: " + after);
        assertTrue(done, "the stream ended with [DONE] (drained, not cut)");
        assertEquals("length", finish, "all 400 tokens were generated");

        String exit = Commands.run(dir, 90, cmd("wait", container)).orFail(List.of("podman", "wait")).output().strip();
        assertEquals("143", exit.lines().reduce((a, b) -> b).orElse(""), "java exits on SIGTERM after its shutdown hook");
        String logs = Commands.run(dir, 30, cmd("logs", container)).output();
        assertTrue(logs.contains("shutdown complete"), logs.length() > 3000 ? logs.substring(logs.length() - 3000) : logs);
    }

    private static HttpRequest post(String body) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/v1/chat/completions")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static void waitForHealth() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("container not healthy in 180 s (" + last + "):\n" + Commands.run(dir, 30, cmd("logs", container)).output());
    }

    /** eclipse-temurin:25-jre when podman has it, else the local JRE base (built here when missing). */
    private static String baseImage() throws Exception {
        for (String candidate : List.of("docker.io/library/eclipse-temurin:25-jre", "localhost/stellarchat-jre:25")) {
            if (Commands.run(dir, 30, cmd("image", "exists", candidate)).exit() == 0) return candidate;
        }
        Path jlink = Commands.javaHome().resolve("bin/jlink");
        Commands.skipUnless(Files.isExecutable(jlink), "no eclipse-temurin:25-jre in podman's storage and no jlink at " + jlink
                + " to build localhost/stellarchat-jre:25");
        System.out.println("ContainerImageTest: no eclipse-temurin:25-jre here; building localhost/stellarchat-jre:25 from "
                + Commands.javaHome() + " (once per machine)");
        Commands.Result built = Commands.run(root, 600, java.util.Map.of("CONTAINER_ENGINE", podman.getFirst()),
                List.of(root.resolve("deploy/docker/local-jre-base.sh").toString(), "localhost/stellarchat-jre:25",
                        Commands.javaHome().toString()));
        Commands.skipUnless(built.exit() == 0, "could not build the local JRE base: " + built.output());
        return "localhost/stellarchat-jre:25";
    }

    /** A build context for --target prebuilt: server/target/stellar-server.jar and server/target/lib/. */
    private static Path packContext() throws Exception {
        Path ctx = dir.resolve("context");
        Path lib = Files.createDirectories(ctx.resolve("server/target/lib"));
        jar(ctx.resolve("server/target/stellar-server.jar"), Path.of("target/classes"), "io.stellarchat.server.cli.Main");
        String cp = Files.readString(Path.of("target/runtime-classpath.txt")).strip();
        for (String entry : cp.split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                // A reactor module's classes (the engine, in a multi-module build): pack them as its jar would be.
                jar(lib.resolve(p.getParent().getParent().getFileName() + ".jar"), p, null);
            } else {
                Files.copy(p, lib.resolve(p.getFileName()));
            }
        }
        return ctx;
    }

    private static void jar(Path target, Path classes, String mainClass) {
        List<String> args = new ArrayList<>(List.of("--create", "--file", target.toString()));
        if (mainClass != null) args.addAll(List.of("--main-class", mainClass));
        args.addAll(List.of("-C", classes.toString(), "."));
        ToolProvider tool = ToolProvider.findFirst("jar").orElseThrow();
        int code = tool.run(System.out, System.err, args.toArray(String[]::new));
        if (code != 0) throw new AssertionError("jar " + args + " exited " + code);
    }

    private static List<String> cmd(String... args) {
        List<String> c = new ArrayList<>(podman);
        c.addAll(List.of(args));
        return c;
    }
}
