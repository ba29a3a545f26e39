package io.stellarchat.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine commands (run, tokenize, inspect, logits, gguf synth) on real files, in-process. */
class EngineCommandsTest {
    private static final Path SHARED = Path.of(System.getProperty("stellar.shared", "../shared")).toAbsolutePath();
    private static final String STORIES = SHARED.resolve("models/stories260K.gguf").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(String... args) {
        CliEnvironment e = new CliEnvironment(Map.of(), dir, new PrintWriter(out, true), new PrintWriter(err, true));
        return StellarCli.run(e, args);
    }

    private JsonNode pack() throws Exception {
        return JSON.readTree(SHARED.resolve("testdata/engine/stories260K.json").toFile());
    }

    @Test
    void runPrintsLlamaCppsGreedyStory() throws Exception {
        JsonNode p1 = pack().get("cases").get(2);
        assertEquals("P1", p1.get("name").asText());
        assertEquals(0, run("run", "--model", STORIES, "--prompt", "Once upon a time", "-n", "64", "--temp", "0",
                "-t", "2"), err.toString());
        String expected = "Once upon a time" + p1.get("llamacpp").get("continuation_text").asText() + System.lineSeparator();
        assertEquals(expected, out.toString());
        assertTrue(err.toString().matches("(?s).*prompt: 5 tokens, [0-9.]+ tok/s \\| generation: 64 tokens, [0-9.]+ tok/s.*"),
                err.toString());
    }

    @Test
    void tokenizePrintsLlamaCppsIds() throws Exception {
        JsonNode p2 = pack().get("cases").get(3);
        assertEquals(0, run("tokenize", "--model", STORIES, p2.get("prompt").asText()), err.toString());
        StringBuilder ids = new StringBuilder();
        p2.get("tokens").forEach(t -> ids.append(ids.isEmpty() ? "" : " ").append(t.asInt()));
        assertEquals(ids + System.lineSeparator(), out.toString());
    }

    @Test
    void inspectListsMetadataAndTensors() {
        assertEquals(0, run("inspect", STORIES), err.toString());
        String s = out.toString();
        assertTrue(s.contains("GGUF version 3"), s);
        assertTrue(s.contains("tensors (48):"), s);
        assertTrue(s.contains("general.architecture") && s.contains("\"llama\""), s);
        assertTrue(s.contains("blk.4.ffn_down.weight"), s);
    }

    @Test
    void logitsTopOneMatchesTheReferenceAtEveryPosition() throws Exception {
        JsonNode t1 = pack().get("cases").get(0);
        StringBuilder ids = new StringBuilder();
        t1.get("tokens").forEach(t -> ids.append(ids.isEmpty() ? "" : ",").append(t.asInt()));
        assertEquals(0, run("logits", "--model", STORIES, "--tokens", ids.toString(), "--top", "5"), err.toString());
        JsonNode got = JSON.readTree(out.toString());
        JsonNode ref = t1.get("reference_f64").get("top20");
        assertEquals(ref.size(), got.get("positions").size());
        for (int i = 0; i < ref.size(); i++) {
            JsonNode top = got.get("positions").get(i).get("top");
            assertEquals(5, top.size());
            assertEquals(ref.get(i).get(0).get(0).asInt(), top.get(0).get(0).asInt(), "position " + i);
            assertEquals(ref.get(i).get(0).get(1).asDouble(), top.get(0).get(1).asDouble(), 1e-3, "position " + i);
        }
    }

    @Test
    void synthWritesAModelThatLoadsAndGenerates() {
        Path model = dir.resolve("tiny.gguf");
        assertEquals(0, run("gguf", "synth", "--arch", "qwen3", "--shape", "tiny", "--type", "q4_k_m",
                "--vocab-from", STORIES, "-o", model.toString()), err.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("run", "--model", model.toString(), "--prompt", "Hello", "-n", "8", "--temp", "0",
                "--ignore-eos"), err.toString());
        assertTrue(err.toString().contains("generation: 8 tokens"), err.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("inspect", model.toString()));
        assertTrue(out.toString().contains("Q4_K") && out.toString().contains("Q6_K"), out.toString());
    }

    @Test
    void badInputGetsOneLineAndExitCodeOne() {
        assertEquals(1, run("inspect", SHARED.resolve("models/legacy/tinyllamas-stories-260k-f32.gguf").toString()));
        assertTrue(err.toString().contains("too old"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("gguf", "synth", "--arch", "gpt9", "--vocab-from", STORIES, "-o", dir.resolve("x").toString()));
        assertTrue(err.toString().contains("gpt9"), err.toString());
    }
}
