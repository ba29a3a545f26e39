package io.stellarchat.server.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.testing.LiveService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local model given Qwen3's published chat template ({@code chat_template_file}): tools, a past tool call and a
 * tool result are rendered in the family's own syntax ({@code POST /apply-template} shows the prompt), template
 * arguments reach the template, and a chat with tools is answered.
 */
class LocalToolsTemplateTest {
    @TempDir
    static Path dir;
    static LiveService live;
    static final Path QWEN3 = Path.of(System.getProperty("stellar.shared", "../shared"))
            .resolve("testdata/chat-templates/templates/Qwen-Qwen3-0.6B.jinja").toAbsolutePath();
    static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather now\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";

    @BeforeAll
    static void start() {
        live = new LiveService(dir, List.of(LiveService.stories("qwenish", 0).withChatTemplate(QWEN3)));
    }

    @AfterAll
    static void stop() {
        if (live != null) live.close();
    }

    @Test
    void toolsCallsAndResultsAreRenderedInTheFamilysSyntax() throws Exception {
        String body = "{\"model\":\"qwenish\",\"tools\":" + TOOLS + ",\"chat_template_kwargs\":{\"enable_thinking\":false},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny\"}]}";
        HttpResponse<String> r = live.post("/apply-template", null, body);
        assertEquals(200, r.statusCode(), r.body());
        String prompt = LiveService.json(r).get("prompt").asText();
        assertTrue(prompt.contains("<tools>") && prompt.contains("\"name\": \"get_weather\""), prompt);
        assertTrue(prompt.contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"), prompt);
        assertTrue(prompt.contains("<tool_response>\nsunny\n</tool_response>"), prompt);
        assertTrue(prompt.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), "enable_thinking reached the template: " + prompt);
    }

    @Test
    void aChatWithToolsIsAnswered() throws Exception {
        HttpResponse<String> r = live.post("/v1/chat/completions", null, "{\"model\":\"qwenish\",\"tools\":" + TOOLS
                + ",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode choice = LiveService.json(r).at("/choices/0");
        assertTrue(List.of("stop", "length", "tool_calls").contains(choice.get("finish_reason").asText()), r.body());
    }

    @Test
    void aRemoteModelsPromptIsNotOurs() throws Exception {
        HttpResponse<String> r = live.post("/apply-template", null, "{\"model\":\"nope\",\"messages\":[]}");
        assertEquals(404, r.statusCode(), r.body());
    }
}
