package io.stellarchat.server.api.admin;

import static io.stellarchat.server.api.admin.AdminServer.json;
import static io.stellarchat.server.api.admin.AdminServer.provider;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelEntry.Upstream;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model registry admin API (issue section 5) on a real server with a SQLite database, in front of two fake
 * upstreams as providers {@code a} and {@code b}; the configuration file declares one remote model,
 * {@code file-chat} on {@code a}.
 */
class AdminModelsTest {
    private static final String MODEL = FakeUpstream.MODEL;
    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private FakeUpstream a;
    private FakeUpstream b;
    private AdminServer s;

    @BeforeEach
    void start() {
        a = FakeUpstream.start();
        closing.add(a);
        b = FakeUpstream.start();
        closing.add(b);
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    private AdminServer server(ProviderConfig... providers) {
        s = AdminServer.start(dir, AdminServer.SQLITE, List.of(providers),
                List.of(ModelEntry.remote("file-chat", List.of(new Upstream("a", MODEL, 1)))));
        closing.add(s);
        return s;
    }

    private AdminServer server() {
        return server(provider("a", a.baseUrl()), provider("b", b.baseUrl()));
    }

    /** A remote model entry on one provider, as a POST body. */
    private static String remote(String id, String provider, String extra) {
        return "{\"id\":\"" + id + "\",\"upstreams\":[{\"provider\":\"" + provider + "\",\"model\":\"" + MODEL
                + "\"}],\"retries\":{\"max\":0}" + extra + "}";
    }

    private static void assertError(HttpResponse<String> r, int status, String type, String code, String param) {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = json(r).get("error");
        assertEquals(type, e.get("type").asText(), r.body());
        if (code != null) assertEquals(code, e.get("code").asText(), r.body());
        if (param != null) assertEquals(param, e.get("param").asText(), r.body());
    }

    private JsonNode listed(String id) {
        for (JsonNode m : json(s.get("/v1/admin/models")).get("data")) {
            if (m.get("id").asText().equals(id)) return m;
        }
        return null;
    }

    @Test
    void aRemoteModelCreatedThroughTheApiAnswersAtOnceThroughItsProvider() {
        server();
        HttpResponse<String> created = s.post("/v1/admin/models", remote("chat-b", "b", ",\"aliases\":[\"cb\"],\"context_length\":4096"));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode body = json(created);
        assertEquals("chat-b", body.get("id").asText());
        assertEquals("online", body.get("status").asText());
        assertEquals("api", body.get("source").asText());
        assertEquals("b", body.at("/upstreams/0/provider").asText());
        assertEquals(0, body.at("/retries/max").asInt());

        JsonNode row = listed("chat-b");
        assertEquals(body, row, "the list shows what the create answered");
        assertEquals("file", listed("file-chat").get("source").asText());
        assertEquals("list", json(s.get("/v1/admin/models")).get("object").asText());
        assertTrue(s.get("/v1/models").body().contains("\"chat-b\""), "the OpenAI listing has it too");

        HttpResponse<String> r = s.chat("cb");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Hello world", json(r).at("/choices/0/message/content").asText());
        assertEquals("b/" + MODEL, r.headers().firstValue("X-Stellar-Upstream").orElseThrow());
        assertEquals(1, b.attempts());
    }

    @Test
    void anOfflineModelAnswers503ModelOfflineUntilAFallbackIsGivenThenTheFallbackAnswers() {
        server();
        assertEquals(201, s.post("/v1/admin/models", remote("primary", "a", "")).statusCode());
        assertEquals(201, s.post("/v1/admin/models", remote("backup", "b", "")).statusCode());

        HttpResponse<String> off = s.patch("/v1/admin/models/primary", "{\"status\":\"offline\"}");
        assertEquals(200, off.statusCode(), off.body());
        assertEquals("offline", json(off).get("status").asText());
        assertError(s.chat("primary"), 503, "service_unavailable_error", "model_offline", null);
        assertEquals(0, a.attempts(), "an offline model's upstreams are not called");

        HttpResponse<String> withFallback = s.patch("/v1/admin/models/primary", "{\"fallbacks\":[\"backup\"]}");
        assertEquals(200, withFallback.statusCode(), withFallback.body());
        assertEquals("offline", json(withFallback).get("status").asText(), "a patch keeps the status it does not set");
        HttpResponse<String> r = s.chat("primary");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("backup", json(r).get("model").asText(), "answered under the fallback's name");
        assertEquals("b/" + MODEL, r.headers().firstValue("X-Stellar-Upstream").orElseThrow());

        assertEquals(200, s.patch("/v1/admin/models/primary", "{\"status\":\"online\"}").statusCode());
        assertEquals("a/" + MODEL, s.chat("primary").headers().firstValue("X-Stellar-Upstream").orElseThrow());
    }

    @Test
    void aFileEntrysStatusCanBeChangedButNothingElseAndItCannotBeDeleted() {
        server();
        HttpResponse<String> off = s.patch("/v1/admin/models/file-chat", "{\"status\":\"offline\"}");
        assertEquals(200, off.statusCode(), off.body());
        assertEquals("file", json(off).get("source").asText());
        assertError(s.chat("file-chat"), 503, "service_unavailable_error", "model_offline", null);
        assertEquals("offline", listed("file-chat").get("status").asText());

        assertEquals(201, s.post("/v1/admin/models", remote("other", "b", "")).statusCode());
        HttpResponse<String> fallbacks = s.patch("/v1/admin/models/file-chat", "{\"fallbacks\":[\"other\"]}");
        assertError(fallbacks, 400, "invalid_request_error", "read_only_entry", "fallbacks");
        assertTrue(json(fallbacks).at("/error/message").asText().contains("configuration file"), fallbacks.body());
        assertError(s.patch("/v1/admin/models/file-chat", "{\"status\":\"online\",\"weights\":{\"a/" + MODEL + "\":2}}"),
                400, "invalid_request_error", "read_only_entry", "weights");
        assertEquals("offline", listed("file-chat").get("status").asText(), "a refused patch changes nothing");
        assertError(s.delete("/v1/admin/models/file-chat"), 400, "invalid_request_error", "read_only_entry", null);

        assertEquals(200, s.patch("/v1/admin/models/file-chat", "{\"status\":\"online\"}").statusCode());
        assertEquals(200, s.chat("file-chat").statusCode());
    }

    @Test
    void weightsAndUpstreamsOfAnApiEntryCanBeChanged() {
        server();
        String body = "{\"id\":\"duo\",\"upstreams\":[{\"provider\":\"a\",\"model\":\"" + MODEL + "\",\"weight\":1},"
                + "{\"provider\":\"b\",\"model\":\"" + MODEL + "\",\"weight\":0}]}";
        assertEquals(201, s.post("/v1/admin/models", body).statusCode());
        assertEquals("a/" + MODEL, s.chat("duo").headers().firstValue("X-Stellar-Upstream").orElseThrow());

        HttpResponse<String> weights = s.patch("/v1/admin/models/duo",
                "{\"weights\":{\"a/" + MODEL + "\":0,\"b/" + MODEL + "\":2}}");
        assertEquals(200, weights.statusCode(), weights.body());
        assertEquals(2, json(weights).at("/upstreams/1/weight").asInt());
        assertEquals("b/" + MODEL, s.chat("duo").headers().firstValue("X-Stellar-Upstream").orElseThrow());

        HttpResponse<String> ups = s.patch("/v1/admin/models/duo",
                "{\"upstreams\":[{\"provider\":\"a\",\"model\":\"" + MODEL + "\"}]}");
        assertEquals(200, ups.statusCode(), ups.body());
        assertEquals(1, json(ups).get("upstreams").size());
        assertEquals("a/" + MODEL, s.chat("duo").headers().firstValue("X-Stellar-Upstream").orElseThrow());

        assertError(s.patch("/v1/admin/models/duo", "{\"weights\":{\"b/nope\":1}}"), 400, "invalid_request_error",
                null, "weights.b/nope");
        assertError(s.patch("/v1/admin/models/duo", "{\"weights\":{\"a/" + MODEL + "\":-1}}"), 400,
                "invalid_request_error", null, "model");
        assertError(s.patch("/v1/admin/models/duo", "{\"fallbacks\":[\"nowhere\"]}"), 400, "invalid_request_error",
                null, "model");
        assertError(s.patch("/v1/admin/models/duo", "{\"path\":\"x.gguf\"}"), 400, "invalid_request_error", null, "path");
        assertError(s.patch("/v1/admin/models/duo", "{\"status\":\"sleeping\"}"), 400, "invalid_request_error", null,
                "status");
        assertError(s.patch("/v1/admin/models/nope", "{\"status\":\"offline\"}"), 404, "invalid_request_error",
                "model_not_found", null);
    }

    @Test
    void aDeletedModelIsGoneAndASecondDeleteIs404() {
        server();
        assertEquals(201, s.post("/v1/admin/models", remote("temp", "b", "")).statusCode());
        HttpResponse<String> deleted = s.delete("/v1/admin/models/temp");
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals("temp", json(deleted).get("id").asText());
        assertEquals("model", json(deleted).get("object").asText());
        assertTrue(json(deleted).get("deleted").asBoolean());
        assertEquals(null, listed("temp"));
        assertError(s.chat("temp"), 404, "invalid_request_error", "model_not_found", null);
        assertError(s.delete("/v1/admin/models/temp"), 404, "invalid_request_error", "model_not_found", null);
        assertEquals(201, s.post("/v1/admin/models", remote("temp", "a", "")).statusCode(), "the id is free again");
    }

    @Test
    void invalidEntriesAreRefusedInTheOpenAiErrorShape() {
        server();
        HttpResponse<String> provider = s.post("/v1/admin/models", remote("x", "nowhere", ""));
        assertError(provider, 400, "invalid_request_error", null, "model");
        assertTrue(json(provider).at("/error/message").asText().contains("unknown provider 'nowhere'"), provider.body());

        HttpResponse<String> routing = s.post("/v1/admin/models", remote("x", "a", ",\"routing\":\"fastest\""));
        assertError(routing, 400, "invalid_request_error", null, "model");
        assertTrue(json(routing).at("/error/message").asText().contains("routing"), routing.body());

        HttpResponse<String> both = s.post("/v1/admin/models", "{\"id\":\"x\",\"colour\":\"red\",\"upstreams\":[]}");
        assertError(both, 400, "invalid_request_error", null, "model");
        assertTrue(json(both).at("/error/message").asText().contains("colour"), both.body());
        assertTrue(json(both).at("/error/message").asText().contains("upstreams"), "every problem is named: " + both.body());

        assertError(s.post("/v1/admin/models", "{\"id\":\"local\",\"path\":\"/models/x.gguf\"}"), 400,
                "invalid_request_error", "local_model_not_supported", "path");
        assertError(s.post("/v1/admin/models", "[1]"), 400, "invalid_request_error", null, null);

        assertError(s.post("/v1/admin/models", remote("file-chat", "b", "")), 409, "invalid_request_error",
                "model_exists", "id");
        assertEquals(201, s.post("/v1/admin/models", remote("first", "b", ",\"aliases\":[\"nick\"]")).statusCode());
        assertError(s.post("/v1/admin/models", remote("first", "a", "")), 409, "invalid_request_error",
                "model_exists", "id");
        assertError(s.post("/v1/admin/models", remote("second", "a", ",\"aliases\":[\"nick\"]")), 409,
                "invalid_request_error", "model_exists", "aliases");
        assertEquals(List.of("file-chat", "first"), ids(), "nothing refused was stored");
    }

    private List<String> ids() {
        List<String> out = new ArrayList<>();
        json(s.get("/v1/admin/models")).get("data").forEach(m -> out.add(m.get("id").asText()));
        return out;
    }

    @Test
    void everyChangeIsAuditedWithTheOwnerAndTheModelId() {
        server();
        s.post("/v1/admin/models", remote("audited", "b", ""));
        s.patch("/v1/admin/models/audited", "{\"status\":\"offline\"}");
        s.patch("/v1/admin/models/file-chat", "{\"status\":\"offline\"}");
        s.delete("/v1/admin/models/audited");
        s.post("/v1/admin/models", remote("audited", "nowhere", "")); // refused: not audited
        JsonNode events = json(s.get("/v1/admin/audit")).get("data");
        List<String> seen = new ArrayList<>();
        for (JsonNode e : events) {
            seen.add(e.get("action").asText() + " " + e.get("target").asText() + " by " + e.get("actor").asText());
            assertTrue(!e.get("request_id").asText().isEmpty(), e.toString());
        }
        assertEquals(List.of("model.delete audited by default", "model.update file-chat by default",
                "model.update audited by default", "model.create audited by default"), seen, "newest first");
    }

    @Test
    void theProvidersListShowsTheBreakerStateAndTheCallsInFlight() throws Exception {
        a.enqueue(Reply.openAiError(500, "down", "server_error", null, null),
                Reply.openAiError(500, "down", "server_error", null, null));
        b.enqueue(Reply.sse(FakeUpstream.openAiText("s", "l", "o", "w")).everyEvent(Duration.ofMillis(400)));
        server(provider("a", a.baseUrl()).withBreaker(new ProviderConfig.BreakerSettings(50, 2, 2,
                Duration.ofSeconds(30), 1)), provider("b", b.baseUrl()).withMaxConcurrency(3));
        JsonNode before = json(s.get("/v1/admin/providers"));
        assertEquals("list", before.get("object").asText());
        JsonNode pa = before.at("/data/0");
        assertEquals("a", pa.get("id").asText());
        assertEquals("openai", pa.get("type").asText());
        assertEquals(a.baseUrl().toString(), pa.get("base_url").asText());
        assertEquals("closed", pa.get("circuit").asText());
        assertTrue(pa.get("healthy").asBoolean());
        assertTrue(pa.has("health_detail"));
        assertEquals(0, pa.get("in_flight").asInt());
        assertTrue(pa.get("error_rate").isNull(), "no calls yet: " + pa);
        assertEquals(3, before.at("/data/1/max_concurrency").asInt());

        s.chat("file-chat");
        s.chat("file-chat");
        JsonNode opened = json(s.get("/v1/admin/providers")).at("/data/0");
        assertEquals("open", opened.get("circuit").asText());
        assertEquals(1.0, opened.get("error_rate").asDouble(), "both recorded calls failed: " + opened);

        s.post("/v1/admin/models", remote("slow", "b", ""));
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> s.chat("slow"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int inFlight = 0;
        while (inFlight == 0 && System.nanoTime() < deadline) {
            inFlight = json(s.get("/v1/admin/providers")).at("/data/1/in_flight").asInt();
            Thread.sleep(20);
        }
        assertEquals(1, inFlight);
        assertEquals(200, slow.get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(0, json(s.get("/v1/admin/providers")).at("/data/1/in_flight").asInt());
    }
}
