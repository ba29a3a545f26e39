package io.stellarchat.server.api.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.DataConfig;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.LiveService;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI in a real browser: Debian's {@code chromium}, headless, driven by {@code playwright-core} (pinned in
 * {@code src/test/browser/package-lock.json}, installed with {@code npm ci}) running {@code webui.mjs}, against the
 * whole service as {@code stellar serve} builds it — stories260K on the local engine, a slow remote upstream and
 * one that refuses connections, the SQLite chat database.
 *
 * <p>The browser sends a message and sees it stream, stops a slow answer with Esc, reloads and finds the
 * session, sees a failing provider's breaker open in the console, pulls a model from a fake Hub with a progress
 * bar and loads and unloads it, creates a key and sees its secret once, and
 * reports every console error; this class then checks what the browser saw against the server's own state. The
 * screenshots of each page land in {@code target/webui-screenshots/}.
 */
class WebUiBrowserTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path SCREENSHOTS = Path.of("target/webui-screenshots");
    /** The slow upstream's scripted answer: Markdown first (a code block), then many words, 120 ms apart. */
    static final List<String> SLOW_PIECES = slowPieces();

    @TempDir
    static Path dir;
    static FakeUpstream slow;
    static io.stellarchat.server.models.FakeHubAccess hub;
    static StellarService service;
    static int port;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static List<String> slowPieces() {
        List<String> p = new ArrayList<>(List.of("Here is a **short** program", " to start the story:\n\n", "```python\n",
                "def tell(story):\n", "    print(\"Once\", story)  # begin\n", "```\n\n", "Once", " upon", " a", " time"));
        for (int i = 0; i < 60; i++) p.add(" and then " + i);
        return List.copyOf(p);
    }

    /** A streamed call of get_weather({"city":"Oslo"}): the name, the arguments in two pieces, finish tool_calls. */
    static List<String> toolCallFrames() {
        String head = "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-model\",\"choices\":[{\"index\":0,";
        return List.of(
                FakeUpstream.data(head + "\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_7\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}"),
                FakeUpstream.data(head + "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},"
                        + "\"finish_reason\":null}]}"),
                FakeUpstream.data(head + "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]},"
                        + "\"finish_reason\":null}]}"),
                FakeUpstream.openAiChunk("", "tool_calls"),
                FakeUpstream.openAiUsage(20, 9, 0, 0),
                FakeUpstream.DONE);
    }

    @BeforeAll
    static void start() throws IOException {
        slow = FakeUpstream.start();
        slow.enqueue(FakeUpstream.Reply.sse(FakeUpstream.openAiText(SLOW_PIECES.toArray(String[]::new)))
                .everyEvent(Duration.ofMillis(120)));
        slow.enqueue(FakeUpstream.Reply.sse(FakeUpstream.openAiText("<think>", "The user greets.", "</think>",
                "Hello ", "**there**", "!")));
        // Regenerate, then edit and resend (in that order in webui.mjs), then a tool call and the answer to its result.
        slow.enqueue(FakeUpstream.Reply.sse(FakeUpstream.openAiText("Hello ", "again")));
        slow.enqueue(FakeUpstream.Reply.sse(FakeUpstream.openAiText("Hello ", "edited")));
        slow.enqueue(FakeUpstream.Reply.sse(toolCallFrames()));
        slow.enqueue(FakeUpstream.Reply.sse(FakeUpstream.openAiText("It is ", "sunny in Oslo.")));
        int refused;
        try (ServerSocket s = new ServerSocket(0)) {
            refused = s.getLocalPort(); // closed again: connections to it are refused
        }
        ProviderConfig.Timeouts quick = new ProviderConfig.Timeouts(Duration.ofMillis(500), Duration.ofSeconds(2),
                Duration.ofSeconds(2), Duration.ofSeconds(30));
        List<ProviderConfig> providers = List.of(
                ProviderConfig.of("slowprov", ProviderConfig.ProviderType.OPENAI, slow.baseUrl()).withTimeouts(quick)
                        .withHealthInterval(Duration.ZERO),
                ProviderConfig.of("flaky", ProviderConfig.ProviderType.OPENAI, URI.create("http://127.0.0.1:" + refused + "/v1"))
                        .withTimeouts(quick).withHealthInterval(Duration.ZERO)
                        .withBreaker(new ProviderConfig.BreakerSettings(50, 2, 4, Duration.ofMinutes(5), 1)));
        List<ModelEntry> models = List.of(
                new ModelEntry("stories260K", LiveService.STORIES, List.of(), 0),
                ModelEntry.remote("slow", List.of(new ModelEntry.Upstream("slowprov", FakeUpstream.MODEL, 1))),
                ModelEntry.remote("flaky", List.of(new ModelEntry.Upstream("flaky", "m", 1))));
        hub = io.stellarchat.server.models.FakeHubAccess.start(Files.readAllBytes(LiveService.STORIES));
        StellarConfig d = StellarConfig.defaults();
        StellarConfig config = new StellarConfig(d.server().withPort(0), d.logging(),
                new ModelsConfig(Files.createDirectories(dir.resolve("models")), models, Duration.ZERO, 0, hub.endpoint(),
                        new io.stellarchat.server.config.Secret("")),
                new EngineConfig(1, 0, d.engine().queueDepth(), d.engine().maxWait(), d.engine().keepAlive()),
                new DataConfig(dir), d.database(), d.metrics(), providers);
        ModelRegistry registry = ModelRegistry.load(config.models(), config.engine());
        ChatDatabase db = ChatDatabase.open(config.database(), dir, Clock.systemUTC());
        service = new StellarService(config, registry, db, List.of());
        port = service.start();
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
        if (slow != null) slow.close();
        if (hub != null) hub.close();
        http.shutdownNow();
    }

    @Test
    void theWebUiWorksInARealBrowser() throws Exception {
        // Older sessions than one page of the list holds (20): the rest come with "Load more".
        for (int i = 0; i < 22; i++) {
            HttpResponse<String> made = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/sessions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"stories260K\",\"title\":\"old session " + i + "\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, made.statusCode(), made.body());
        }
        Path work = installPlaywright();
        Files.createDirectories(SCREENSHOTS);
        String out = run(work, 150, "node", "webui.mjs", "http://127.0.0.1:" + port, SCREENSHOTS.toAbsolutePath().toString());
        String line = out.lines().filter(l -> l.startsWith("RESULT ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("the browser script printed no result:\n" + out));
        JsonNode r = JSON.readTree(line.substring(7));
        assertFalse(r.has("failed"), () -> "browser step failed: " + r.get("failed").toPrettyString() + "\n" + out);

        // Streaming: the page showed the stored answer, received in several frames.
        JsonNode stream = r.get("stream");
        JsonNode stored = message(stream.get("sessionId").asText(), stream.get("messageId").asText());
        assertEquals(stored.get("content").asText(), stream.get("streamed").asText());
        assertEquals(stream.get("completion").asInt(), stored.at("/usage/completion_tokens").asInt());
        assertTrue(stream.get("deltas").asInt() >= 2, stream.toString());

        JsonNode storySession = get("/v1/sessions/" + stream.get("sessionId").asText(), null);
        assertEquals("You tell short stories.", storySession.get("system_prompt").asText(), "the side panel's system prompt");
        assertEquals("Jack and the bird", storySession.get("title").asText(), "renamed in the list");
        assertEquals(404, send("/v1/sessions/" + r.get("deletedSession").asText(), null).statusCode(), "deleted in the list");
        assertTrue(stream.get("completion").asInt() <= 200, "max tokens from the side panel: " + stream);

        // Stop: the stored reply is the partial answer the page showed, finished "stop", well short of the script.
        JsonNode stop = r.get("stop");
        JsonNode stopped = message(stop.get("sessionId").asText(), stop.get("messageId").asText());
        assertEquals("stop", stopped.get("finish_reason").asText(), stopped.toString());
        assertEquals(stopped.get("content").asText(), stop.get("streamed").asText());
        String full = String.join("", SLOW_PIECES);
        assertTrue(stopped.get("content").asText().length() < full.length() / 2, "stopped mid-answer: " + stopped);
        assertTrue(stop.get("deltasTotal").asInt() <= stop.get("deltasBeforeStop").asInt() + 3,
                "the answer ended within a few tokens of the stop: " + stop);
        assertTrue(stop.get("stopToEndMs").asLong() < 2000, stop.toString());

        // The failing provider's breaker is open on the server too; the key the console showed once works.
        JsonNode providers = get("/v1/admin/providers", null);
        for (JsonNode p : providers.get("data")) {
            if (p.get("id").asText().equals("flaky")) assertEquals("open", p.get("circuit").asText(), p.toString());
        }
        String secret = r.get("secret").asText();
        assertEquals(200, send("/v1/models", secret).statusCode(), "the new key authenticates");
        assertFalse(send("/v1/admin/keys", null).body().contains(secret), "the key list never holds the secret");
        assertEquals(600, get("/v1/admin/keys", null).at("/data/0/limits/requests_per_minute").asInt(), "limits set in the console");
        String keySession = r.get("keySession").asText();
        assertTrue(get("/v1/sessions", secret).toString().contains(keySession), "the signed-in chat is the key owner's");
        assertFalse(get("/v1/sessions", null).toString().contains(keySession), "and not the default owner's");

        // Regenerate and edit rewound the stored history: one question (the edited one) and one answer.
        JsonNode edited = get("/v1/sessions/" + r.at("/edited/sessionId").asText() + "/messages", null).get("data");
        assertEquals(2, edited.size(), edited.toString());
        assertEquals("Hi there, edited", edited.get(0).get("content").asText());
        assertEquals("assistant", edited.get(1).get("role").asText());

        // The tool call and its result went through the session: question, call, result, answer.
        JsonNode toolTurns = get("/v1/sessions/" + r.at("/tools/sessionId").asText() + "/messages", null).get("data");
        assertEquals(List.of("user", "assistant", "tool", "assistant"),
                toolTurns.findValues("role").stream().map(JsonNode::asText).toList(), toolTurns.toString());
        assertEquals("call_7", toolTurns.get(2).get("tool_call_id").asText());
        assertEquals("{\"city\":\"Oslo\"}", toolTurns.get(1).at("/tool_calls/0/function/arguments").asText());
        assertTrue(slow.requests().stream().anyMatch(q -> q.body().contains("\"get_weather\"")), "the tools reached the model");

        // The thumbs-up the browser gave is stored with the answer.
        assertEquals("up", message(stream.get("sessionId").asText(), stream.get("messageId").asText()).at("/feedback/rating").asText());
        // The console's usage tiles count the calls the browser made (at least the story, the stop and the failure).
        assertTrue(Integer.parseInt(r.get("usage").asText()) >= 3, "usage requests shown: " + r.get("usage"));

        // No console errors on any page.
        List<String> errors = new ArrayList<>();
        for (JsonNode e : r.get("consoleErrors")) errors.add(e.toString());
        assertEquals(List.of(), errors, "console errors");

        for (String shot : List.of("playground.png", "playground-markdown.png", "console.png", "console-overview.png",
                "playground-phone-dark.png")) {
            Path f = SCREENSHOTS.resolve(shot);
            assertTrue(Files.size(f) > 10_000, "screenshot " + f);
        }
    }

    /** playwright-core from the committed lockfile, into target/ (npm ci: exact versions, integrity checked). */
    private static Path installPlaywright() throws IOException, InterruptedException {
        Path src = Path.of("src/test/browser");
        Path work = Files.createDirectories(Path.of("target/browser-test"));
        for (String f : List.of("package.json", "package-lock.json", "webui.mjs")) {
            Files.copy(src.resolve(f), work.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path installed = work.resolve("node_modules/playwright-core/package.json");
        if (!Files.exists(installed) || !Files.readString(installed).contains("\"version\": \"1.65.2\"")) {
            run(work, 180, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
        }
        assertTrue(Files.isExecutable(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"))),
                "Debian's chromium is needed (apt-get install chromium; .ci/run installs it)");
        return work;
    }

    private static String run(Path cwd, long seconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        // Read on another thread, so the timeout below holds even if the process never closes its output.
        var output = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofVirtual().name("browser-test-output").start(() -> {
            try (InputStream in = p.getInputStream()) {
                output.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.completeExceptionally(e);
            }
        });
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + seconds + " s");
        }
        String text;
        try {
            text = output.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot read the output of " + String.join(" ", cmd), e);
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + text);
        return text;
    }

    private static JsonNode message(String session, String id) throws IOException, InterruptedException {
        for (JsonNode m : get("/v1/sessions/" + session + "/messages?limit=100", null).get("data")) {
            if (m.get("id").asText().equals(id)) return m;
        }
        throw new AssertionError("no stored message " + id + " in session " + session);
    }

    private static JsonNode get(String path, String key) throws IOException, InterruptedException {
        HttpResponse<String> r = send(path, key);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static HttpResponse<String> send(String path, String key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
