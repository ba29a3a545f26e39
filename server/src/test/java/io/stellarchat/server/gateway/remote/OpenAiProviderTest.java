package io.stellarchat.server.gateway.remote;

import static io.stellarchat.server.gateway.remote.RemoteTesting.RELAXED;
import static io.stellarchat.server.gateway.remote.RemoteTesting.collect;
import static io.stellarchat.server.gateway.remote.RemoteTesting.hello;
import static io.stellarchat.server.testing.FakeUpstream.DONE;
import static io.stellarchat.server.testing.FakeUpstream.openAiChunk;
import static io.stellarchat.server.testing.FakeUpstream.openAiUsage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.config.ProviderConfig.ProviderType;
import io.stellarchat.server.gateway.Provider;
import io.stellarchat.server.observe.LogContext;
import io.stellarchat.server.observe.RequestId;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.CompletionRequest;
import io.stellarchat.server.protocol.ContentPart;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.EmbeddingResult;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.Sampling;
import io.stellarchat.server.protocol.TokenLogprob;
import io.stellarchat.server.protocol.Tool;
import io.stellarchat.server.protocol.ToolCall;
import io.stellarchat.server.protocol.Usage;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import io.stellarchat.server.protocol.ProviderException;
import static org.junit.jupiter.api.Assertions.assertThrows;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible provider against a fake upstream: what it sends, and how it reads the stream back. */
class OpenAiProviderTest {
    private FakeUpstream fake;
    private UpstreamHttp http;
    private Provider provider;

    @BeforeEach
    void start() {
        fake = FakeUpstream.start();
        http = new UpstreamHttp();
        provider = RemoteTesting.provider(ProviderType.OPENAI, fake.baseUrl(), "sk-test-key", RELAXED, http);
    }

    @AfterEach
    void stop() {
        provider.close();
        http.close();
        fake.close();
        LogContext.leave();
    }

    @Test
    void streamedTextArrivesAsDeltasAndEndsWithStopAndUsage() throws Exception {
        try (var stream = provider.chat(hello())) {
            ChatCompletion answer = collect(stream);
            assertEquals("Hello world", answer.choices().getFirst().content());
            assertEquals(FinishReason.STOP, answer.choices().getFirst().finish());
            assertEquals(new Usage(7, 2, 0, 0, null), answer.usage());
            assertEquals("fake/fake-model", answer.upstream());
        }
        assertEquals("/v1/chat/completions", fake.onlyRequest().path());
    }

    @Test
    void upstreamIsAlwaysAskedToStreamWithUsageWhateverTheClientAsked() throws Exception {
        ChatRequest notStreaming = new ChatRequest("fake-model", List.of(Message.text(Role.USER, "Hi")),
                GenerationParams.DEFAULTS, List.of(), null, null, false, false, null);
        try (var stream = provider.chat(notStreaming)) {
            collect(stream);
        }
        JsonNode body = fake.onlyRequest().json();
        assertTrue(body.path("stream").asBoolean());
        assertTrue(body.path("stream_options").path("include_usage").asBoolean());
    }

    @Test
    void requestCarriesMessagesPartsToolsAndOnlyTheSamplingFieldsThatWereSet() throws Exception {
        Message system = Message.text(Role.SYSTEM, "Be brief.");
        Message user = new Message(Role.USER, List.of(new ContentPart.Text("What is this?"),
                new ContentPart.Image("https://example.com/cat.png", "low")), "alice", List.of(), null);
        Message assistant = new Message(Role.ASSISTANT, List.of(), null,
                List.of(new ToolCall("call_1", "lookup", "{\"q\":\"cat\"}")), null);
        Message tool = new Message(Role.TOOL, List.of(new ContentPart.Text("a cat")), null, List.of(), "call_1");
        Tool lookup = new Tool("lookup", "Looks things up",
                FakeUpstream.JSON.readTree("{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}"), true);
        Sampling sampling = new Sampling(0.5f, null, 40, null, null, null, 0.25f, Map.of(42, -100f), 7L);
        GenerationParams params = new GenerationParams(64, 2, List.of("END"), true, 3, false, sampling);
        ObjectNode extra = JsonNodeFactory.instance.objectNode();
        extra.putObject("chat_template_kwargs").put("enable_thinking", false);
        extra.put("guided_choice_id", "x1");
        ChatRequest request = new ChatRequest("fake-model", List.of(system, user, assistant, tool), params,
                List.of(lookup), JsonNodeFactory.instance.textNode("auto"),
                FakeUpstream.JSON.readTree("{\"type\":\"json_object\"}"), true, true, extra);
        fake.enqueue(Reply.sse(List.of(openAiChunk(0, "{\"content\":\"a\"}", "stop"),
                openAiChunk(1, "{\"content\":\"b\"}", "stop"), DONE)));

        try (var stream = provider.chat(request)) {
            collect(stream);
        }

        JsonNode body = fake.onlyRequest().json();
        JsonNode messages = body.path("messages");
        assertEquals("system", messages.get(0).path("role").asText());
        assertEquals("Be brief.", messages.get(0).path("content").asText());
        JsonNode parts = messages.get(1).path("content");
        assertEquals("text", parts.get(0).path("type").asText());
        assertEquals("image_url", parts.get(1).path("type").asText());
        assertEquals("https://example.com/cat.png", parts.get(1).path("image_url").path("url").asText());
        assertEquals("low", parts.get(1).path("image_url").path("detail").asText());
        assertEquals("alice", messages.get(1).path("name").asText());
        assertTrue(messages.get(2).path("content").isNull());
        JsonNode call = messages.get(2).path("tool_calls").get(0);
        assertEquals("call_1", call.path("id").asText());
        assertEquals("lookup", call.path("function").path("name").asText());
        assertEquals("{\"q\":\"cat\"}", call.path("function").path("arguments").asText());
        assertEquals("call_1", messages.get(3).path("tool_call_id").asText());
        JsonNode function = body.path("tools").get(0).path("function");
        assertEquals("lookup", function.path("name").asText());
        assertEquals("string", function.path("parameters").path("properties").path("q").path("type").asText());
        assertTrue(function.path("strict").asBoolean());
        assertEquals("auto", body.path("tool_choice").asText());
        assertEquals("json_object", body.path("response_format").path("type").asText());
        assertEquals(64, body.path("max_tokens").asInt());
        assertEquals(2, body.path("n").asInt());
        assertEquals("END", body.path("stop").get(0).asText());
        assertTrue(body.path("logprobs").asBoolean());
        assertEquals(3, body.path("top_logprobs").asInt());
        assertEquals(0.5, body.path("temperature").asDouble(), 1e-6);
        assertEquals(40, body.path("top_k").asInt());
        assertEquals(0.25, body.path("frequency_penalty").asDouble(), 1e-6);
        assertEquals(7, body.path("seed").asLong());
        assertEquals(-100, body.path("logit_bias").path("42").asDouble(), 1e-6);
        for (String unset : List.of("top_p", "min_p", "presence_penalty", "repetition_penalty", "ignore_eos")) {
            assertFalse(body.has(unset), unset + " was not set and must not be sent");
        }
        assertFalse(body.path("chat_template_kwargs").path("enable_thinking").asBoolean(true));
        assertEquals("x1", body.path("guided_choice_id").asText());
    }

    @Test
    void toolCallDeltasAreAssembledIntoWholeCalls() throws Exception {
        fake.enqueue(Reply.sse(List.of(
                openAiChunk("{\"role\":\"assistant\",\"content\":null}", null),
                openAiChunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null),
                openAiChunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}", null),
                openAiChunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}", null),
                openAiChunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]}", null),
                openAiChunk("{}", "tool_calls"),
                openAiUsage(20, 15, 0, 0), DONE)));

        try (var stream = provider.chat(hello())) {
            ChatCompletion.Choice choice = collect(stream).choices().getFirst();
            assertEquals(List.of(new ToolCall("call_a", "get_weather", "{\"city\":\"Paris\"}"),
                    new ToolCall("call_b", "get_time", "{}")), choice.toolCalls());
            assertEquals(FinishReason.TOOL_CALLS, choice.finish());
        }
    }

    @Test
    void usageCarriesCachedAndReasoningTokens() throws Exception {
        fake.enqueue(Reply.sse(List.of(openAiChunk("{\"content\":\"ok\"}", "stop"), openAiUsage(100, 30, 64, 12), DONE)));
        try (var stream = provider.chat(hello())) {
            assertEquals(new Usage(100, 30, 64, 12, null), collect(stream).usage());
        }
    }

    @Test
    void reasoningContentBecomesReasoningApartFromTheAnswer() throws Exception {
        fake.enqueue(Reply.sse(List.of(
                openAiChunk("{\"reasoning_content\":\"Let me think. \"}", null),
                openAiChunk("{\"reasoning\":\"Done thinking.\"}", null),
                openAiChunk("{\"content\":\"42\"}", "stop"), DONE)));
        try (var stream = provider.chat(hello())) {
            ChatCompletion.Choice choice = collect(stream).choices().getFirst();
            assertEquals("Let me think. Done thinking.", choice.reasoning());
            assertEquals("42", choice.content());
        }
    }

    @Test
    void logprobsBecomeTokenLogprobsWithBytesAndAlternatives() throws Exception {
        fake.enqueue(Reply.sse(List.of(openAiChunk("{\"content\":\"Hi\"}", null).replace("\"finish_reason\":null",
                "\"finish_reason\":null,\"logprobs\":{\"content\":[{\"token\":\"Hi\",\"logprob\":-0.5,\"bytes\":[72,105],"
                        + "\"top_logprobs\":[{\"token\":\"Hi\",\"logprob\":-0.5,\"bytes\":[72,105]},{\"token\":\"Yo\",\"logprob\":-2.0,\"bytes\":null}]}]}"),
                openAiChunk("{}", "stop"), DONE)));
        try (var stream = provider.chat(hello())) {
            List<TokenLogprob> logprobs = collect(stream).choices().getFirst().logprobs();
            assertEquals(1, logprobs.size());
            assertEquals("Hi", logprobs.getFirst().token());
            assertEquals(-0.5f, logprobs.getFirst().logprob());
            assertArrayEquals(new byte[] {72, 105}, logprobs.getFirst().bytes());
            assertEquals("Yo", logprobs.getFirst().top().get(1).token());
            assertNull(logprobs.getFirst().top().get(1).bytes());
        }
    }

    @Test
    void sseCommentsMultiLineDataAndCrLfAreReadLikeAnyOtherFraming() throws Exception {
        String chunk = openAiChunk("{\"content\":\"Hello\"}", null).strip().substring("data: ".length());
        int split = chunk.indexOf(",\"choices\"");
        fake.enqueue(Reply.sse(List.of(": keep-alive\r\n\r\n",
                "data: " + chunk.substring(0, split) + "\r\ndata: " + chunk.substring(split) + "\r\n\r\n",
                openAiChunk("{}", "stop"), "data:[DONE]\n\n")));
        try (var stream = provider.chat(hello())) {
            assertEquals("Hello", collect(stream).choices().getFirst().content());
        }
    }

    @Test
    void headersCarryBearerKeyRequestIdAndANewSpanOfTheCallersTrace() throws Exception {
        String trace = "0af7651916cd43dd8448eb211c80319c";
        LogContext.enter(RequestId.from("00-" + trace + "-b7ad6b7169203331-01", null));
        try (var stream = provider.chat(hello())) {
            collect(stream);
        }
        FakeUpstream.Recorded r = fake.onlyRequest();
        assertEquals("Bearer sk-test-key", r.header("Authorization"));
        assertEquals(trace, r.header("X-Request-Id"));
        String traceparent = r.header("traceparent");
        assertTrue(traceparent.matches("00-" + trace + "-[0-9a-f]{16}-01"), traceparent);
        assertFalse(traceparent.contains("b7ad6b7169203331"), "the upstream call is a new span");
    }

    @Test
    void withoutKeyOrTraceNoAuthorizationNorTraceparentIsSent() throws Exception {
        Provider anonymous = RemoteTesting.provider(ProviderType.OPENAI, fake.baseUrl(), "", RELAXED, http);
        LogContext.enter(RequestId.from(null, "req-123"));
        try (var stream = anonymous.chat(hello())) {
            collect(stream);
        }
        FakeUpstream.Recorded r = fake.onlyRequest();
        assertNull(r.header("Authorization"));
        assertNull(r.header("traceparent"));
        assertEquals("req-123", r.header("X-Request-Id"));
    }

    @Test
    void completionsStreamTextDeltasOfEveryPrompt() throws Exception {
        CompletionRequest request = new CompletionRequest("fake-model", List.of("Once upon"), GenerationParams.DEFAULTS,
                true, true, true, null);
        try (var stream = provider.complete(request)) {
            ChatCompletion answer = collect(stream);
            assertEquals("Hello world", answer.choices().getFirst().content());
            assertEquals(FinishReason.LENGTH, answer.choices().getFirst().finish());
            assertEquals(3, answer.usage().promptTokens());
        }
        FakeUpstream.Recorded r = fake.onlyRequest();
        assertEquals("/v1/completions", r.path());
        assertEquals("Once upon", r.json().path("prompt").asText());
        assertFalse(r.json().has("echo"), "the edge echoes the prompt itself");
    }

    @Test
    void embeddingsComeBackInInputOrder() {
        EmbeddingResult result = provider.embed(new EmbeddingRequest("fake-model", List.of(
                new EmbeddingRequest.Text("a", "input[0]"), new EmbeddingRequest.Text("b", "input[1]")), 3));
        assertEquals(2, result.vectors().size());
        assertEquals(0.5f, result.vectors().get(0)[0]);
        assertEquals(1.5f, result.vectors().get(1)[0]);
        assertEquals(8, result.promptTokens());
        JsonNode body = fake.onlyRequest().json();
        assertEquals("b", body.path("input").get(1).asText());
        assertEquals(3, body.path("dimensions").asInt());
    }

    @Test
    void rerankSendsEveryDocumentAndReadsScoresByIndex() {
        fake.enqueue(Reply.json(200, "{\"results\":[{\"index\":1,\"relevance_score\":0.9},"
                + "{\"index\":0,\"relevance_score\":-1.5}],\"usage\":{\"prompt_tokens\":12}}"));
        var result = provider.rerank(new io.stellarchat.server.protocol.RerankRequest("fake-model", "q",
                List.of("a", "b"), false));
        assertEquals(List.of(-1.5, 0.9), result.scores());
        assertEquals(12, result.promptTokens());
        FakeUpstream.Recorded r = fake.onlyRequest();
        assertEquals("/v1/rerank", r.path());
        assertEquals("q", r.json().path("query").asText());
        assertEquals(2, r.json().path("documents").size());
        assertFalse(r.json().has("top_n"), "every score comes back; the edge cuts to top_n");

        fake.enqueue(Reply.json(200, "{\"results\":[{\"index\":0,\"relevance_score\":1}]}"));
        ProviderException bad = assertThrows(ProviderException.class, () -> provider.rerank(
                new io.stellarchat.server.protocol.RerankRequest("fake-model", "q", List.of("a", "b"), false)));
        assertTrue(bad.getMessage().contains("2 rerank results"), bad.getMessage());
    }

    @Test
    void modelsListTheUpstreamsIdsOwnedByTheProvider() {
        List<ModelInfo> models = provider.models();
        assertEquals(1, models.size());
        assertEquals("fake-model", models.getFirst().id());
        assertEquals("fake", models.getFirst().ownedBy());
        assertEquals(1700000000L, models.getFirst().created());
        assertEquals("/v1/models", fake.onlyRequest().path());
    }

    @Test
    void healthIsUpOn2xxAndDownOnAnErrorStatus() {
        assertTrue(provider.health().healthy());
        fake.enqueue(Reply.openAiError(503, "loading model", "server_error", null, null));
        Provider.Health down = provider.health();
        assertFalse(down.healthy());
        assertTrue(down.detail().contains("503"), down.detail());
        assertEquals(2, fake.attempts());
    }
}
