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

/**
 * A session turn that calls a tool, then the tool's result as the next turn: the call is stored on the reply
 * (finish_reason tool_calls), shown by the history API, replayed to the model with the result, and streamed over
 * SSE as a tool_calls delta. The model is a remote one answering with OpenAI's streamed tool-call deltas.
 */
class SessionToolCallsTest {
    @TempDir
    Path dir;

    private static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
            + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";

    /** A streamed tool call: the name first, the arguments in two pieces, then finish_reason tool_calls. */
    private static List<String> callFrames() {
        return List.of(
                FakeUpstream.data("{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-model\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_7\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}"),
                FakeUpstream.data("{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-model\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},"
                        + "\"finish_reason\":null}]}"),
                FakeUpstream.data("{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-model\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]},"
                        + "\"finish_reason\":null}]}"),
                FakeUpstream.openAiChunk("", "tool_calls"),
                FakeUpstream.openAiUsage(20, 9, 0, 0),
                FakeUpstream.DONE);
    }

    @Test
    void aToolCallIsStoredReplayedWithItsResultAndStreamed() {
        try (FakeUpstream up = FakeUpstream.start();
             AdminServer s = AdminServer.start(dir, AdminServer.SQLITE, List.of(AdminServer.provider("a", up.baseUrl())),
                     List.of(ModelEntry.remote("chat", List.of(new ModelEntry.Upstream("a", FakeUpstream.MODEL, 1)))))) {
            String id = json(s.post("/v1/sessions", "{\"model\":\"chat\"}")).get("id").asText();

            up.enqueue(Reply.sse(callFrames()));
            HttpResponse<String> first = s.post("/v1/sessions/" + id + "/messages",
                    "{\"content\":\"Weather in Oslo?\",\"tools\":" + TOOLS + ",\"tool_choice\":\"auto\"}");
            assertEquals(200, first.statusCode(), first.body());
            JsonNode reply = json(first).get("message");
            assertEquals("tool_calls", reply.get("finish_reason").asText(), reply.toString());
            JsonNode call = reply.at("/tool_calls/0");
            assertEquals("call_7", call.get("id").asText());
            assertEquals("get_weather", call.at("/function/name").asText());
            assertEquals("{\"city\":\"Oslo\"}", call.at("/function/arguments").asText());
            JsonNode sentTools = up.requests().getLast().json().get("tools");
            assertEquals("get_weather", sentTools.at("/0/function/name").asText(), "the tools reach the model");

            // The tool's result starts the next turn; the model sees the call and the result.
            up.enqueue(Reply.sse(FakeUpstream.openAiText("It is sunny in Oslo.")));
            HttpResponse<String> second = s.post("/v1/sessions/" + id + "/messages",
                    "{\"role\":\"tool\",\"tool_call_id\":\"call_7\",\"content\":\"{\\\"sky\\\":\\\"sunny\\\"}\",\"tools\":" + TOOLS + "}");
            assertEquals(200, second.statusCode(), second.body());
            assertEquals("It is sunny in Oslo.", json(second).at("/message/content").asText());
            JsonNode sent = up.requests().getLast().json().get("messages");
            assertEquals("assistant", sent.get(1).get("role").asText(), sent.toString());
            assertEquals("call_7", sent.get(1).at("/tool_calls/0/id").asText(), sent.toString());
            assertEquals("{\"city\":\"Oslo\"}", sent.get(1).at("/tool_calls/0/function/arguments").asText());
            assertEquals("tool", sent.get(2).get("role").asText());
            assertEquals("call_7", sent.get(2).get("tool_call_id").asText());

            JsonNode history = json(s.get("/v1/sessions/" + id + "/messages")).get("data");
            assertEquals(4, history.size(), history.toString());
            assertEquals("call_7", history.get(1).at("/tool_calls/0/id").asText(), history.toString());
            assertEquals("call_7", history.get(2).get("tool_call_id").asText(), history.toString());

            // Streamed: the call arrives as a tool_calls delta before the end.
            up.enqueue(Reply.sse(callFrames()));
            HttpResponse<String> streamed = s.post("/v1/sessions/" + id + "/messages",
                    "{\"content\":\"And in Rome?\",\"stream\":true,\"tools\":" + TOOLS + "}");
            assertTrue(streamed.body().contains("\"tool_calls\":[{\"index\":0,\"id\":\"call_7\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]"), streamed.body());
            assertTrue(streamed.body().contains("\"finish_reason\":\"tool_calls\""), streamed.body());

            HttpResponse<String> bad = s.post("/v1/sessions/" + id + "/messages", "{\"role\":\"tool\",\"content\":\"x\"}");
            assertEquals(400, bad.statusCode(), bad.body());
            assertEquals("tool_call_id", json(bad).at("/error/param").asText());
        }
    }
}
