package io.stellarchat.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.LoggingConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.Secret;
import io.stellarchat.server.limits.KeyRing;
import io.stellarchat.server.observe.LogSetup;
import io.stellarchat.server.testing.CapturingAppender;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.LiveService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No secret leaves the process except to its owner, once: a run that uses every kind of key on every kind of
 * route — static and managed keys, as Bearer, {@code x-api-key} and the WebSocket subprotocol; wrong, revoked and
 * rotated keys; a remote provider whose key the upstream echoes back in its error — with the log at DEBUG and
 * request/response bodies logged, written by the real layouts to a real file, and then: no secret in that file,
 * in any captured log event (message, key-values, MDC, stack trace), in {@code /metrics}, in any answer (the
 * create and rotate answers excepted, which show their own new secret), or anywhere in the database files —
 * where the managed keys are present as their SHA-256.
 */
class KeySecrecyTest {
    private static final String STATIC = "op-static-" + HexFormat.of().formatHex(random(12)); // no sk- form: masking cannot hide it
    private static final String UPSTREAM_KEY = "upstream-cred-" + HexFormat.of().formatHex(random(12));

    @Test
    void noSecretReachesLogsMetricsAnswersOrTheDatabase(@TempDir Path dir) throws Exception {
        Path logFile = dir.resolve("logs/stellar.log");
        List<String> secrets = new CopyOnWriteArrayList<>(List.of(STATIC, UPSTREAM_KEY));
        List<String> hashes = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        LogSetup.apply(new LoggingConfig(LoggingConfig.Format.TEXT, LoggingConfig.Level.DEBUG, logFile, 10L << 20, 7,
                Map.of(), true));
        FakeUpstream upstream = FakeUpstream.start();
        try (CapturingAppender events = new CapturingAppender(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
            upstream.enqueue(FakeUpstream.Reply.openAiError(401, "Incorrect API key provided: " + UPSTREAM_KEY
                    + " (Authorization: Bearer " + UPSTREAM_KEY + ")", "invalid_request_error", null, "invalid_api_key"));
            ProviderConfig provider = ProviderConfig.of("up", ProviderConfig.ProviderType.OPENAI, upstream.baseUrl())
                    .withApiKey(new Secret(UPSTREAM_KEY)).withHealthInterval(Duration.ZERO);
            try (LiveService live = new LiveService(dir.resolve("data"), List.of(LiveService.stories("stories", 0),
                    ModelEntry.remote("remote", List.of(new ModelEntry.Upstream("up", FakeUpstream.MODEL, 1)))),
                    List.of(STATIC), List.of(provider), c -> c.withServer(c.server().withDrainTimeout(Duration.ofSeconds(1))))) {
                // Managed keys: made, used, rotated, revoked.
                JsonNode made = LiveService.json(live.post("/v1/admin/keys", STATIC, "{\"name\":\"user\",\"scopes\":"
                        + "[\"chat\",\"sessions\",\"embeddings\"]}"));
                String user = made.get("key").asText();
                secrets.add(user);
                hashes.add(KeyRing.sha256(user));
                JsonNode other = LiveService.json(live.post("/v1/admin/keys", STATIC, "{\"name\":\"other\"}"));
                String rotatedAway = other.get("key").asText();
                secrets.add(rotatedAway);
                JsonNode rotated = LiveService.json(live.post("/v1/admin/keys/" + other.get("id").asText() + "/rotate", STATIC, ""));
                String fresh = rotated.get("key").asText();
                secrets.add(fresh);
                hashes.add(KeyRing.sha256(fresh));

                String chat = "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}],\"max_tokens\":3}";
                answers.add(live.post("/v1/chat/completions", user, chat).body());
                answers.add(live.post("/v1/chat/completions", user, chat.replace("}", ",\"stream\":true}")
                        .replace("3,\"stream\":true}", "3,\"stream\":true}")).body());
                answers.add(send(live, "/v1/models", "x-api-key", fresh, null));
                answers.add(send(live, "/v1/messages", "x-api-key", user, "{\"model\":\"stories\",\"max_tokens\":3,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
                answers.add(live.post("/api/chat", user, "{\"model\":\"stories\",\"stream\":false,\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"Hi\"}],\"options\":{\"num_predict\":3}}").body());
                answers.add(live.post("/v1/embeddings", user, "{\"model\":\"stories\",\"input\":\"Hi\"}").body());
                String sid = LiveService.json(live.post("/v1/sessions", user, "{\"model\":\"stories\"}")).get("id").asText();
                answers.add(live.post("/v1/sessions/" + sid + "/messages", user,
                        "{\"content\":\"Hi\",\"stream\":true,\"max_tokens\":3}").body());
                // The remote model: its upstream refuses our credential and quotes it.
                answers.add(live.post("/v1/chat/completions", user,
                        chat.replace("\"stories\"", "\"remote\"")).body());
                // Wrong keys in every place a key can be.
                String wrong = KeyRing.SECRET_PREFIX + "WrongWrongWrongWrongWrongWrong0123456789abc";
                secrets.add(wrong);
                answers.add(live.get("/v1/models", wrong).body());
                answers.add(send(live, "/v1/models", "x-api-key", "not-a-key-" + STATIC, null));
                answers.add(live.get("/v1/models", rotatedAway).body());
                answers.add(live.get("/v1/models?api_key=" + user, null).body());
                answers.add(live.delete("/v1/admin/keys/" + made.get("id").asText(), STATIC).body());
                answers.add(live.get("/v1/models", user).body()); // revoked now
                answers.add(live.get("/v1/admin/keys", STATIC).body());
                answers.add(live.get("/v1/admin/providers", STATIC).body());
                answers.add(live.get("/v1/admin/audit?limit=100", STATIC).body());
                answers.add(live.get("/v1/admin/stats", STATIC).body());
                answers.add(live.get("/v1/admin/usage", STATIC).body());
                webSocket(live, fresh);
                answers.add(live.get("/metrics", null).body());
                assertTrue(upstream.requests().stream().anyMatch(r -> ("Bearer " + UPSTREAM_KEY).equals(r.header("authorization"))),
                        "the upstream got our credential (so it could echo it)");
                assertTrue(answers.stream().anyMatch(a -> a.contains("upstream_authentication")), "the upstream's refusal "
                        + "reached the client: " + answers);
                assertTrue(made.toString().contains(user) && rotated.toString().contains(fresh),
                        "a new secret is shown once, to the admin who made it");
            }
            for (String answer : answers) assertNoSecret(secrets, answer, "an answer");
            List<ILoggingEvent> all = events.events();
            assertTrue(all.size() > 50, "the run logged: " + all.size());
            for (ILoggingEvent e : all) {
                assertNoSecret(secrets, e.getFormattedMessage() + " " + e.getKeyValuePairs() + " " + e.getMDCPropertyMap()
                        + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())), "a log event");
            }
        } finally {
            upstream.close();
            LogSetup.apply(new LoggingConfig(LoggingConfig.Format.TEXT, LoggingConfig.Level.INFO));
        }
        String written = Files.readString(logFile);
        assertTrue(written.contains("/v1/chat/completions") && written.contains("DEBUG"), "the file holds the run at DEBUG");
        assertNoSecret(secrets, written, "the log file");
        // At rest: the database files (main file, WAL) hold the hashes and none of the secrets.
        StringBuilder db = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir.resolve("data"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                db.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        for (String h : hashes) assertTrue(db.indexOf(h) >= 0, "the key's SHA-256 is stored: " + h);
        assertNoSecret(secrets, db.toString(), "the database files");
    }

    /** Neither a secret nor its random tail (past a display prefix) appears in {@code text}. */
    private static void assertNoSecret(List<String> secrets, String text, String where) {
        for (String s : secrets) {
            String tail = s.substring(Math.min(s.length() - 12, KeyRing.SECRET_PREFIX.length() + 4));
            assertFalse(text.contains(tail), "a secret (…" + tail.substring(0, 4) + ") in " + where + ": "
                    + excerpt(text, tail));
        }
    }

    private static String excerpt(String text, String needle) {
        int at = text.indexOf(needle);
        return text.substring(Math.max(0, at - 200), Math.min(text.length(), at + needle.length() + 100));
    }

    private static String send(LiveService live, String path, String header, String key, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = live.request(path, null).header(header, key);
        if (body != null) b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        return live.client.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Opens /v1/ws as the web UI does (key in the subprotocol), and closes it. */
    private static void webSocket(LiveService live, String key) throws Exception {
        String offered = "stellar.key." + Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
        WebSocket ws = live.client.newWebSocketBuilder().subprotocols("stellar.v1", offered)
                .buildAsync(URI.create("ws://127.0.0.1:" + live.port + "/v1/ws"), new WebSocket.Listener() {})
                .get(10, TimeUnit.SECONDS);
        assertEquals("stellar.v1", ws.getSubprotocol());
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }
}
