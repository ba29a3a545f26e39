package io.stellarchat.server.api.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.testing.LiveService;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ollama API driven by the official {@code ollama} JavaScript client (installed from npm into a temporary
 * directory and run with the machine's node): list, show, ps, chat and generate streamed and not, format json
 * and a JSON schema, embed, a missing model's error, tools accepted. Plus the wire details the client does not
 * show: NDJSON framing and the {"error"} shape.
 */
class OllamaClientTest {
    static final String CLIENT_VERSION = "0.6.4";
    @TempDir
    static Path dir;
    static LiveService live;

    @BeforeAll
    static void start() {
        Path qwen3 = Path.of(System.getProperty("stellar.shared", "../shared"))
                .resolve("testdata/chat-templates/templates/Qwen-Qwen3-0.6B.jinja").toAbsolutePath();
        live = new LiveService(dir.resolve("server"), List.of(LiveService.stories("stories", 0),
                LiveService.stories("qwenish", 0).withChatTemplate(qwen3)));
    }

    @AfterAll
    static void stop() {
        if (live != null) live.close();
    }

    private static String run(Path cwd, long seconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + seconds + " s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + text);
        return text;
    }

    @Test
    void theOfficialJavaScriptClientWorks() throws Exception {
        Path js = Files.createDirectories(dir.resolve("js"));
        Files.writeString(js.resolve("package.json"), "{\"name\":\"stellar-ollama-test\",\"private\":true,\"type\":\"module\","
                + "\"dependencies\":{\"ollama\":\"" + CLIENT_VERSION + "\"}}");
        try (InputStream s = OllamaClientTest.class.getResourceAsStream("/ollama/client.mjs")) {
            Files.write(js.resolve("client.mjs"), s.readAllBytes());
        }
        run(js, 180, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
        String printed = run(js, 120, "node", "client.mjs", "http://127.0.0.1:" + live.port, "stories", "qwenish");
        JsonNode out = LiveService.JSON.readTree(printed.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());

        assertTrue(out.get("list").toString().contains("\"name\":\"stories\""), out.get("list").toString());
        assertEquals("llama", out.at("/list/0/family").asText());
        assertEquals("gguf", out.at("/list/0/format").asText());
        assertTrue(out.at("/show/capabilities").toString().contains("completion"));
        assertTrue(out.at("/show/info/llama.context_length").asInt() > 0, out.get("show").toString());
        assertTrue(out.get("ps").toString().contains("stories"));

        JsonNode chat = out.get("chat");
        assertTrue(chat.get("done").asBoolean());
        assertFalse(chat.get("content").asText().isEmpty());
        assertTrue(chat.get("evalCount").asInt() > 0 && chat.get("promptCount").asInt() > 0, chat.toString());
        assertTrue(chat.get("evalDuration").asLong() > 0 && chat.get("total").asLong() >= chat.get("evalDuration").asLong());
        JsonNode streamed = out.get("chatStream");
        assertEquals(chat.get("content").asText(), streamed.get("content").asText(), "streamed = collected (temperature 0)");
        assertTrue(streamed.get("parts").asInt() > 2, streamed.toString());
        assertTrue(streamed.get("done").asBoolean());
        assertFalse(out.get("generate").asText().isEmpty());

        JsonNode json = out.get("formatJson");
        if (json.get("reason").asText().equals("stop")) {
            assertTrue(LiveService.JSON.readTree(json.get("content").asText()).isObject(), json.toString());
        }
        JsonNode schema = out.get("formatSchema");
        assertEquals("stop", schema.get("reason").asText(), schema.toString());
        JsonNode doc = LiveService.JSON.readTree(schema.get("content").asText());
        assertTrue(doc.get("name").isTextual() && doc.get("ok").isBoolean(), doc.toString());

        assertEquals(2, out.at("/embed/count").asInt());
        assertTrue(out.at("/embed/dim").asInt() > 0);
        assertTrue(out.at("/missing/message").asText().contains("not found"), out.get("missing").toString());
        assertEquals(404, out.at("/missing/status").asInt());
        assertTrue(out.at("/tools/calls").isArray(), out.get("tools").toString());
    }

    @Test
    void streamingIsNdjsonAndErrorsHaveOllamasShape() throws Exception {
        HttpResponse<String> r = live.post("/api/generate", null, "{\"model\":\"stories\",\"prompt\":\"Once\","
                + "\"options\":{\"num_predict\":5,\"temperature\":0}}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
        List<String> lines = r.body().lines().toList();
        assertTrue(lines.size() >= 2, r.body());
        for (String l : lines) LiveService.JSON.readTree(l); // every line one JSON object
        JsonNode last = LiveService.JSON.readTree(lines.getLast());
        assertTrue(last.get("done").asBoolean());
        assertEquals("length", last.get("done_reason").asText());
        assertEquals(5, last.get("eval_count").asInt());

        // keep_alive 0 unloads the model once the request is done (`ollama stop`); the next request loads it again.
        HttpResponse<String> stop = live.post("/api/generate", null, "{\"model\":\"stories\",\"keep_alive\":0}");
        assertEquals("unload", LiveService.json(stop).get("done_reason").asText(), stop.body());
        assertFalse(live.get("/api/ps", null).body().contains("\"stories\""), "unloaded");
        HttpResponse<String> again = live.post("/api/generate", null, "{\"model\":\"stories\",\"prompt\":\"Once\",\"stream\":false,"
                + "\"options\":{\"num_predict\":3}}");
        assertEquals(200, again.statusCode(), again.body());
        assertTrue(live.get("/api/ps", null).body().contains("\"stories\""), "loaded again on demand");

        HttpResponse<String> bad = live.post("/api/chat", null, "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\",\"images\":[\"aGk=\"]}]}");
        assertEquals(400, bad.statusCode());
        assertTrue(LiveService.json(bad).get("error").asText().contains("Images"), bad.body());
        HttpResponse<String> pull = live.post("/api/pull", null, "{\"model\":\"llama3\"}");
        assertEquals(400, pull.statusCode(), pull.body());
        assertTrue(LiveService.json(pull).get("error").asText().contains("<owner>/<repository>"), pull.body());
        HttpResponse<String> copy = live.post("/api/copy", null, "{\"source\":\"a\",\"destination\":\"b\"}");
        assertEquals(501, copy.statusCode());
        assertTrue(LiveService.json(copy).get("error").isTextual());
    }
}
