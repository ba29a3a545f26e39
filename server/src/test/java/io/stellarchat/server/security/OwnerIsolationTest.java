package io.stellarchat.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.testing.LiveService;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One owner's data is invisible to another on every route that holds any: each sessions route (read, rename,
 * delete, list, history, send over REST and SSE, feedback, truncate) and the WebSocket answer for another's session
 * exactly as for a session that does not exist (404 {@code session_not_found}, never 403, so not even its existence
 * leaks), and nothing of it changes; a key limited to some models cannot see or use the others on the OpenAI,
 * Ollama and Anthropic routes (404 as for an unknown model); and the response and embedding caches never answer one owner
 * with another's entry (a hit would tell that someone sent this exact request or text).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OwnerIsolationTest {
    static final String ADMIN = "owner-isolation-admin-2e7f";
    LiveService live;
    String alice;
    String bob;
    String narrow;
    String sid;
    String mid;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        live = new LiveService(dir, List.of(LiveService.stories("stories", 0), LiveService.stories("stories-b", 0)),
                List.of(ADMIN), List.of(), c -> c.withServer(c.server().withDrainTimeout(Duration.ofSeconds(1)))
                        .withShared(c.redis(), c.limits(), new io.stellarchat.server.config.CacheConfig(true, true,
                                c.cache().ttl(), c.cache().memoryBytes(), c.cache().maxEntryBytes())));
        alice = key("{\"owner\":\"alice\",\"scopes\":[\"chat\",\"sessions\",\"embeddings\"]}");
        bob = key("{\"owner\":\"bob\",\"scopes\":[\"chat\",\"sessions\",\"embeddings\"]}");
        narrow = key("{\"owner\":\"carol\",\"scopes\":[\"chat\",\"sessions\",\"embeddings\"],\"models\":[\"stories-b\"]}");
        sid = LiveService.json(live.post("/v1/sessions", alice, "{\"model\":\"stories\",\"title\":\"alice's\"}")).get("id").asText();
        HttpResponse<String> turn = live.post("/v1/sessions/" + sid + "/messages", alice, "{\"content\":\"Once\",\"max_tokens\":3}");
        assertEquals(200, turn.statusCode(), turn.body());
        mid = LiveService.json(turn).get("message").get("id").asText();
    }

    private String key(String body) throws Exception {
        HttpResponse<String> r = live.post("/v1/admin/keys", ADMIN, body);
        assertEquals(201, r.statusCode(), r.body());
        return LiveService.json(r).get("key").asText();
    }

    @AfterAll
    void stop() {
        if (live != null) live.close();
    }

    /** Bob's answer about Alice's session is the answer about a session that does not exist, id aside. */
    private void assertLikeMissing(HttpResponse<String> theirs, HttpResponse<String> missing, String what) {
        assertEquals(404, theirs.statusCode(), what + ": " + theirs.body());
        assertEquals(missing.statusCode(), theirs.statusCode(), what);
        assertEquals(missing.body().replace("sess_missing", "ID"), theirs.body().replace(sid, "ID"), what);
    }

    @Test
    void anotherOwnersSessionIsIndistinguishableFromNoneOnEverySessionsRoute() throws Exception {
        String missing = "sess_missing";
        String[][] calls = {
                {"GET", "/v1/sessions/{s}", null},
                {"PATCH", "/v1/sessions/{s}", "{\"title\":\"bob was here\"}"},
                {"GET", "/v1/sessions/{s}/messages", null},
                {"POST", "/v1/sessions/{s}/messages", "{\"content\":\"hi\",\"max_tokens\":2}"},
                {"POST", "/v1/sessions/{s}/messages", "{\"content\":\"hi\",\"max_tokens\":2,\"stream\":true}"},
                {"POST", "/v1/sessions/{s}/messages/" + mid + "/feedback", "{\"rating\":\"down\"}"},
                {"DELETE", "/v1/sessions/{s}/messages/" + mid, null},
                {"DELETE", "/v1/sessions/{s}", null}};
        for (String[] c : calls) {
            HttpResponse<String> theirs = call(c[0], c[1].replace("{s}", sid), bob, c[2]);
            HttpResponse<String> none = call(c[0], c[1].replace("{s}", missing), bob, c[2]);
            assertLikeMissing(theirs, none, c[0] + " " + c[1]);
            assertTrue(theirs.body().contains("session_not_found"), theirs.body());
        }
        assertFalse(live.get("/v1/sessions", bob).body().contains(sid));
        assertEquals(webSocketError(bob, "sess_missing").replace("sess_missing", "ID"), webSocketError(bob, sid).replace(sid, "ID"),
                "over the WebSocket too");
        assertTrue(webSocketError(bob, sid).contains("\"code\":\"session_not_found\",\"status\":404"));
        // Alice's session is as she left it.
        JsonNode s = LiveService.json(live.get("/v1/sessions/" + sid, alice));
        assertEquals("alice's", s.get("title").asText());
        JsonNode history = LiveService.json(live.get("/v1/sessions/" + sid + "/messages", alice)).get("data");
        assertEquals(2, history.size(), history.toString());
        assertFalse(history.toString().contains("\"down\""), "no feedback landed: " + history);
    }

    private HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
        return switch (method) {
            case "GET" -> live.get(path, key);
            case "DELETE" -> live.delete(path, key);
            case "PATCH" -> live.patch(path, key, body);
            default -> live.post(path, key, body);
        };
    }

    /** Sends a turn for {@code session} over /v1/ws and returns the first frame that is an error. */
    private String webSocketError(String key, String session) throws Exception {
        BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        WebSocket ws = live.client.newWebSocketBuilder().header("Authorization", "Bearer " + key)
                .buildAsync(URI.create("ws://127.0.0.1:" + live.port + "/v1/ws"), new WebSocket.Listener() {
                    final StringBuilder part = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        part.append(data);
                        if (last) {
                            frames.add(part.toString());
                            part.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            ws.sendText("{\"type\":\"message\",\"request_id\":\"b1\",\"session_id\":\"" + session
                    + "\",\"content\":\"hi\",\"params\":{\"max_tokens\":2}}", true).get(5, TimeUnit.SECONDS);
            for (String f = frames.poll(10, TimeUnit.SECONDS); f != null; f = frames.poll(10, TimeUnit.SECONDS)) {
                if (f.contains("\"error\"")) return f;
                assertFalse(f.contains("\"delta\"") || f.contains("\"start\""), "a turn started in another's session: " + f);
            }
            throw new AssertionError("no error frame");
        } finally {
            ws.abort();
        }
    }

    @Test
    void aKeyLimitedToSomeModelsCannotSeeOrUseOthersInAnyDialect() throws Exception {
        String chat = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":2}";
        String[][] uses = {
                {"/v1/chat/completions", chat},
                {"/v1/completions", "{\"model\":\"%s\",\"prompt\":\"Hi\",\"max_tokens\":2}"},
                {"/v1/embeddings", "{\"model\":\"%s\",\"input\":\"Hi\"}"},
                {"/v1/messages", chat},
                {"/api/chat", "{\"model\":\"%s\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                        + "\"options\":{\"num_predict\":2}}"},
                {"/api/generate", "{\"model\":\"%s\",\"stream\":false,\"prompt\":\"Hi\",\"options\":{\"num_predict\":2}}"},
                {"/api/show", "{\"model\":\"%s\"}"},
                {"/api/embed", "{\"model\":\"%s\",\"input\":\"Hi\"}"}};
        for (String[] u : uses) {
            HttpResponse<String> hidden = live.post(u[0], narrow, u[1].formatted("stories"));
            HttpResponse<String> unknown = live.post(u[0], narrow, u[1].formatted("no-such-model"));
            assertEquals(404, hidden.statusCode(), u[0] + ": " + hidden.body());
            assertEquals(unknown.body().replace("no-such-model", "M"), hidden.body().replace("stories", "M"), u[0]);
            assertTrue(live.post(u[0], narrow, u[1].formatted("stories-b")).statusCode() < 300, u[0] + " on its own model");
        }
        assertEquals(404, live.get("/v1/models/stories", narrow).statusCode());
        for (String list : List.of("/v1/models", "/api/tags", "/api/ps")) {
            String body = live.get(list, narrow).body();
            assertFalse(body.replace("stories-b", "").contains("stories"), list + ": " + body);
        }
        // A session on a hidden model cannot be made either.
        assertEquals(404, live.post("/v1/sessions", narrow, "{\"model\":\"stories\"}").statusCode());
    }

    @Test
    void theResponseCacheNeverAnswersOneOwnerWithAnothersAnswer() throws Exception {
        String req = "{\"model\":\"stories\",\"messages\":[{\"role\":\"user\",\"content\":\"A private question\"}],"
                + "\"max_tokens\":4,\"temperature\":0}";
        assertEquals("miss", cache(live.post("/v1/chat/completions", alice, req)));
        assertEquals("hit", cache(live.post("/v1/chat/completions", alice, req)), "the cache is on for this key");
        assertEquals("miss", cache(live.post("/v1/chat/completions", bob, req)), "another owner's answer was replayed");
        assertEquals("hit", cache(live.post("/v1/chat/completions", bob, req)), "each owner keeps its own entries");
        String emb = "{\"model\":\"stories\",\"input\":\"a private sentence\"}";
        assertEquals("miss", cache(live.post("/v1/embeddings", alice, emb)));
        assertEquals("hit", cache(live.post("/v1/embeddings", alice, emb)), "the embedding cache is on for this key");
        assertEquals("miss", cache(live.post("/v1/embeddings", bob, emb)), "another owner's vector was served");
    }

    private static String cache(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue("X-Stellar-Cache").orElse("(none)");
    }
}
