package io.stellarchat.server.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.StructuredChatCompletion;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import io.stellarchat.server.testing.LiveService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool calling and structured outputs as agent builders use them: the official openai-java SDK (tools generated
 * from a class, a forced call, the tool's result sent back, an answer; {@code responseFormat(Class)} structured
 * output parsed into a record) and LangChain4j's OpenAI chat model (a required tool call, then the tool result
 * round trip), against a tiny local model with Qwen3's template.
 */
class ToolClientsTest {
    @TempDir
    static Path dir;
    static LiveService live;
    static OpenAIClient sdk;
    static OpenAiChatModel langchain;

    /** A tool's parameters, as the SDK derives a strict JSON schema from a class. */
    public static class GetWeather {
        public String city;
        public String unit;
    }

    /** A structured answer. */
    public static class Story {
        public String title;
        public int chapters;
        public boolean happy;
    }

    @BeforeAll
    static void start() {
        live = new LiveService(dir, List.of(LiveService.stories("qwenish", 0).withChatTemplate(LocalToolsTemplateTest.QWEN3)));
        String base = "http://127.0.0.1:" + live.port + "/v1";
        sdk = OpenAIOkHttpClient.builder().baseUrl(base).apiKey("unused").maxRetries(0).timeout(Duration.ofSeconds(60)).build();
        langchain = OpenAiChatModel.builder().baseUrl(base).apiKey("unused").modelName("qwenish").maxTokens(120).seed(5)
                .timeout(Duration.ofSeconds(60)).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        if (sdk != null) sdk.close();
        if (live != null) live.close();
    }

    @Test
    void openAiSdkToolRoundTrip() {
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("qwenish").seed(3).maxCompletionTokens(120)
                .addUserMessage("What is the weather in Oslo?").addTool(GetWeather.class)
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build();
        ChatCompletion c = sdk.chat().completions().create(first);
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertEquals("GetWeather", call.function().name());
        GetWeather args = call.function().arguments(GetWeather.class); // the SDK parses and checks the arguments
        assertTrue(args.city != null && args.unit != null, call.function().arguments());

        ChatCompletionCreateParams second = ChatCompletionCreateParams.builder().model("qwenish").seed(3).maxCompletionTokens(16)
                .addUserMessage("What is the weather in Oslo?").addTool(GetWeather.class)
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("{\"sky\":\"sunny\"}").build())
                .build();
        ChatCompletion answer = sdk.chat().completions().create(second);
        assertTrue(answer.choices().getFirst().message().content().isPresent(), answer.toString());
    }

    @Test
    void openAiSdkStructuredOutputParsesIntoAClass() {
        StructuredChatCompletion<Story> s = sdk.chat().completions().create(ChatCompletionCreateParams.builder().model("qwenish")
                .seed(11).maxCompletionTokens(200).addUserMessage("Tell me about a story.").responseFormat(Story.class).build());
        Story story = s.choices().getFirst().message().content().orElseThrow();
        assertTrue(story.title != null, "title");
    }

    @Test
    void langChain4jRequiredToolCallAndResult() {
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Current weather")
                .parameters(JsonObjectSchema.builder().addEnumProperty("city", List.of("Rome", "Oslo", "Lima")).required("city").build()).build();
        UserMessage user = UserMessage.from("Weather in Rome?");
        ChatResponse r = langchain.chat(ChatRequest.builder().messages(user).toolSpecifications(weather)
                .toolChoice(ToolChoice.REQUIRED).build());
        AiMessage ai = r.aiMessage();
        assertTrue(ai.hasToolExecutionRequests(), ai.toString());
        ToolExecutionRequest req = ai.toolExecutionRequests().getFirst();
        assertEquals("get_weather", req.name());
        assertTrue(req.arguments().matches("\\{\"city\":\"(Rome|Oslo|Lima)\"}"), req.arguments());

        ChatResponse answer = langchain.chat(ChatRequest.builder().messages(user, ai, ToolExecutionResultMessage.from(req, "sunny"))
                .toolSpecifications(weather).build());
        assertFalse(answer.aiMessage().text() == null && !answer.aiMessage().hasToolExecutionRequests(), answer.toString());
    }
}
