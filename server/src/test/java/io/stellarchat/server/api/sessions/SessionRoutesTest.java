package io.stellarchat.server.api.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.testing.LiveService;
import io.stellarchat.server.testing.SseEvents;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sessions REST API end to end: the service as {@code serve} wires it (stories260K, SQLite in a temp
 * directory), a real HTTP client. The model is served twice: {@value #MODEL} with its own context (2048) and
 * {@value #SMALL} with a 256-token context for the history-window test. Each test uses its own bearer token, so
 * listings are not disturbed by the other tests.
 */
class SessionRoutesTest {
    static final String MODEL = "stories";
    static final String SMALL = "stories-256";
    /** Makes EOS (token 2) impossible, so a reply runs to its token budget. */
    static final Map<String, Object> NO_EOS = Map.of("2", -100);

    @TempDir
    static Path dir;
    static LiveService live;

    @BeforeAll
    static void start() {
        live = new LiveService(dir, List.of(LiveService.stories(MODEL, 0), LiveService.stories(SMALL, 256)));
    }

    @AfterAll
    static void stop() {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void deletingFromAMessageRewindsTheHistoryForRegenerateAndEdit() throws Exception {
        String me = token();
        String sid = create(me, Map.of()).get("id").asText();
        send(me, sid, Map.of("content", "Once", "max_tokens", 4));
        JsonNode second = send(me, sid, Map.of("content", "Then", "max_tokens", 4));
        String secondQuestion = second.at("/user_message/id").asText();

        HttpResponse<String> r = live.delete("/v1/sessions/" + sid + "/messages/" + secondQuestion, me);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(2, LiveService.json(r).get("deleted").asInt(), "the question and its answer");
        JsonNode left = LiveService.json(live.get("/v1/sessions/" + sid + "/messages", me)).get("data");
        assertEquals(2, left.size());
        assertEquals("Once", left.get(0).get("content").asText());
        JsonNode again = send(me, sid, Map.of("content", "Then, edited", "max_tokens", 4));
        assertEquals("Then, edited", again.at("/user_message/content").asText());

        assertError(live.delete("/v1/sessions/" + sid + "/messages/" + secondQuestion, me), 404, "message_not_found");
        assertError(live.delete("/v1/sessions/" + sid + "/messages/" + secondQuestion, token()), 404, "session_not_found");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    static String token() {
        return "sk-test-" + UUID.randomUUID();
    }

    static JsonNode create(String bearer, Map<String, Object> fields) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>(fields);
        body.putIfAbsent("model", MODEL);
        HttpResponse<String> r = live.post("/v1/sessions", bearer, body);
        assertEquals(201, r.statusCode(), r.body());
        return LiveService.json(r);
    }

    static JsonNode send(String bearer, String sessionId, Map<String, Object> fields) throws Exception {
        HttpResponse<String> r = live.post("/v1/sessions/" + sessionId + "/messages", bearer, fields);
        assertEquals(200, r.statusCode(), r.body());
        return LiveService.json(r);
    }

    /** Asserts a 400 invalid_request_error naming this request field. */
    static void assertInvalid(HttpResponse<String> r, String param) throws Exception {
        JsonNode e = assertError(r, 400, "null");
        assertEquals("invalid_request_error", e.get("type").asText());
        assertEquals(param, e.get("param").asText(), r.body());
    }

    /** Asserts the OpenAI error shape with this status and code; returns the inner error. */
    static JsonNode assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode body = LiveService.json(r);
        JsonNode error = body.get("error");
        assertNotNull(error, r.body());
        assertEquals(List.of("message", "type", "param", "code"), names(error), r.body());
        assertEquals(code, error.get("code").asText(), r.body());
        assertFalse(error.get("message").asText().isBlank());
        return error;
    }

    static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static List<JsonNode> messages(String bearer, String sessionId) throws Exception {
        HttpResponse<String> r = live.get("/v1/sessions/" + sessionId + "/messages?limit=1000", bearer);
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> out = new ArrayList<>();
        LiveService.json(r).get("data").forEach(out::add);
        return out;
    }

    /** Polls the history until the message is no longer generating (the turn's thread committed its end). */
    static JsonNode awaitFinished(String bearer, String sessionId, String messageId) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (JsonNode m : messages(bearer, sessionId)) {
                if (m.get("id").asText().equals(messageId) && !m.get("status").asText().equals("generating")) {
                    return m;
                }
            }
            Thread.sleep(20);
        }
        return fail("message " + messageId + " still generating after 30 s");
    }

    /** Rows in chat_messages for a session, read straight from the SQLite file (not through the API). */
    static long rowsOf(String sessionId) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(ChatDatabase.SQLITE_FILE));
             PreparedStatement st = c.prepareStatement("SELECT COUNT(*) FROM chat_messages WHERE session_id = ?")) {
            st.setString(1, sessionId);
            try (ResultSet r = st.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    // ---- CRUD ---------------------------------------------------------------------------------------------

    @Test
    void createAnswers201WithTheStoredSessionAndGetReturnsIt() throws Exception {
        String me = token();
        long before = Instant.now().getEpochSecond();
        JsonNode s = create(me, Map.of("title", "Bedtime", "system_prompt", "Tell short stories.",
                "sampling", Map.of("temperature", 0.3), "metadata", Map.of("topic", "cats")));
        assertFalse(s.get("id").asText().isEmpty());
        assertEquals("chat.session", s.get("object").asText());
        assertEquals(MODEL, s.get("model").asText());
        assertEquals("Bedtime", s.get("title").asText());
        assertEquals("Tell short stories.", s.get("system_prompt").asText());
        assertEquals(0.3, s.get("sampling").get("temperature").asDouble(), 1e-9);
        assertEquals("cats", s.get("metadata").get("topic").asText());
        long created = s.get("created_at").asLong();
        assertTrue(created >= before && created <= Instant.now().getEpochSecond(), s.toString());

        HttpResponse<String> got = live.get("/v1/sessions/" + s.get("id").asText(), me);
        assertEquals(200, got.statusCode(), got.body());
        assertEquals(s, LiveService.json(got));
    }

    @Test
    void createRejectsAMissingOrUnknownModelAndANonObjectBody() throws Exception {
        assertInvalid(live.post("/v1/sessions", token(), Map.of("title", "x")), "model");
        assertInvalid(live.post("/v1/sessions", token(), Map.of("model", MODEL, "title", 7)), "title");
        assertInvalid(live.post("/v1/sessions", token(), Map.of("model", MODEL, "sampling", "hot")), "sampling");
        // Defaults no turn could use are refused when stored, not on every later message.
        assertInvalid(live.post("/v1/sessions", token(), Map.of("model", MODEL, "sampling", Map.of("temperature", 7))),
                "sampling");
        assertInvalid(live.post("/v1/sessions", token(), Map.of("model", MODEL, "sampling", Map.of("max_tokens", 0))),
                "sampling");
        assertError(live.post("/v1/sessions", token(), Map.of("model", "no-such-model")), 404, "model_not_found");
        assertError(live.post("/v1/sessions", token(), "[1, 2]"), 400, "null");
    }

    @Test
    void listIsNewestFirstAndCursorPagesVisitEverySessionOnce() throws Exception {
        String me = token();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(create(me, Map.of("title", "s" + i)).get("id").asText());
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        List<Boolean> hasMore = new ArrayList<>();
        do {
            HttpResponse<String> r = live.get("/v1/sessions?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), me);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode page = LiveService.json(r);
            assertEquals("list", page.get("object").asText());
            assertTrue(page.get("data").size() <= 2);
            page.get("data").forEach(s -> seen.add(s.get("id").asText()));
            hasMore.add(page.get("has_more").asBoolean());
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            assertEquals(page.get("has_more").asBoolean(), cursor != null, page.toString());
        } while (cursor != null);
        assertEquals(List.of(ids.get(4), ids.get(3), ids.get(2), ids.get(1), ids.get(0)), seen);
        assertEquals(List.of(true, true, false), hasMore);

        // A session created after the first page was read does not show up on the later pages.
        JsonNode first = LiveService.json(live.get("/v1/sessions?limit=2", me));
        String newest = create(me, Map.of("title", "late")).get("id").asText();
        JsonNode second = LiveService.json(live.get("/v1/sessions?limit=10&cursor=" + first.get("next_cursor").asText(), me));
        List<String> rest = new ArrayList<>();
        second.get("data").forEach(s -> rest.add(s.get("id").asText()));
        assertEquals(List.of(ids.get(2), ids.get(1), ids.get(0)), rest);
        assertFalse(rest.contains(newest));
    }

    @Test
    void listRejectsBadLimitsAndCursors() throws Exception {
        String me = token();
        assertInvalid(live.get("/v1/sessions?limit=0", me), "limit");
        assertInvalid(live.get("/v1/sessions?limit=1001", me), "limit");
        assertInvalid(live.get("/v1/sessions?limit=ten", me), "limit");
        assertInvalid(live.get("/v1/sessions?cursor=not-a-cursor", me), "cursor");
    }

    @Test
    void patchChangesTitleSystemPromptAndSamplingAndKeepsTheRest() throws Exception {
        String me = token();
        JsonNode s = create(me, Map.of("title", "old", "system_prompt", "old prompt", "metadata", Map.of("k", "v")));
        String id = s.get("id").asText();
        HttpResponse<String> r = live.patch("/v1/sessions/" + id, me, Map.of("title", "new",
                "system_prompt", "new prompt", "sampling", Map.of("max_tokens", 3, "logit_bias", NO_EOS)));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode p = LiveService.json(r);
        assertEquals("new", p.get("title").asText());
        assertEquals("new prompt", p.get("system_prompt").asText());
        assertEquals(3, p.get("sampling").get("max_tokens").asInt());
        assertEquals("v", p.get("metadata").get("k").asText());
        assertEquals(MODEL, p.get("model").asText());
        assertEquals(s.get("created_at"), p.get("created_at"));
        assertTrue(p.get("updated_at").asLong() >= s.get("updated_at").asLong());
        assertEquals(p, LiveService.json(live.get("/v1/sessions/" + id, me)));

        // The stored sampling defaults govern the next turn: 3 tokens, no EOS, so it ends by length.
        JsonNode turn = send(me, id, Map.of("content", "Once upon a time"));
        assertEquals("length", turn.get("message").get("finish_reason").asText(), turn.toString());
        assertEquals(3, turn.get("usage").get("completion_tokens").asInt(), turn.toString());
        // ...and a request field overrides them for this turn only.
        JsonNode turn2 = send(me, id, Map.of("content", "And then", "max_tokens", 5));
        assertEquals(5, turn2.get("usage").get("completion_tokens").asInt(), turn2.toString());

        JsonNode current = LiveService.json(live.get("/v1/sessions/" + id, me));
        assertError(live.patch("/v1/sessions/" + id, me, Map.of("model", "no-such-model")), 404, "model_not_found");
        assertInvalid(live.patch("/v1/sessions/" + id, me, Map.of("title", 42)), "title");
        assertInvalid(live.patch("/v1/sessions/" + id, me, Map.of("sampling", Map.of("top_p", "high"))), "sampling");
        assertEquals(current, LiveService.json(live.get("/v1/sessions/" + id, me)), "refused patches change nothing");
    }

    @Test
    void deleteRemovesTheSessionAndItsMessages() throws Exception {
        String me = token();
        String id = create(me, Map.of("title", "doomed")).get("id").asText();
        send(me, id, Map.of("content", "Once upon a time", "max_tokens", 2));
        assertEquals(2, rowsOf(id));

        HttpResponse<String> r = live.delete("/v1/sessions/" + id, me);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = LiveService.json(r);
        assertEquals(id, body.get("id").asText());
        assertTrue(body.get("deleted").asBoolean());

        assertEquals(0, rowsOf(id), "the session's messages are deleted with it");
        assertError(live.get("/v1/sessions/" + id, me), 404, "session_not_found");
        assertError(live.get("/v1/sessions/" + id + "/messages", me), 404, "session_not_found");
        assertError(live.delete("/v1/sessions/" + id, me), 404, "session_not_found");
        assertTrue(live.database.history().integrityCheck().isEmpty());
    }

    @Test
    void anUnknownSessionIs404SessionNotFoundOnEveryRoute() throws Exception {
        String me = token();
        String missing = UUID.randomUUID().toString();
        String path = "/v1/sessions/" + missing;
        JsonNode e = assertError(live.get(path, me), 404, "session_not_found");
        assertEquals("session_id", e.get("param").asText());
        assertError(live.patch(path, me, Map.of("title", "x")), 404, "session_not_found");
        assertError(live.delete(path, me), 404, "session_not_found");
        assertError(live.get(path + "/messages", me), 404, "session_not_found");
        assertError(live.post(path + "/messages", me, Map.of("content", "hi")), 404, "session_not_found");
        assertError(live.post(path + "/messages", me, Map.of("content", "hi", "stream", true)), 404, "session_not_found");
    }

    @Test
    void anOwnerNeverSeesAnotherOwnersSession() throws Exception {
        String a = token();
        String b = token();
        String id = create(a, Map.of("title", "A's secret")).get("id").asText();
        send(a, id, Map.of("content", "Once upon a time", "max_tokens", 2));
        String path = "/v1/sessions/" + id;

        assertError(live.get(path, b), 404, "session_not_found");
        assertError(live.get(path + "/messages", b), 404, "session_not_found");
        assertError(live.post(path + "/messages", b, Map.of("content", "hijack", "max_tokens", 2)), 404, "session_not_found");
        assertError(live.patch(path, b, Map.of("title", "mine now")), 404, "session_not_found");
        assertError(live.delete(path, b), 404, "session_not_found");
        assertError(live.get(path, null), 404, "session_not_found"); // no token: the default owner
        JsonNode listB = LiveService.json(live.get("/v1/sessions?limit=1000", b));
        for (JsonNode s : listB.get("data")) {
            assertNotEquals(id, s.get("id").asText());
        }

        // A's session is untouched by B's attempts.
        JsonNode still = LiveService.json(live.get(path, a));
        assertEquals("A's secret", still.get("title").asText());
        assertEquals(2, messages(a, id).size());
        JsonNode listA = LiveService.json(live.get("/v1/sessions", a));
        assertEquals(id, listA.get("data").get(0).get("id").asText());
    }

    // ---- turns --------------------------------------------------------------------------------------------

    @Test
    void aNonStreamedTurnReturnsTheStoredUserMessageAndReply() throws Exception {
        String me = token();
        String id = create(me, Map.of("system_prompt", "You tell stories.")).get("id").asText();
        JsonNode t = send(me, id, Map.of("content", "Once upon a time there was a cat", "max_tokens", 12,
                "temperature", 0));
        JsonNode user = t.get("user_message");
        assertEquals("user", user.get("role").asText());
        assertEquals("Once upon a time there was a cat", user.get("content").asText());
        assertEquals("complete", user.get("status").asText());
        assertEquals(id, user.get("session_id").asText());

        JsonNode reply = t.get("message");
        assertEquals("assistant", reply.get("role").asText());
        assertEquals("complete", reply.get("status").asText());
        assertTrue(List.of("stop", "length").contains(reply.get("finish_reason").asText()), reply.toString());
        assertFalse(reply.get("content").asText().isEmpty(), reply.toString());
        int completion = t.get("usage").get("completion_tokens").asInt();
        int prompt = t.get("usage").get("prompt_tokens").asInt();
        assertTrue(completion >= 1 && completion <= 12, t.toString());
        assertTrue(prompt > 0, t.toString());
        assertEquals(prompt + completion, t.get("usage").get("total_tokens").asInt());
        assertEquals(completion, reply.get("usage").get("completion_tokens").asInt());
        assertEquals(prompt, reply.get("usage").get("prompt_tokens").asInt());
        assertEquals(0, t.get("truncated_messages").asInt());

        // The history holds exactly what the turn returned.
        assertEquals(List.of(user, reply), messages(me, id));

        // Same seed-free greedy request on a fresh session gives the same reply: the stored text is the model's.
        String id2 = create(me, Map.of("system_prompt", "You tell stories.")).get("id").asText();
        JsonNode t2 = send(me, id2, Map.of("content", "Once upon a time there was a cat", "max_tokens", 12,
                "temperature", 0));
        assertEquals(reply.get("content"), t2.get("message").get("content"));
    }

    @Test
    void aStreamedTurnSendsChunksThenDoneAndStoresTheStreamedText() throws Exception {
        String me = token();
        String id = create(me, Map.of()).get("id").asText();
        HttpResponse<InputStream> r = live.postStreaming("/v1/sessions/" + id + "/messages", me,
                Map.of("content", "Once upon a time", "stream", true, "max_tokens", 40, "temperature", 0));
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        StringBuilder text = new StringBuilder();
        String finish = null;
        String messageId = null;
        JsonNode usage = null;
        int deltas = 0;
        try (SseEvents events = new SseEvents(r.body())) {
            JsonNode first = events.nextJson();
            assertEquals("chat.completion.chunk", first.get("object").asText());
            assertEquals("assistant", first.get("choices").get(0).get("delta").get("role").asText());
            String chunkId = first.get("id").asText();
            String data;
            while ((data = events.next()) != null && !data.equals(SseEvents.DONE)) {
                JsonNode c = LiveService.JSON.readTree(data);
                assertEquals(chunkId, c.get("id").asText());
                assertEquals("chat.completion.chunk", c.get("object").asText());
                assertEquals(MODEL, c.get("model").asText(), "every chunk names the model, as OpenAI's do");
                if (c.get("choices").isEmpty()) {
                    usage = c.get("usage");
                    continue;
                }
                assertNull(usage, "no chunk after the usage chunk");
                JsonNode choice = c.get("choices").get(0);
                if (choice.get("delta").has("content")) {
                    text.append(choice.get("delta").get("content").asText());
                    deltas++;
                }
                if (!choice.get("finish_reason").isNull()) {
                    finish = choice.get("finish_reason").asText();
                    messageId = c.get("message_id").asText();
                    assertEquals(chunkId, messageId, "the chunk id is the reply's message id");
                }
            }
            assertEquals(SseEvents.DONE, data, "the stream ends with [DONE]");
            assertNull(events.next(), "nothing after [DONE]");
        }
        assertNotNull(finish, "a chunk carries the finish reason");
        assertNotNull(usage, "a usage chunk");
        assertTrue(deltas > 1, "the reply came in pieces");
        assertFalse(text.isEmpty());

        List<JsonNode> stored = messages(me, id);
        assertEquals(2, stored.size());
        JsonNode reply = stored.get(1);
        assertEquals(messageId, reply.get("id").asText());
        assertEquals(text.toString(), reply.get("content").asText(), "the stored reply is the streamed text");
        assertEquals("complete", reply.get("status").asText());
        assertEquals(finish, reply.get("finish_reason").asText());
        assertEquals(usage.get("completion_tokens").asInt(), reply.get("usage").get("completion_tokens").asInt());
        assertEquals("Once upon a time", stored.get(0).get("content").asText());
    }

    private static void assertNull(Object o, String message) {
        if (o != null) {
            fail(message + ": " + o);
        }
    }

    @Test
    void historyPagesGoBackwardsAndListOldestFirstWithinAPage() throws Exception {
        String me = token();
        String id = create(me, Map.of()).get("id").asText();
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode t = send(me, id, Map.of("content", "line " + i, "max_tokens", 1));
            order.add(t.get("user_message").get("id").asText());
            order.add(t.get("message").get("id").asText());
        }
        JsonNode p1 = LiveService.json(live.get("/v1/sessions/" + id + "/messages?limit=4", me));
        assertEquals(order.subList(2, 6), ids(p1.get("data")), "the newest four, oldest first");
        assertTrue(p1.get("has_more").asBoolean());
        assertEquals(order.get(2), p1.get("next_before").asText());
        JsonNode p2 = LiveService.json(live.get("/v1/sessions/" + id + "/messages?limit=4&before="
                + p1.get("next_before").asText(), me));
        assertEquals(order.subList(0, 2), ids(p2.get("data")));
        assertFalse(p2.get("has_more").asBoolean());
        assertTrue(p2.get("next_before").isNull());
        assertEquals("user", p2.get("data").get(0).get("role").asText());
        assertEquals("line 0", p2.get("data").get(0).get("content").asText());
        assertEquals("assistant", p2.get("data").get(1).get("role").asText());

        assertInvalid(live.get("/v1/sessions/" + id + "/messages?before=nonsense", me), "before");
        assertInvalid(live.post("/v1/sessions/" + id + "/messages", me, Map.of("max_tokens", 2)), "content");
    }

    private static List<String> ids(JsonNode data) {
        List<String> out = new ArrayList<>();
        data.forEach(m -> out.add(m.get("id").asText()));
        return out;
    }

    @Test
    void aSecondMessageWhileOneIsGeneratingIs409SessionBusy() throws Exception {
        String me = token();
        String id = create(me, Map.of()).get("id").asText();
        HttpResponse<InputStream> r = live.postStreaming("/v1/sessions/" + id + "/messages", me,
                Map.of("content", "Once upon a time", "stream", true, "max_tokens", 1000, "logit_bias", NO_EOS));
        assertEquals(200, r.statusCode());
        String replyId;
        try (SseEvents events = new SseEvents(r.body())) {
            replyId = events.nextJson().get("id").asText();
            events.nextJson(); // generating now

            assertError(live.post("/v1/sessions/" + id + "/messages", me, Map.of("content", "me too", "max_tokens", 2)),
                    409, "session_busy");
            assertError(live.post("/v1/sessions/" + id + "/messages", me,
                    Map.of("content", "me too", "max_tokens", 2, "stream", true)), 409, "session_busy");
            events.nextJson(); // the first turn is unaffected
        } // closing the stream disconnects: the first turn ends
        awaitFinished(me, id, replyId);

        // The busy mark is gone with the turn; the rejected messages were never stored.
        JsonNode t = send(me, id, Map.of("content", "after", "max_tokens", 2));
        assertEquals("complete", t.get("message").get("status").asText());
        List<JsonNode> all = messages(me, id);
        assertEquals(List.of("Once upon a time", "after"), all.stream()
                .filter(m -> m.get("role").asText().equals("user")).map(m -> m.get("content").asText()).toList());

        // Another session is never blocked by this one's turn (busy is per session).
        String other = create(me, Map.of()).get("id").asText();
        HttpResponse<InputStream> r2 = live.postStreaming("/v1/sessions/" + id + "/messages", me,
                Map.of("content", "long again", "stream", true, "max_tokens", 1000, "logit_bias", NO_EOS));
        String reply2;
        try (SseEvents events = new SseEvents(r2.body())) {
            reply2 = events.nextJson().get("id").asText();
            HttpResponse<InputStream> r3 = live.postStreaming("/v1/sessions/" + other + "/messages", me,
                    Map.of("content", "hello", "stream", true, "max_tokens", 2));
            assertEquals(200, r3.statusCode(), "a turn in another session is accepted (it queues for the engine)");
            r3.body().close();
        }
        awaitFinished(me, id, reply2);
    }

    @Test
    void aLongConversationIsTruncatedToFitASmallContext() throws Exception {
        String me = token();
        String id = create(me, Map.of("model", SMALL, "system_prompt", "Be brief.")).get("id").asText();
        int maxTokens = 16;
        int lastTruncated = 0;
        int turns = 0;
        for (int i = 0; i < 12 && lastTruncated == 0; i++) {
            String content = "Turn " + i + ": the little dog ran to the big tree and saw a bird, then the bird "
                    + "flew over the river and the dog was sad but his friend the cat came to play with him.";
            JsonNode t = send(me, id, Map.of("content", content, "max_tokens", maxTokens, "temperature", 0));
            turns++;
            int prompt = t.get("usage").get("prompt_tokens").asInt();
            assertTrue(prompt + maxTokens <= 256, "prompt " + prompt + " + reply budget fits the 256-token context");
            assertTrue(t.get("usage").get("completion_tokens").asInt() <= maxTokens);
            lastTruncated = t.get("truncated_messages").asInt();
            assertTrue(lastTruncated >= 0 && lastTruncated <= 2 * i, t.toString());
        }
        assertTrue(lastTruncated > 0, "after " + turns + " long turns some history was left out");
        assertTrue(turns >= 2, "the first turns fit whole");

        // The truncated history is only left out of the prompt, never deleted.
        assertEquals(2 * turns, messages(me, id).size());

        // A single message that cannot fit at all is refused with 400 and is not stored.
        String huge = "word ".repeat(400);
        assertError(live.post("/v1/sessions/" + id + "/messages", me, Map.of("content", huge, "max_tokens", maxTokens)),
                400, "context_length_exceeded");
        assertEquals(2 * turns, messages(me, id).size(), "a refused message leaves no row");
    }

    @Test
    void aClientThatDisconnectsMidStreamLeavesThePartialReplyStoredAsCancelled() throws Exception {
        String me = token();
        String id = create(me, Map.of()).get("id").asText();
        HttpResponse<InputStream> r = live.postStreaming("/v1/sessions/" + id + "/messages", me,
                Map.of("content", "Once upon a time", "stream", true, "max_tokens", 1000, "logit_bias", NO_EOS));
        StringBuilder received = new StringBuilder();
        String replyId;
        try (SseEvents events = new SseEvents(r.body())) {
            replyId = events.nextJson().get("id").asText();
            for (int i = 0; i < 10; i++) {
                received.append(events.nextJson().get("choices").get(0).get("delta").get("content").asText());
            }
        }
        JsonNode reply = awaitFinished(me, id, replyId);
        assertEquals("complete", reply.get("status").asText());
        assertEquals("cancelled", reply.get("finish_reason").asText());
        String stored = reply.get("content").asText();
        assertTrue(stored.startsWith(received.toString()), "stored '" + stored + "' begins with what was sent: '" + received + "'");
        int tokens = reply.get("usage").get("completion_tokens").asInt();
        assertTrue(tokens < 1000, "generation stopped soon after the disconnect, not at the budget: " + tokens);
    }

    @Test
    void aClientThatDisconnectsDuringANonStreamedTurnCancelsIt() throws Exception {
        String me = token();
        String id = create(me, Map.of()).get("id").asText();
        byte[] body = LiveService.JSON.writeValueAsBytes(Map.of("content", "Once upon a time", "max_tokens", 1000,
                "logit_bias", NO_EOS));
        try (Socket socket = new Socket("127.0.0.1", live.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/sessions/" + id + "/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + me + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (messages(me, id).size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the turn has started
            }
        } // closed without reading the answer
        List<JsonNode> stored = messages(me, id);
        assertEquals(2, stored.size(), stored.toString());
        JsonNode reply = awaitFinished(me, id, stored.get(1).get("id").asText());
        assertEquals("cancelled", reply.get("finish_reason").asText(), reply.toString());
        assertTrue(reply.get("usage").get("completion_tokens").asInt() < 1000, reply.toString());
    }

    // ---- audit --------------------------------------------------------------------------------------------

    @Test
    void theAuditLogListsSessionCreateUpdateAndDeleteWithTheirRequestIds() throws Exception {
        String me = token();
        HttpResponse<String> created = live.post("/v1/sessions", me, Map.of("model", MODEL));
        assertEquals(201, created.statusCode());
        String id = LiveService.json(created).get("id").asText();
        String createRequest = created.headers().firstValue("X-Request-Id").orElseThrow();
        HttpResponse<String> patched = live.patch("/v1/sessions/" + id, me, Map.of("title", "renamed"));
        assertEquals(200, patched.statusCode());
        String patchRequest = patched.headers().firstValue("X-Request-Id").orElseThrow();
        HttpResponse<String> deleted = live.delete("/v1/sessions/" + id, me);
        assertEquals(200, deleted.statusCode());
        String deleteRequest = deleted.headers().firstValue("X-Request-Id").orElseThrow();
        assertNotEquals(createRequest, deleteRequest);

        Map<String, JsonNode> byAction = new LinkedHashMap<>();
        String cursor = null;
        do {
            JsonNode page = LiveService.json(live.get("/v1/admin/audit?limit=50" + (cursor == null ? "" : "&cursor=" + cursor), null));
            for (Iterator<JsonNode> it = page.get("data").elements(); it.hasNext(); ) {
                JsonNode e = it.next();
                if (e.get("target").asText().equals(id)) {
                    assertNull(byAction.put(e.get("action").asText(), e), "one event per action");
                }
            }
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        assertEquals(List.of("session.delete", "session.update", "session.create"), List.copyOf(byAction.keySet()),
                "newest first");
        assertEquals(patchRequest, byAction.get("session.update").get("request_id").asText());
        assertEquals(createRequest, byAction.get("session.create").get("request_id").asText());
        assertEquals(deleteRequest, byAction.get("session.delete").get("request_id").asText());
        String owner = Owners.fromAuthorization("Bearer " + me);
        assertEquals(owner, byAction.get("session.create").get("actor").asText());
        assertFalse(byAction.get("session.create").toString().contains(me), "the bearer token is never stored");
    }
}
