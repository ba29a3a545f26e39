package io.stellarchat.server.api.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.ToolCall;
import io.stellarchat.server.protocol.ToolCallDelta;
import io.stellarchat.server.protocol.Usage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Anthropic edge's translations without a server: request blocks into protocol messages (tool results with
 * is_error, tool_choice and thinking mappings), reasoning into {@code thinking} blocks both whole and streamed,
 * the block sequence of a stream that switches from thinking to text to tool calls, and error types by status.
 */
class AnthropicShapesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    private static MessagesRequest parse(String body) throws Exception {
        return MessagesRequest.parse(JSON.readTree(body), false);
    }

    @Test
    void blocksBecomeProtocolMessagesInOrder() throws Exception {
        MessagesRequest r = parse("""
                {"model":"m","max_tokens":50,"system":[{"type":"text","text":"Be brief."}],"metadata":{"user_id":"u"},
                 "messages":[{"role":"user","content":"Weather?"},
                   {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"Let me look."},
                     {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Rome"}}]},
                   {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"down"}],"is_error":true},
                     {"type":"text","text":"And now?"}]}],
                 "stop_sequences":["END"],"temperature":0.5,"top_k":5}""");
        List<Message> m = r.chat().messages();
        assertEquals(List.of(Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.TOOL, Role.USER), m.stream().map(Message::role).toList());
        assertEquals("Be brief.", m.get(0).text());
        assertEquals("Let me look.", m.get(2).text(), "past thinking is not re-rendered");
        assertEquals(List.of(new ToolCall("toolu_1", "get_weather", "{\"city\":\"Rome\"}")), m.get(2).toolCalls());
        assertEquals("toolu_1", m.get(3).toolCallId());
        assertEquals("Error: down", m.get(3).text());
        assertEquals(50, r.chat().params().maxTokens());
        assertEquals(List.of("END"), r.chat().params().stop());
        assertEquals(5, r.chat().params().sampling().topK());
        assertFalse(r.chat().stream());
    }

    @Test
    void toolChoiceMapsOntoOpenAisShape() throws Exception {
        String base = "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}],\"tool_choice\":";
        assertEquals("\"auto\"", parse(base + "{\"type\":\"auto\"}}").chat().toolChoice().toString());
        assertEquals("\"required\"", parse(base + "{\"type\":\"any\"}}").chat().toolChoice().toString());
        assertEquals("\"none\"", parse(base + "{\"type\":\"none\"}}").chat().toolChoice().toString());
        assertEquals("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}",
                parse(base + "{\"type\":\"tool\",\"name\":\"f\"}}").chat().toolChoice().toString());
        assertEquals(false, parse(base + "{\"type\":\"any\",\"disable_parallel_tool_use\":true}}").chat().extra()
                .get("parallel_tool_calls").asBoolean(true));
        assertEquals("tool_choice.type", assertThrows(ApiException.class, () -> parse(base + "{\"type\":\"some\"}}")).param());
    }

    @Test
    void thinkingTurnsTheTemplatesReasoningOnOrOff() throws Exception {
        String base = "{\"model\":\"m\",\"max_tokens\":2000,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"thinking\":";
        MessagesRequest on = parse(base + "{\"type\":\"enabled\",\"budget_tokens\":1024}}");
        assertTrue(on.thinking());
        assertTrue(on.chat().extra().at("/chat_template_kwargs/enable_thinking").asBoolean());
        assertEquals(1024, on.chat().extra().at("/thinking/budget_tokens").asInt(), "passed on to Anthropic upstreams");
        MessagesRequest off = parse(base + "{\"type\":\"disabled\"}}");
        assertFalse(off.chat().extra().at("/chat_template_kwargs/enable_thinking").asBoolean(true));
        ApiException e = assertThrows(ApiException.class, () -> parse(base + "{\"type\":\"enabled\",\"budget_tokens\":4000}}"));
        assertEquals("thinking.budget_tokens", e.param());
    }

    @Test
    void requiredFieldsAndTextOnlyContentAreChecked() {
        assertEquals("max_tokens", assertThrows(ApiException.class, () -> parse(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")).param());
        assertEquals("messages[0].content[0].type", assertThrows(ApiException.class, () -> parse(
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\"}]}]}")).param());
        assertEquals("messages[0].role", assertThrows(ApiException.class, () -> parse(
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}")).param());
        assertEquals("tools[0].type", assertThrows(ApiException.class, () -> parse(
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                        + "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]}")).param());
    }

    @Test
    void reasoningBecomesAThinkingBlockBeforeTextAndToolUse() {
        ChatCompletion answer = new ChatCompletion("m", "local/m", List.of(new ChatCompletion.Choice(0, "Sure.", "I think.",
                List.of(new ToolCall("call_7", "f", "{\"a\":1}")), List.of(), FinishReason.TOOL_CALLS)),
                new Usage(10, 4, 6, 0, null));
        JsonNode m = MessageJson.message(JSON, "msg_1", answer);
        assertEquals("thinking", m.at("/content/0/type").asText());
        assertEquals("I think.", m.at("/content/0/thinking").asText());
        assertEquals("text", m.at("/content/1/type").asText());
        assertEquals("toolu_7", m.at("/content/2/id").asText());
        assertEquals(1, m.at("/content/2/input/a").asInt());
        assertEquals("tool_use", m.get("stop_reason").asText());
        assertEquals(4, m.at("/usage/input_tokens").asInt(), "prompt tokens not read from the cache");
        assertEquals(6, m.at("/usage/cache_read_input_tokens").asInt());
        assertEquals(4, m.at("/usage/output_tokens").asInt());
    }

    @Test
    void aStreamOpensOneBlockPerKindAndCallInOrder() throws Exception {
        List<String> names = new ArrayList<>();
        List<JsonNode> data = new ArrayList<>();
        MessageEvents events = new MessageEvents((name, json) -> {
            names.add(name);
            try {
                data.add(JSON.readTree(json));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, JSON);
        events.start("msg_1", "m", new Usage(5, 0, 0, 0, null));
        events.event(new ChatEvent.Delta(0, "", "Hmm", List.of(), List.of()));
        events.event(new ChatEvent.Delta(0, "", " ok", List.of(), List.of()));
        events.event(ChatEvent.Delta.text(0, "Calling."));
        events.event(new ChatEvent.Delta(0, "", "", List.of(new ToolCallDelta(0, "call_a", "f", "{\"x\":")), List.of()));
        events.event(new ChatEvent.Delta(0, "", "", List.of(new ToolCallDelta(0, null, null, "1}")), List.of()));
        events.event(new ChatEvent.Delta(0, "", "", List.of(new ToolCallDelta(1, "call_b", "g", "{}")), List.of()));
        events.idle();
        events.event(new ChatEvent.ChoiceEnd(0, FinishReason.TOOL_CALLS));
        events.event(new ChatEvent.Done(new Usage(5, 9, 0, 3, null)));
        assertEquals(List.of("message_start", "ping",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_stop", "content_block_start", "content_block_delta", "ping", "content_block_stop",
                "message_delta", "message_stop"), names);
        assertEquals("thinking", data.get(2).at("/content_block/type").asText());
        assertEquals("thinking_delta", data.get(3).at("/delta/type").asText());
        assertEquals("text_delta", data.get(7).at("/delta/type").asText());
        assertEquals("toolu_a", data.get(9).at("/content_block/id").asText());
        assertEquals("input_json_delta", data.get(10).at("/delta/type").asText());
        assertEquals("1}", data.get(11).at("/delta/partial_json").asText());
        assertEquals(3, data.get(13).get("index").asInt(), "the fourth block");
        assertEquals("g", data.get(13).at("/content_block/name").asText());
        assertEquals("tool_use", data.get(17).at("/delta/stop_reason").asText());
        assertEquals(9, data.get(17).at("/usage/output_tokens").asInt());
    }

    @Test
    void errorTypesFollowTheStatusAsAnthropicDocumentsThem() {
        assertEquals("invalid_request_error", AnthropicErrors.type(400));
        assertEquals("authentication_error", AnthropicErrors.type(401));
        assertEquals("permission_error", AnthropicErrors.type(403));
        assertEquals("not_found_error", AnthropicErrors.type(404));
        assertEquals("rate_limit_error", AnthropicErrors.type(429));
        assertEquals("api_error", AnthropicErrors.type(500));
        assertEquals("overloaded_error", AnthropicErrors.type(503));
        assertEquals("overloaded_error", AnthropicErrors.type(529));
        JsonNode body = AnthropicErrors.of(JSON, ApiException.rateLimited("slow down"));
        assertEquals("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}", body.toString());
        assertTrue(new AnthropicErrors().covers("/v1/messages/count_tokens"));
        assertFalse(new AnthropicErrors().covers("/v1/messagesx"));
    }
}
