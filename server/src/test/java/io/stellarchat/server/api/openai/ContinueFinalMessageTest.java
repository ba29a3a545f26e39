package io.stellarchat.server.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.testing.LiveService;
import io.stellarchat.server.testing.SseEvents;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vLLM's {@code continue_final_message} and {@code add_generation_prompt} on a local model: the last message, an
 * assistant reply, is continued rather than answered — the prompt ends with its text, without the turn's closing
 * tokens. The gateway sends such requests to continue a stream an upstream broke off ({@code ResumedStream}).
 */
class ContinueFinalMessageTest {
    @TempDir
    static Path dir;
    static LiveService live;

    @BeforeAll
    static void start() {
        live = new LiveService(dir, List.of(LiveService.stories("stories", 0),
                LiveService.stories("qwenish", 0).withChatTemplate(LocalToolsTemplateTest.QWEN3)));
    }

    @AfterAll
    static void stop() {
        if (live != null) live.close();
    }

    private static ObjectNode request(String model, String reply) {
        ObjectNode o = LiveService.JSON.createObjectNode().put("model", model);
        o.putObject("chat_template_kwargs").put("enable_thinking", false);
        var messages = o.putArray("messages");
        messages.addObject().put("role", "user").put("content", "Tell me a story");
        if (reply != null) messages.addObject().put("role", "assistant").put("content", reply);
        return o;
    }

    private static String prompt(ObjectNode body) throws Exception {
        HttpResponse<String> r = live.post("/apply-template", null, body.toString());
        assertEquals(200, r.statusCode(), r.body());
        return LiveService.json(r).get("prompt").asText();
    }

    @Test
    void theContinuedPromptEndsWithTheRepliesTextAndNotWithTheTurnsEnd() throws Exception {
        String begun = prompt(request("qwenish", null));
        assertTrue(begun.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), begun);
        String continued = prompt(request("qwenish", "Once upon a time").put("continue_final_message", true)
                .put("add_generation_prompt", false));
        // the template writes the reply's turn (with its empty think block) and nothing after the reply's text
        assertTrue(continued.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\nOnce upon a time"), continued);
        String closed = prompt(request("qwenish", "Once upon a time").put("add_generation_prompt", false));
        assertTrue(closed.endsWith("Once upon a time<|im_end|>\n"), "a finished turn, no new one: " + closed);
    }

    @Test
    void greedyContinuationOfAReplyPrefixGivesTheRestOfThatReply() throws Exception {
        // The whole greedy reply, piece by piece; then the same request continuing its first pieces must produce
        // the rest (the prompt is the same tokens: the reply's text is cut at a piece boundary).
        List<String> pieces = streamedPieces(request("stories", null).put("max_tokens", 24).put("temperature", 0));
        assertTrue(pieces.size() >= 8, pieces.toString());
        String head = String.join("", pieces.subList(0, 4));
        String tail = String.join("", pieces.subList(4, pieces.size()));
        ObjectNode more = request("stories", head).put("max_tokens", pieces.size() - 4).put("temperature", 0)
                .put("continue_final_message", true);
        HttpResponse<String> r = live.post("/v1/chat/completions", null, more.toString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(tail, LiveService.json(r).at("/choices/0/message/content").asText(), "continuing '" + head + "'");
    }

    private static List<String> streamedPieces(ObjectNode body) throws Exception {
        HttpResponse<InputStream> r = live.postStreaming("/v1/chat/completions", null, body.put("stream", true).toString());
        assertEquals(200, r.statusCode());
        List<String> pieces = new ArrayList<>();
        try (SseEvents sse = new SseEvents(r.body())) {
            for (String e = sse.next(); e != null && !e.equals(SseEvents.DONE); e = sse.next()) {
                JsonNode c = LiveService.JSON.readTree(e).at("/choices/0/delta/content");
                if (c.isTextual() && !c.asText().isEmpty()) pieces.add(c.asText());
            }
        }
        return pieces;
    }

    @Test
    void contradictoryOrMisplacedContinuationsAreRefusedWithTheField() throws Exception {
        HttpResponse<String> both = live.post("/v1/chat/completions", null, request("stories", "Once")
                .put("continue_final_message", true).put("add_generation_prompt", true).toString());
        assertEquals(400, both.statusCode(), both.body());
        assertEquals("continue_final_message", LiveService.json(both).at("/error/param").asText(), both.body());

        HttpResponse<String> noReply = live.post("/v1/chat/completions", null, request("stories", null)
                .put("continue_final_message", true).toString());
        assertEquals(400, noReply.statusCode(), noReply.body());
        assertEquals("messages", LiveService.json(noReply).at("/error/param").asText(), noReply.body());
        assertTrue(LiveService.json(noReply).at("/error/message").asText().contains("assistant"), noReply.body());

        HttpResponse<String> wrongType = live.post("/v1/chat/completions", null, request("stories", "Once")
                .put("continue_final_message", "yes").toString());
        assertEquals(400, wrongType.statusCode(), wrongType.body());
        assertEquals("continue_final_message", LiveService.json(wrongType).at("/error/param").asText());
    }
}
