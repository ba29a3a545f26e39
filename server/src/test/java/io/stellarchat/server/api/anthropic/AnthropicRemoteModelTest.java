package io.stellarchat.server.api.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import io.stellarchat.server.cli.StellarService;
import io.stellarchat.server.config.DataConfig;
import io.stellarchat.server.config.EngineConfig;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelsConfig;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.gateway.local.ModelRegistry;
import io.stellarchat.server.testing.FakeUpstream;
import io.stellarchat.server.testing.FakeUpstream.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote (gateway) model through Anthropic's Messages API: an OpenAI-compatible upstream's
 * {@code reasoning_content} comes back as a {@code thinking} block (whole and streamed as {@code thinking_delta}),
 * {@code thinking} reaches the upstream as the template argument, and the upstream's overload is a
 * {@code rate_limit_error} in Anthropic's shape.
 */
class AnthropicRemoteModelTest {
    @TempDir
    Path dir;
    FakeUpstream up;
    StellarService service;
    AnthropicClient sdk;

    @BeforeEach
    void start() {
        up = FakeUpstream.start();
        StellarConfig d = StellarConfig.defaults();
        ProviderConfig provider = ProviderConfig.of("up", ProviderConfig.ProviderType.OPENAI, up.baseUrl())
                .withTimeouts(new ProviderConfig.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2),
                        Duration.ofSeconds(2), Duration.ofSeconds(20)))
                .withHealthInterval(Duration.ZERO);
        ModelsConfig models = new ModelsConfig(dir.resolve("no-models-here"),
                List.of(ModelEntry.remote("remote", List.of(new ModelEntry.Upstream("up", FakeUpstream.MODEL, 1)))));
        StellarConfig config = new StellarConfig(d.server().withPort(0), d.logging(), models,
                new EngineConfig(1, 0, 16, Duration.ofSeconds(30), Duration.ofSeconds(5)), new DataConfig(dir),
                d.database(), d.metrics(), List.of(provider));
        service = new StellarService(config, ModelRegistry.empty(), null, List.of());
        int port = service.start();
        sdk = AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port).apiKey("unused").maxRetries(0)
                .timeout(Duration.ofSeconds(30)).build();
    }

    @AfterEach
    void stop() {
        if (sdk != null) sdk.close();
        if (service != null) service.close();
        if (up != null) up.close();
    }

    private static List<String> reasoningThenText() {
        List<String> frames = new ArrayList<>();
        frames.add(FakeUpstream.openAiChunk("{\"role\":\"assistant\",\"reasoning_content\":\"Let me \"}", null));
        frames.add(FakeUpstream.openAiChunk("{\"reasoning_content\":\"think.\"}", null));
        frames.add(FakeUpstream.openAiChunk("{\"content\":\"Hello\"}", null));
        frames.add(FakeUpstream.openAiChunk("{\"content\":\" there\"}", null));
        frames.add(FakeUpstream.openAiChunk("{}", "stop"));
        frames.add(FakeUpstream.openAiUsage(11, 6, 4, 3));
        frames.add(FakeUpstream.DONE);
        return frames;
    }

    private static MessageCreateParams hello() {
        return MessageCreateParams.builder().model("remote").maxTokens(2048).enabledThinking(1024).addUserMessage("Hi").build();
    }

    @Test
    void aRemoteModelsReasoningIsAThinkingBlockWholeAndStreamed() {
        up.enqueue(Reply.sse(reasoningThenText()), Reply.sse(reasoningThenText()));
        Message m = sdk.messages().create(hello());
        assertEquals(2, m.content().size(), m.toString());
        ContentBlock thinking = m.content().get(0);
        assertEquals("Let me think.", thinking.thinking().orElseThrow().thinking());
        assertEquals("Hello there", m.content().get(1).text().orElseThrow().text());
        assertEquals(StopReason.END_TURN, m.stopReason().orElseThrow());
        assertEquals(7, m.usage().inputTokens());
        assertEquals(4, m.usage().cacheReadInputTokens().orElseThrow());
        assertEquals(6, m.usage().outputTokens());
        assertTrue(up.requests().getFirst().json().at("/chat_template_kwargs/enable_thinking").asBoolean(),
                up.requests().getFirst().body());

        MessageAccumulator acc = MessageAccumulator.create();
        List<String> deltas = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> s = sdk.messages().createStreaming(hello())) {
            s.stream().forEach(e -> {
                acc.accumulate(e);
                e.contentBlockDelta().ifPresent(d -> deltas.add(d.delta().isThinking() ? "thinking" : d.delta().isText() ? "text" : "other"));
            });
        }
        Message streamed = acc.message();
        assertEquals(List.of("thinking", "thinking", "text", "text"), deltas);
        assertEquals("Let me think.", streamed.content().get(0).thinking().orElseThrow().thinking());
        assertEquals("Hello there", streamed.content().get(1).text().orElseThrow().text());
        assertEquals(6, streamed.usage().outputTokens());
    }

    @Test
    void anUpstreamsRateLimitIsARateLimitErrorInAnthropicsShape() {
        up.enqueue(Reply.openAiError(429, "slow down", "rate_limit_error", null, "rate_limit_exceeded"),
                Reply.openAiError(429, "slow down", "rate_limit_error", null, "rate_limit_exceeded"),
                Reply.openAiError(429, "slow down", "rate_limit_error", null, "rate_limit_exceeded"),
                Reply.openAiError(429, "slow down", "rate_limit_error", null, "rate_limit_exceeded"));
        RateLimitException e = org.junit.jupiter.api.Assertions.assertThrows(RateLimitException.class,
                () -> sdk.messages().create(MessageCreateParams.builder().model("remote").maxTokens(10).addUserMessage("Hi").build()));
        assertEquals("rate_limit_error", e.type().orElseThrow().asString());
    }
}
