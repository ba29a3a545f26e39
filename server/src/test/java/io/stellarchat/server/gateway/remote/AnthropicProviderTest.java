package io.stellarchat.server.gateway.remote;

import static io.stellarchat.server.gateway.remote.RemoteTesting.RELAXED;
import static io.stellarchat.server.gateway.remote.RemoteTesting.collect;
import static io.stellarchat.server.gateway.remote.RemoteTesting.failureOf;
import static io.stellarchat.server.gateway.remote.RemoteTesting.hello;
import static io.stellarchat.server.gateway.remote.RemoteTesting.next;
import static io.stellarchat.server.gateway.remote.RemoteTesting.thrown;
import static io.stellarchat.server.testing.FakeUpstream.ANTHROPIC_PING;
import static io.stellarchat.server.testing.FakeUpstream.ANTHROPIC_STOP;
import static io.stellarchat.server.testing.FakeUpstream.anthropicBlockStop;
import static io.stellarchat.server.testing.FakeUpstream.anthropicDelta;
import static io.stellarchat.server.testing.FakeUpstream.anthropicMessageDelta;
import static io.stellarchat.server.testing.FakeUpstream.anthropicStart;
import static io.stellarchat.server.testing.FakeUpstream.anthropicTextDelta;
import static io.stellarchat.server.testing.FakeUpstream.anthropicTextStart;
import static io.stellarchat.server.testing.FakeUpstream.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.config.ProviderConfig.ProviderType;
import io.stellarchat.server.gateway.Provider;
import io.stellarchat.server.protocol.ChatCollector;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.CompletionRequest;
import io.stellarchat.server.protocol.ContentPart;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.Sampling;
import io.stellarchat.server.protocol.Tool;
import io.stellarchat.server.protocol.ToolCall;
import io.stellarchat.server.protocol.ToolCallDelta;
import io.stellarchat.server.protocol.Usage;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Anthropic provider against a fake: the Messages request it builds, and its events read back. */
class AnthropicProviderTest {
    private FakeUpstream fake;
    private UpstreamHttp http;
    private Provider provider;

    @BeforeEach
    void start() {
        fake = FakeUpstream.start();
        http = new UpstreamHttp();
        provider = RemoteTesting.provider(ProviderType.ANTHROPIC, fake.baseUrl(), "sk-ant-test", RELAXED, http);
    }

    @AfterEach
    void stop() {
        http.close();
        fake.close();
    }

    @Test
    void streamedTextEndsWithStopAndUsageCountingCachedPromptTokens() throws Exception {
        fake.enqueue(Reply.sse(List.of(anthropicStart(10, 80, 5), anthropicTextStart(0), ANTHROPIC_PING,
                anthropicTextDelta(0, "Hello"), anthropicTextDelta(0, " there"), anthropicBlockStop(0),
                anthropicMessageDelta("end_turn", 3), ANTHROPIC_STOP)));
        try (ChatStream stream = provider.chat(hello())) {
            ChatCompletion answer = collect(stream);
            assertEquals("Hello there", answer.choices().getFirst().content());
            assertEquals(FinishReason.STOP, answer.choices().getFirst().finish());
            assertEquals(new Usage(95, 3, 80, 0, null), answer.usage());
        }
        FakeUpstream.Recorded r = fake.onlyRequest();
        assertEquals("/v1/messages", r.path());
        assertEquals("sk-ant-test", r.header("x-api-key"));
        assertEquals("2023-06-01", r.header("anthropic-version"));
        assertNull(r.header("Authorization"));
        assertTrue(r.json().path("stream").asBoolean());
    }

    @Test
    void toolUseBlocksBecomeToolCallDeltasAssembledIntoCalls() throws Exception {
        fake.enqueue(Reply.sse(List.of(anthropicStart(10, 0, 0), anthropicTextStart(0),
                anthropicTextDelta(0, "Checking."), anthropicBlockStop(0),
                event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
                        + "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{}}}"),
                anthropicDelta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"\"}"),
                anthropicDelta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}"),
                anthropicDelta(1, "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}"),
                anthropicBlockStop(1),
                anthropicMessageDelta("tool_use", 40), ANTHROPIC_STOP)));
        try (ChatStream stream = provider.chat(hello())) {
            ChatCollector collector = new ChatCollector();
            List<ChatEvent> events = new ArrayList<>();
            ChatEvent e;
            do {
                e = next(stream);
                events.add(e);
            } while (!collector.accept(e));
            assertEquals(List.of(new ToolCallDelta(0, "toolu_1", "get_weather", "")),
                    ((ChatEvent.Delta) events.get(1)).toolCalls(), "the block start names the call");
            ChatCompletion.Choice choice = collector.result("m", stream.upstream()).choices().getFirst();
            assertEquals("Checking.", choice.content());
            assertEquals(List.of(new ToolCall("toolu_1", "get_weather", "{\"city\": \"Paris\"}")), choice.toolCalls());
            assertEquals(FinishReason.TOOL_CALLS, choice.finish());
        }
    }

    @Test
    void thinkingBlocksBecomeReasoning() throws Exception {
        fake.enqueue(Reply.sse(List.of(anthropicStart(10, 0, 0),
                event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}"),
                anthropicDelta(0, "{\"type\":\"thinking_delta\",\"thinking\":\"Two plus two.\"}"),
                anthropicDelta(0, "{\"type\":\"signature_delta\",\"signature\":\"abc\"}"),
                anthropicBlockStop(0), anthropicTextStart(1), anthropicTextDelta(1, "4"), anthropicBlockStop(1),
                anthropicMessageDelta("end_turn", 9), ANTHROPIC_STOP)));
        try (ChatStream stream = provider.chat(hello())) {
            ChatCompletion.Choice choice = collect(stream).choices().getFirst();
            assertEquals("Two plus two.", choice.reasoning());
            assertEquals("4", choice.content());
        }
    }

    @Test
    void stopReasonsMapToFinishReasons() {
        assertEquals(FinishReason.STOP, AnthropicEvents.stopReason("end_turn"));
        assertEquals(FinishReason.STOP, AnthropicEvents.stopReason("stop_sequence"));
        assertEquals(FinishReason.LENGTH, AnthropicEvents.stopReason("max_tokens"));
        assertEquals(FinishReason.TOOL_CALLS, AnthropicEvents.stopReason("tool_use"));
        assertEquals(FinishReason.CONTENT_FILTER, AnthropicEvents.stopReason("refusal"));
    }

    @Test
    void maxTokensStopEndsTheChoiceWithLength() throws Exception {
        fake.enqueue(Reply.sse(List.of(anthropicStart(3, 0, 0), anthropicTextStart(0), anthropicTextDelta(0, "cut"),
                anthropicBlockStop(0), anthropicMessageDelta("max_tokens", 1), ANTHROPIC_STOP)));
        try (ChatStream stream = provider.chat(hello())) {
            assertEquals(FinishReason.LENGTH, collect(stream).choices().getFirst().finish());
        }
    }

    @Test
    void requestMovesSystemToTopLevelAndTranslatesPartsToolsAndSampling() throws Exception {
        String pixel = "iVBORw0KGgo=";
        List<Message> messages = List.of(
                Message.text(Role.SYSTEM, "Be brief."),
                Message.text(Role.DEVELOPER, "Use metric units."),
                new Message(Role.USER, List.of(new ContentPart.Text("What is in these?"),
                        new ContentPart.Image("data:image/png;base64," + pixel, null),
                        new ContentPart.Image("https://example.com/cat.jpg", "high")), null, List.of(), null),
                new Message(Role.ASSISTANT, List.of(new ContentPart.Text("Let me look.")), null, List.of(
                        new ToolCall("toolu_1", "lookup", "{\"q\":\"cat\"}"),
                        new ToolCall("toolu_2", "lookup", "{\"q\":\"dog\"}")), null),
                new Message(Role.TOOL, List.of(new ContentPart.Text("a cat")), null, List.of(), "toolu_1"),
                new Message(Role.TOOL, List.of(new ContentPart.Text("a dog")), null, List.of(), "toolu_2"),
                Message.text(Role.USER, "Thanks"));
        Tool lookup = new Tool("lookup", "Looks up", FakeUpstream.JSON.readTree(
                "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}"), null);
        Tool noArgs = new Tool("now", null, null, null);
        Sampling sampling = new Sampling(0.3f, 0.9f, 20, null, null, 1.0f, null, null, 5L);
        ObjectNode extra = JsonNodeFactory.instance.objectNode();
        extra.putObject("thinking").put("type", "enabled").put("budget_tokens", 1024);
        extra.put("chat_template_kwargs", "not for anthropic");
        ChatRequest request = new ChatRequest("claude-x", messages,
                new GenerationParams(null, 1, List.of("STOP"), false, 0, false, sampling), List.of(lookup, noArgs),
                JsonNodeFactory.instance.textNode("required"), null, true, true, extra);

        try (ChatStream stream = provider.chat(request)) {
            collect(stream);
        }

        JsonNode body = fake.onlyRequest().json();
        assertEquals("claude-x", body.path("model").asText());
        assertEquals("Be brief.\n\nUse metric units.", body.path("system").asText());
        assertEquals(4096, body.path("max_tokens").asInt(), "Anthropic requires max_tokens");
        JsonNode m = body.path("messages");
        assertEquals(4, m.size(), "the two tool results share one user message");
        JsonNode user = m.get(0).path("content");
        assertEquals("text", user.get(0).path("type").asText());
        assertEquals("base64", user.get(1).path("source").path("type").asText());
        assertEquals("image/png", user.get(1).path("source").path("media_type").asText());
        assertEquals(pixel, user.get(1).path("source").path("data").asText());
        assertEquals("url", user.get(2).path("source").path("type").asText());
        assertEquals("https://example.com/cat.jpg", user.get(2).path("source").path("url").asText());
        JsonNode assistant = m.get(1);
        assertEquals("assistant", assistant.path("role").asText());
        assertEquals("Let me look.", assistant.path("content").get(0).path("text").asText());
        JsonNode toolUse = assistant.path("content").get(1);
        assertEquals("tool_use", toolUse.path("type").asText());
        assertEquals("toolu_1", toolUse.path("id").asText());
        assertEquals("cat", toolUse.path("input").path("q").asText(), "input is the parsed arguments");
        JsonNode results = m.get(2);
        assertEquals("user", results.path("role").asText());
        assertEquals("tool_result", results.path("content").get(0).path("type").asText());
        assertEquals("toolu_1", results.path("content").get(0).path("tool_use_id").asText());
        assertEquals("a dog", results.path("content").get(1).path("content").asText());
        assertEquals("Thanks", m.get(3).path("content").get(0).path("text").asText());
        assertEquals("string", body.path("tools").get(0).path("input_schema").path("properties").path("q").path("type").asText());
        assertEquals("object", body.path("tools").get(1).path("input_schema").path("type").asText());
        assertEquals("any", body.path("tool_choice").path("type").asText());
        assertEquals(0.3, body.path("temperature").asDouble(), 1e-6);
        assertEquals(0.9, body.path("top_p").asDouble(), 1e-6);
        assertEquals(20, body.path("top_k").asInt());
        assertEquals("STOP", body.path("stop_sequences").get(0).asText());
        assertEquals(1024, body.path("thinking").path("budget_tokens").asInt());
        for (String absent : List.of("presence_penalty", "seed", "stream_options", "chat_template_kwargs", "stop")) {
            assertFalse(body.has(absent), absent + " is not Anthropic's");
        }
    }

    @Test
    void toolChoicesMapToAnthropicsKinds() throws Exception {
        for (String[] c : new String[][] {{"\"auto\"", "auto"}, {"\"none\"", "none"},
                {"{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}", "tool"}}) {
            ChatRequest request = new ChatRequest("m", List.of(Message.text(Role.USER, "Hi")),
                    GenerationParams.DEFAULTS.withMaxTokens(100), List.of(), FakeUpstream.JSON.readTree(c[0]), null,
                    true, false, null);
            JsonNode body = AnthropicRequests.messages(request);
            assertEquals(c[1], body.path("tool_choice").path("type").asText());
            assertEquals(100, body.path("max_tokens").asInt());
            if (c[1].equals("tool")) assertEquals("lookup", body.path("tool_choice").path("name").asText());
        }
    }

    @Test
    void errorEventMidStreamFailsTheStreamAndOverloadIsUnavailable() throws Exception {
        fake.enqueue(Reply.sse(List.of(anthropicStart(3, 0, 0), anthropicTextStart(0), anthropicTextDelta(0, "Hi"),
                event("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"))));
        try (ChatStream stream = provider.chat(hello())) {
            next(stream);
            ProviderException e = failureOf(stream);
            assertEquals(ErrorKind.UNAVAILABLE, e.kind());
            assertEquals("upstream_overloaded", e.code());
            assertTrue(e.getMessage().contains("Overloaded"), e.getMessage());
        }
    }

    @Test
    void streamEndingBeforeMessageStopFailsWithUpstreamError() throws Exception {
        fake.enqueue(Reply.sse(FakeUpstream.anthropicText("Hi", " there")).endAfter(4));
        try (ChatStream stream = provider.chat(hello())) {
            assertEquals(ErrorKind.UPSTREAM_ERROR, failureOf(stream).kind());
        }
    }

    @Test
    void plainCompletionsAndEmbeddingsAreInvalidRequestsWithoutACall() {
        assertEquals(ErrorKind.INVALID_REQUEST, thrown(() -> provider.complete(new CompletionRequest("m",
                List.of("x"), GenerationParams.DEFAULTS, false, false, false, null))).kind());
        ProviderException e = thrown(() -> provider.embed(new EmbeddingRequest("m",
                List.of(new EmbeddingRequest.Text("x", "input")), null)));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("no embeddings"), e.getMessage());
        assertEquals(0, fake.attempts());
    }

    @Test
    void moreThanOneChoiceIsRefused() {
        ChatRequest two = ChatRequest.of("m", List.of(Message.text(Role.USER, "Hi")),
                new GenerationParams(null, 2, List.of(), false, 0, false, Sampling.DEFAULTS));
        assertEquals("n", thrown(() -> provider.chat(two)).param());
    }

    @Test
    void modelsAndHealthAskGetModelsWithTheVersionHeader() {
        assertEquals("fake-model", provider.models().getFirst().id());
        assertTrue(provider.health().healthy());
        for (FakeUpstream.Recorded r : fake.requests()) {
            assertEquals("/v1/models", r.path());
            assertEquals("2023-06-01", r.header("anthropic-version"));
            assertEquals("sk-ant-test", r.header("x-api-key"));
        }
        assertEquals(2, fake.attempts());
    }
}
