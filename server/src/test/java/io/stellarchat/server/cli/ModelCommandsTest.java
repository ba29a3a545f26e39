package io.stellarchat.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.testing.LiveService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stellar pull}, {@code stellar models}, {@code models show} and {@code models rm} as a user runs them, against
 * a Hub on loopback ({@code HF_ENDPOINT}); a gated repository's error tells what to do; progress is printed as
 * plain lines when the output is not a terminal.
 */
class ModelCommandsTest {
    @TempDir
    Path dir;

    @Test
    void pullListShowAndRemove() throws Exception {
        try (var hub = io.stellarchat.server.models.FakeHubAccess.start(Files.readAllBytes(LiveService.STORIES))) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            Map<String, String> env = Map.of("HF_ENDPOINT", hub.endpoint());
            String models = "models.dir=" + dir.resolve("models");
            int rc = StellarCli.run(new CliEnvironment(env, dir, new PrintWriter(out, true), new PrintWriter(err, true)),
                    "pull", "--set", models, "acme/tiny-GGUF");
            assertEquals(0, rc, err.toString());
            assertTrue(out.toString().contains("tiny-Q4_K_M.gguf") && out.toString().contains("SHA-256 matches"), out.toString());
            assertTrue(out.toString().contains("100.0%"), "progress lines: " + out);
            assertTrue(Files.exists(dir.resolve("models/tiny-Q4_K_M.gguf")));

            StringWriter list = new StringWriter();
            assertEquals(0, StellarCli.run(new CliEnvironment(env, dir, new PrintWriter(list, true), new PrintWriter(err, true)),
                    "models", "--set", models), err.toString());
            assertTrue(list.toString().contains("tiny-Q4_K_M") && list.toString().contains("llama")
                    && list.toString().contains("Q4_K_M") && list.toString().contains("2048"), list.toString());

            StringWriter show = new StringWriter();
            assertEquals(0, StellarCli.run(new CliEnvironment(env, dir, new PrintWriter(show, true), new PrintWriter(err, true)),
                    "show", "--set", models, "tiny-Q4_K_M"), err.toString());
            assertTrue(show.toString().contains("architecture  llama") && show.toString().contains("chat template"), show.toString());

            StringWriter gated = new StringWriter();
            assertEquals(1, StellarCli.run(new CliEnvironment(env, dir, new PrintWriter(new StringWriter(), true),
                    new PrintWriter(gated, true)), "pull", "--set", models, "acme/gated-GGUF"));
            assertTrue(gated.toString().contains("gated") && gated.toString().contains("HF_TOKEN"), gated.toString());

            StringWriter rm = new StringWriter();
            assertEquals(0, StellarCli.run(new CliEnvironment(env, dir, new PrintWriter(rm, true), new PrintWriter(err, true)),
                    "models", "rm", "--set", models, "tiny-Q4_K_M"), err.toString());
            assertFalse(Files.exists(dir.resolve("models/tiny-Q4_K_M.gguf")), rm.toString());
        }
    }
}
