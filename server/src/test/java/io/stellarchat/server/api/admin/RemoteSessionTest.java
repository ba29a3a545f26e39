package io.stellarchat.server.api.admin;

import static io.stellarchat.server.api.admin.AdminServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat sessions on a remote model: history travels upstream, and a cut answer is stored with what it had. */
class RemoteSessionTest {
    @TempDir
    Path dir;

    @Test
    void aTurnWhoseUpstreamStreamIsCutStoresThePartialReplyWithFinishReasonError() {
        try (FakeUpstream up = FakeUpstream.start();
             AdminServer s = AdminServer.start(dir, AdminServer.SQLITE, List.of(AdminServer.provider("a", up.baseUrl())),
                     List.of(ModelEntry.remote("chat", List.of(new ModelEntry.Upstream("a", FakeUpstream.MODEL, 1)))))) {
            HttpResponse<String> created = s.post("/v1/sessions", "{\"model\":\"chat\",\"system_prompt\":\"Be brief.\"}");
            assertEquals(201, created.statusCode(), created.body());
            String id = json(created).get("id").asText();

            HttpResponse<String> first = s.post("/v1/sessions/" + id + "/messages", "{\"content\":\"Hello\"}");
            assertEquals(200, first.statusCode(), first.body());
            assertEquals("Hello world", json(first).at("/message/content").asText());
            assertEquals("stop", json(first).at("/message/finish_reason").asText());

            // The second turn's upstream call carries the history, then breaks off after two text chunks (a
            // pause before the second, so the first is surely handed on before the break: no retry then).
            up.enqueue(Reply.sse(FakeUpstream.openAiText("Once", " upon", " a time")).everyEvent(
                    java.time.Duration.ofMillis(150)).abortAfter(3));
            HttpResponse<String> cut = s.post("/v1/sessions/" + id + "/messages", "{\"content\":\"And then?\"}");
            assertEquals(502, cut.statusCode(), cut.body());
            JsonNode sent = up.requests().getLast().json().get("messages");
            assertEquals(List.of("system", "user", "assistant", "user"),
                    List.of(sent.get(0).get("role").asText(), sent.get(1).get("role").asText(),
                            sent.get(2).get("role").asText(), sent.get(3).get("role").asText()));
            assertEquals("Hello world", sent.get(2).get("content").asText());

            JsonNode history = json(s.get("/v1/sessions/" + id + "/messages")).get("data");
            JsonNode last = history.get(history.size() - 1); // oldest first: the conversation's order
            assertEquals("assistant", last.get("role").asText());
            assertEquals("error", last.get("finish_reason").asText());
            assertTrue(last.get("content").asText().startsWith("Once"), last.toString());
            assertEquals(2, up.attempts(), "one call per turn: the broken one was not retried after its first event");
            assertTrue(history.size() == 4, history.toString());
        }
    }
}
