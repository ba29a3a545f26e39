package io.stellarchat.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.testing.LiveService;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of every endpoint that takes a JSON body (Jazzer), over real HTTP against the whole
 * service ({@link LiveService}: stories260K with a 48-token context, SQLite, a static admin key): OpenAI chat,
 * completions, embeddings, rerank, tokenize/detokenize/apply-template; sessions (create, patch, send a message);
 * admin (keys, models); Ollama (chat, generate, show, embed, embeddings); Anthropic (messages, count_tokens).
 *
 * <p>An input is a byte choosing the endpoint, then the body, sent as is with {@code Content-Type:
 * application/json}. Whatever the body, the answer is never a 500 and never shows a stack trace: it is a success,
 * or an error in the error shape of the endpoint's dialect — OpenAI's {@code {"error":{message,type,param,code}}},
 * Ollama's {@code {"error":"…"}}, Anthropic's {@code {"type":"error","error":{type,message}}} — with a 4xx status
 * (or 429/503 for overload, which then carries the same shape).
 *
 * <p>Seeds: {@code src/test/resources/io/stellarchat/server/api/RequestBodyFuzzTestInputs/}, a valid and a broken
 * body for each endpoint. {@code ./stellar fuzz requests --time 30m} fuzzes (one HTTP round trip per execution,
 * so expect hundreds, not tens of thousands, of executions a second).
 */
class RequestBodyFuzzTest {
    static final String KEY = "sk-fuzz-static-admin-key";
    static final String MODEL = "stories";
    static final java.util.regex.Pattern STACK_FRAME =
            java.util.regex.Pattern.compile("at [\\w$]+(\\.[\\w$<>]+)+\\([\\w$]+\\.java:\\d+\\)");

    /** How a dialect shapes its errors. */
    enum Dialect { OPENAI, OLLAMA, ANTHROPIC }

    record Endpoint(String method, String path, Dialect dialect) {}

    static final ch.qos.logback.classic.Logger ROOT =
            (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    static ch.qos.logback.classic.Level rootLevel;
    static Path dir;
    static LiveService live;
    static List<Endpoint> endpoints;

    @BeforeAll
    static void start() throws Exception {
        // a line of access log per execution, through surefire's console channel, would cost more than the
        // request itself: only warnings and errors are logged while fuzzing (./stellar fuzz sets JAZZER_FUZZ);
        // the level is put back afterwards, since other test classes in this JVM read the INFO lines
        if (System.getenv("JAZZER_FUZZ") != null) {
            rootLevel = ROOT.getLevel();
            ROOT.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        dir = Files.createTempDirectory("stellar-fuzz-requests");
        // A short context keeps the generations that valid bodies start short: with 128 tokens they, not the
        // HTTP round trips, bounded the executions a second.
        live = new LiveService(dir, List.of(LiveService.stories(MODEL, 48)), List.of(KEY));
        String session = json(send("POST", "/v1/sessions", "{\"model\":\"" + MODEL + "\"}")).get("id").asText();
        String key = json(send("POST", "/v1/admin/keys", "{\"name\":\"fuzz\",\"scopes\":[\"chat\"]}")).get("id").asText();
        endpoints = List.of(
                new Endpoint("POST", "/v1/chat/completions", Dialect.OPENAI),
                new Endpoint("POST", "/v1/completions", Dialect.OPENAI),
                new Endpoint("POST", "/v1/embeddings", Dialect.OPENAI),
                new Endpoint("POST", "/v1/rerank", Dialect.OPENAI),
                new Endpoint("POST", "/tokenize", Dialect.OPENAI),
                new Endpoint("POST", "/detokenize", Dialect.OPENAI),
                new Endpoint("POST", "/apply-template", Dialect.OPENAI),
                new Endpoint("POST", "/v1/sessions", Dialect.OPENAI),
                new Endpoint("PATCH", "/v1/sessions/" + session, Dialect.OPENAI),
                new Endpoint("POST", "/v1/sessions/" + session + "/messages", Dialect.OPENAI),
                new Endpoint("POST", "/v1/admin/keys", Dialect.OPENAI),
                new Endpoint("PATCH", "/v1/admin/keys/" + key, Dialect.OPENAI),
                new Endpoint("POST", "/v1/admin/models", Dialect.OPENAI),
                new Endpoint("PATCH", "/v1/admin/models/" + MODEL, Dialect.OPENAI),
                new Endpoint("POST", "/api/chat", Dialect.OLLAMA),
                new Endpoint("POST", "/api/generate", Dialect.OLLAMA),
                new Endpoint("POST", "/api/show", Dialect.OLLAMA),
                new Endpoint("POST", "/api/embed", Dialect.OLLAMA),
                new Endpoint("POST", "/api/embeddings", Dialect.OLLAMA),
                new Endpoint("POST", "/v1/messages", Dialect.ANTHROPIC),
                new Endpoint("POST", "/v1/messages/count_tokens", Dialect.ANTHROPIC));
    }

    @AfterAll
    static void stop() throws IOException {
        if (rootLevel != null) ROOT.setLevel(rootLevel);
        if (live != null) {
            live.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @FuzzTest(maxDuration = "10s")
    @Timeout(120)
    void anyBodyGetsAnAnswerOrAnErrorInTheDialectsShape(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        Endpoint e = endpoints.get((input[0] & 0xFF) % endpoints.size());
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        HttpResponse<String> r = live.client.send(live.request(e.path(), KEY).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(e.method(), HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        try {
            int status = r.statusCode();
            String what = e.method() + " " + e.path() + " → " + status + " " + abbreviate(r.body());
            assertTrue(status < 500 || status == 503, "a server error: " + what);
            // a stack frame's shape, "at pkg.Class.method(File.java:12)": error messages may quote the body's text
            assertFalse(STACK_FRAME.matcher(r.body()).find(), "a stack trace: " + what);
            if (status >= 400) {
                assertErrorShape(e.dialect(), status, r, what);
            }
        } finally {
            if (e.path().startsWith("/v1/admin/models/")) {
                // the fuzzer may have taken the model offline or given it fallbacks: put it back for the next input
                send("PATCH", e.path(), "{\"status\":\"online\",\"fallbacks\":[]}");
            }
        }
    }

    private static void assertErrorShape(Dialect d, int status, HttpResponse<String> r, String what) throws IOException {
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), what);
        JsonNode body = json(r);
        switch (d) {
            case OPENAI -> {
                JsonNode error = body.get("error");
                assertTrue(error != null && error.isObject(), what);
                assertTrue(error.get("message").isTextual() && !error.get("message").asText().isBlank(), what);
                assertTrue(error.get("type").isTextual(), what);
                assertTrue(error.has("param") && error.has("code"), what);
            }
            case OLLAMA -> {
                JsonNode error = body.get("error");
                assertTrue(error != null && error.isTextual() && !error.asText().isBlank(), what);
            }
            case ANTHROPIC -> {
                assertEquals("error", body.path("type").asText(), what);
                JsonNode error = body.get("error");
                assertTrue(error != null && error.path("type").isTextual() && error.path("message").isTextual(), what);
            }
        }
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        return live.client.send(live.request(path, KEY).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return LiveService.JSON.readTree(r.body());
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
