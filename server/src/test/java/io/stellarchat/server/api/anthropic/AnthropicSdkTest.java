package io.stellarchat.server.api.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceAny;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.stellarchat.server.testing.LiveService;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anthropic's Messages API as Anthropic's own Java SDK ({@code com.anthropic:anthropic-java}) uses it, against
 * the whole service on the tiny story model: a message and its usage, the stream's named events in Anthropic's
 * order assembling to the same text as the message, a forced tool call whose input validates and its result sent
 * back, count_tokens agreeing with the usage, and errors in Anthropic's shape (400, 404, 401 with a static key).
 */
class AnthropicSdkTest {
    @TempDir
    static Path dir;
    @TempDir
    static Path keyedDir;
    static LiveService live;
    static LiveService keyed;
    static AnthropicClient sdk;
    /** Qwen3's chat template: the tiny model gets a tool-capable template (tool calls in Qwen's syntax). */
    static final Path QWEN3 = Path.of(System.getProperty("stellar.shared", "../shared"))
            .resolve("testdata/chat-templates/templates/Qwen-Qwen3-0.6B.jinja").toAbsolutePath();
    /** Temperature 0 (greedy): this SDK version has no typed temperature, so it goes as a body property. */
    static final JsonValue ZERO = JsonValue.from(0);
    static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    static final String WEATHER_SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"enum\":[\"Rome\",\"Oslo\",\"Lima\"]}},"
            + "\"required\":[\"city\"]}";
    static final Tool WEATHER = Tool.builder().name("get_weather").description("Current weather in a city")
            .inputSchema(Tool.InputSchema.builder()
                    .properties(JsonValue.from(Map.of("city", Map.of("enum", List.of("Rome", "Oslo", "Lima")))))
                    .required(List.of("city")).build())
            .build();

    @BeforeAll
    static void start() {
        live = new LiveService(dir, List.of(LiveService.stories("plain", 0),
                LiveService.stories("qwenish", 0).withChatTemplate(QWEN3)));
        sdk = client(live, "unused");
    }

    static AnthropicClient client(LiveService s, String key) {
        return AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + s.port).apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        if (sdk != null) sdk.close();
        if (live != null) live.close();
        if (keyed != null) keyed.close();
    }

    private static MessageCreateParams story(int maxTokens) {
        return MessageCreateParams.builder().model("plain").maxTokens(maxTokens).putAdditionalBodyProperty("temperature", ZERO)
                .system("You tell short stories.").addUserMessage("Once upon a time").build();
    }

    private static String text(Message m) {
        return m.content().stream().flatMap(b -> b.text().stream()).map(t -> t.text()).collect(Collectors.joining());
    }

    /** All prompt tokens: Anthropic reports those read from the cache apart. */
    private static long prompt(Message m) {
        return m.usage().inputTokens() + m.usage().cacheReadInputTokens().orElse(0L);
    }

    @Test
    void aMessageHasAnthropicsShapeAndItsUsage() {
        Message m = sdk.messages().create(story(24));
        assertTrue(m.id().startsWith("msg_"), m.id());
        assertEquals("plain", m.model().asString());
        assertFalse(text(m).isEmpty(), m.toString());
        StopReason stop = m.stopReason().orElseThrow();
        assertTrue(stop.equals(StopReason.END_TURN) || stop.equals(StopReason.MAX_TOKENS), stop.toString());
        assertTrue(prompt(m) > 0, m.usage().toString());
        assertTrue(m.usage().outputTokens() >= 1 && m.usage().outputTokens() <= 24, m.usage().toString());
        assertTrue(m.usage().cacheReadInputTokens().isPresent(), "cache_read_input_tokens is reported");
    }

    @Test
    void maxTokensEndsTheMessageWithStopReasonMaxTokens() {
        Message m = sdk.messages().create(story(3));
        assertEquals(StopReason.MAX_TOKENS, m.stopReason().orElseThrow());
        assertEquals(3, m.usage().outputTokens());
    }

    @Test
    void streamedEventsAssembleToTheSameTextAsTheMessage() {
        Message whole = sdk.messages().create(story(40));
        MessageAccumulator acc = MessageAccumulator.create();
        List<String> types = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(story(40))) {
            s.stream().forEach(e -> {
                acc.accumulate(e);
                types.add(e.isMessageStart() ? "message_start" : e.isContentBlockStart() ? "content_block_start"
                        : e.isContentBlockDelta() ? "content_block_delta" : e.isContentBlockStop() ? "content_block_stop"
                        : e.isMessageDelta() ? "message_delta" : e.isMessageStop() ? "message_stop" : "other");
            });
        }
        Message streamed = acc.message();
        assertEquals(text(whole), text(streamed));
        assertEquals(whole.stopReason(), streamed.stopReason());
        assertEquals(whole.usage().outputTokens(), streamed.usage().outputTokens());
        String order = String.join(" ", types);
        assertTrue(order.matches("message_start content_block_start( content_block_delta)+ content_block_stop message_delta message_stop"),
                order);
    }

    @Test
    void theStreamSendsAnthropicsNamedEventsInOrder() throws Exception {
        HttpResponse<java.io.InputStream> r = live.postStreaming("/v1/messages", null, "{\"model\":\"plain\",\"max_tokens\":8,"
                + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> names = new ArrayList<>();
        JsonNode delta = null;
        JsonNode start = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String event = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    JsonNode data = LiveService.JSON.readTree(line.substring(6));
                    assertEquals(event, data.get("type").asText(), "the event line names the data's type");
                    names.add(event);
                    if (event.equals("message_delta")) delta = data;
                    if (event.equals("message_start")) start = data;
                }
            }
        }
        assertEquals(List.of("message_start", "ping", "content_block_start"), names.subList(0, 3));
        assertEquals(List.of("content_block_stop", "message_delta", "message_stop"), names.subList(names.size() - 3, names.size()));
        assertTrue(start.at("/message/id").asText().startsWith("msg_"));
        assertTrue(start.at("/message/stop_reason").isNull());
        assertEquals("max_tokens", delta.at("/delta/stop_reason").asText());
        assertEquals(8, delta.at("/usage/output_tokens").asInt());
        assertEquals(start.at("/message/usage/input_tokens").asInt(), delta.at("/usage/input_tokens").asInt());
    }

    @Test
    void forcedToolUseRoundTrip() throws Exception {
        MessageCreateParams first = MessageCreateParams.builder().model("qwenish").maxTokens(200).putAdditionalBodyProperty("temperature", ZERO)
                .addUserMessage("What is the weather in Rome?").addTool(WEATHER)
                .toolChoice(ToolChoiceAny.builder().build()).build();
        Message m = sdk.messages().create(first);
        assertEquals(StopReason.TOOL_USE, m.stopReason().orElseThrow(), m.toString());
        ToolUseBlock call = m.content().stream().flatMap(b -> b.toolUse().stream()).findFirst().orElseThrow();
        assertTrue(call.id().startsWith("toolu_"), call.id());
        assertEquals("get_weather", call.name());
        JsonNode input = LiveService.JSON.valueToTree(call._input().convert(Object.class));
        List<Error> errors = SCHEMAS.getSchema(WEATHER_SCHEMA).validate(input, ctx -> { });
        assertTrue(errors.isEmpty(), input + " -> " + errors);

        // The same forced call streamed: input_json_delta pieces assemble to the same input.
        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(first)) {
            s.stream().forEach(acc::accumulate);
        }
        ToolUseBlock streamed = acc.message().content().stream().flatMap(b -> b.toolUse().stream()).findFirst().orElseThrow();
        assertEquals(input, LiveService.JSON.valueToTree(streamed._input().convert(Object.class)));
        assertEquals(StopReason.TOOL_USE, acc.message().stopReason().orElseThrow());

        MessageCreateParams second = MessageCreateParams.builder().model("qwenish").maxTokens(16).putAdditionalBodyProperty("temperature", ZERO)
                .addUserMessage("What is the weather in Rome?").addTool(WEATHER)
                .addMessage(m)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId(call.id()).content("sunny, 24 degrees").build())))
                .build();
        Message answer = sdk.messages().create(second);
        assertFalse(answer.content().isEmpty(), answer.toString());
        assertTrue(prompt(answer) > prompt(m), "the tool result is part of the prompt");

        // A failed tool is reported with is_error and still answered.
        Message afterError = sdk.messages().create(second.toBuilder().messages(List.of()).addUserMessage("Weather in Rome?")
                .addMessage(m).addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                        ToolResultBlockParam.builder().toolUseId(call.id()).content("service down").isError(true).build())))
                .build());
        assertTrue(afterError.stopReason().isPresent());
    }

    @Test
    void countTokensAgreesWithTheMessagesUsage() {
        Message m = sdk.messages().create(story(4));
        long counted = sdk.messages().countTokens(MessageCountTokensParams.builder().model("plain")
                .system("You tell short stories.").addUserMessage("Once upon a time").build()).inputTokens();
        // Anthropic counts prompt tokens read from the (prefix) cache apart from the others.
        assertEquals(m.usage().inputTokens() + m.usage().cacheReadInputTokens().orElse(0L), counted);
        long plain = sdk.messages().countTokens(MessageCountTokensParams.builder().model("qwenish")
                .addUserMessage("What is the weather in Rome?").build()).inputTokens();
        long withTools = sdk.messages().countTokens(MessageCountTokensParams.builder().model("qwenish")
                .addUserMessage("What is the weather in Rome?").addTool(WEATHER).build()).inputTokens();
        assertTrue(withTools > plain, withTools + " vs " + plain);
    }

    @Test
    void missingMaxTokensIsAnInvalidRequestError() throws Exception {
        HttpResponse<String> r = live.post("/v1/messages", null, "{\"model\":\"plain\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode body = LiveService.json(r);
        assertEquals("error", body.get("type").asText(), r.body());
        assertEquals("invalid_request_error", body.at("/error/type").asText(), r.body());
        assertTrue(body.at("/error/message").asText().contains("max_tokens"), r.body());
    }

    @Test
    void imagesAreRefusedClearly() throws Exception {
        HttpResponse<String> r = live.post("/v1/messages", null, "{\"model\":\"plain\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"AA==\"}}]}]}");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("invalid_request_error", LiveService.json(r).at("/error/type").asText());
        assertTrue(LiveService.json(r).at("/error/message").asText().contains("Image"), r.body());
    }

    @Test
    void unknownModelIsANotFoundError() {
        NotFoundException e = assertThrows(NotFoundException.class, () -> sdk.messages().create(
                MessageCreateParams.builder().model("no-such-model").maxTokens(5).addUserMessage("Hi").build()));
        assertEquals(404, e.statusCode());
        assertEquals("not_found_error", e.type().orElseThrow().asString());
        assertThrows(NotFoundException.class, () -> sdk.messages().countTokens(MessageCountTokensParams.builder()
                .model("no-such-model").addUserMessage("Hi").build()));
    }

    @Test
    void badRequestsAreBadRequestExceptionsInTheSdk() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> sdk.messages().create(
                MessageCreateParams.builder().model("plain").maxTokens(5).putAdditionalBodyProperty("temperature", JsonValue.from(1.5)).addUserMessage("Hi").build()));
        assertEquals("invalid_request_error", e.type().orElseThrow().asString());
    }

    /** A second service with a static key (and the chat database, for managed keys), made on first use. */
    static synchronized LiveService keyed() {
        if (keyed == null) {
            keyed = new LiveService(keyedDir, List.of(LiveService.stories("plain", 0), LiveService.stories("other", 0)),
                    List.of("sk-right-key"));
        }
        return keyed;
    }

    @Test
    void aKeysModelsAndRateLimitApplyAsOnOpenAisRoutes() throws Exception {
        LiveService s = keyed();
        HttpResponse<String> made = s.post("/v1/admin/keys", "sk-right-key", "{\"name\":\"anthropic\",\"owner\":\"t\","
                + "\"models\":[\"plain\"],\"limits\":{\"requests_per_minute\":1}}");
        assertEquals(201, made.statusCode(), made.body());
        AnthropicClient limited = client(s, LiveService.json(made).get("key").asText());
        try {
            NotFoundException hidden = assertThrows(NotFoundException.class, () -> limited.messages().create(
                    MessageCreateParams.builder().model("other").maxTokens(4).addUserMessage("Hi").build()));
            assertEquals("not_found_error", hidden.type().orElseThrow().asString());
            limited.messages().create(MessageCreateParams.builder().model("plain").maxTokens(2).addUserMessage("Hi").build());
            com.anthropic.errors.RateLimitException over = assertThrows(com.anthropic.errors.RateLimitException.class,
                    () -> limited.messages().create(MessageCreateParams.builder().model("plain").maxTokens(2).addUserMessage("Hi").build()));
            assertEquals("rate_limit_error", over.type().orElseThrow().asString());
            assertTrue(over.headers().values("retry-after").size() == 1, "Retry-After is sent");
        } finally {
            limited.close();
        }
    }

    @Test
    void aWrongKeyIsAnAuthenticationErrorInAnthropicsShape() throws Exception {
        keyed();
        AnthropicClient wrong = client(keyed, "sk-wrong-key");
        AnthropicClient right = client(keyed, "sk-right-key");
        try {
            UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> wrong.messages().create(story(4)));
            assertEquals(401, e.statusCode());
            assertEquals("authentication_error", e.type().orElseThrow().asString());
            assertTrue(right.messages().create(story(4)).usage().outputTokens() > 0);
        } finally {
            wrong.close();
            right.close();
        }
        HttpResponse<String> r = keyed.client.send(keyed.request("/v1/messages", null).header("x-api-key", "sk-wrong-key")
                .header("anthropic-version", "2023-06-01").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode());
        JsonNode body = LiveService.json(r);
        assertEquals("error", body.get("type").asText(), r.body());
        assertEquals("authentication_error", body.at("/error/type").asText(), r.body());
        assertFalse(body.at("/error/message").asText().isEmpty());
    }
}
