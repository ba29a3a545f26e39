package io.stellarchat.server.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.stellarchat.server.testing.LiveService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Structured outputs and forced tool calls through the HTTP API on a tiny local model (stories260K, which knows
 * nothing of JSON) given Qwen3's template: {@code response_format} json_object and json_schema answers parse and
 * validate with an independent validator; {@code tool_choice} required and named produce calls (finish_reason
 * tool_calls) whose arguments validate against the tool's parameters; streamed deltas assemble to the same call
 * as the non-streamed answer; bad schemas are refused with 400 naming the field.
 */
class ConstrainedOutputTest {
    @TempDir
    static Path dir;
    static LiveService live;
    static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    static final String WEATHER_PARAMS = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":20},"
            + "\"unit\":{\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"city\",\"unit\"],\"additionalProperties\":false}";
    static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":" + WEATHER_PARAMS + "}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"parameters\":{\"type\":\"object\",\"properties\":"
            + "{\"zone\":{\"type\":\"string\",\"maxLength\":10}},\"required\":[\"zone\"],\"additionalProperties\":false}}}]";

    @BeforeAll
    static void start() {
        live = new LiveService(dir, List.of(LiveService.stories("qwenish", 0).withChatTemplate(LocalToolsTemplateTest.QWEN3),
                LiveService.stories("plain", 0)));
    }

    @AfterAll
    static void stop() {
        if (live != null) live.close();
    }

    private static JsonNode chat(String model, String extra) throws Exception {
        HttpResponse<String> r = live.post("/v1/chat/completions", null, "{\"model\":\"" + model + "\",\"max_tokens\":200,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]," + extra + "}");
        assertEquals(200, r.statusCode(), r.body());
        return LiveService.json(r);
    }

    private static void assertValid(String schemaText, String doc) throws Exception {
        Schema schema = SCHEMAS.getSchema(schemaText);
        List<Error> errors = schema.validate(LiveService.JSON.readTree(doc), ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
        assertTrue(errors.isEmpty(), doc + " -> " + errors);
    }

    @Test
    void jsonSchemaAnswersValidate() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":12},"
                + "\"age\":{\"type\":\"integer\",\"minimum\":0},\"tags\":{\"type\":\"array\",\"items\":{\"enum\":[\"a\",\"b\"]},\"maxItems\":3},"
                + "\"when\":{\"type\":\"string\",\"format\":\"date\"}},\"required\":[\"name\",\"age\",\"tags\",\"when\"],\"additionalProperties\":false}";
        for (int seed = 1; seed <= 5; seed++) {
            JsonNode r = chat("plain", "\"seed\":" + seed + ",\"temperature\":1.0,\"response_format\":{\"type\":\"json_schema\","
                    + "\"json_schema\":{\"name\":\"person\",\"strict\":true,\"schema\":" + schema + "}}");
            assertEquals("stop", r.at("/choices/0/finish_reason").asText(), r.toString());
            assertValid(schema, r.at("/choices/0/message/content").asText());
        }
        // Any object: keys and strings are unbounded, so an answer may run into max_tokens; every finished one parses.
        for (int seed = 1; seed <= 4; seed++) {
            JsonNode obj = chat("plain", "\"seed\":" + seed + ",\"response_format\":{\"type\":\"json_object\"}");
            String text = obj.at("/choices/0/message/content").asText();
            String finish = obj.at("/choices/0/finish_reason").asText();
            assertTrue(text.startsWith("{"), text);
            if (finish.equals("stop")) assertTrue(LiveService.JSON.readTree(text).isObject(), text);
            else assertEquals("length", finish, obj.toString());
        }
    }

    @Test
    void requiredAndNamedToolChoicesProduceCallsWhoseArgumentsValidate() throws Exception {
        Map<String, String> params = new HashMap<>();
        JsonNode tools = LiveService.JSON.readTree(TOOLS);
        for (JsonNode t : tools) params.put(t.at("/function/name").asText(), t.at("/function/parameters").toString());
        for (int seed = 1; seed <= 4; seed++) {
            JsonNode r = chat("qwenish", "\"seed\":" + seed + ",\"tools\":" + TOOLS + ",\"tool_choice\":\"required\"");
            JsonNode choice = r.at("/choices/0");
            assertEquals("tool_calls", choice.get("finish_reason").asText(), r.toString());
            JsonNode calls = choice.at("/message/tool_calls");
            assertTrue(calls.size() >= 1, r.toString());
            for (JsonNode c : calls) {
                assertTrue(c.get("id").asText().startsWith("call_"), c.toString());
                assertEquals("function", c.get("type").asText());
                String name = c.at("/function/name").asText();
                assertTrue(params.containsKey(name), name);
                assertValid(params.get(name), c.at("/function/arguments").asText());
            }
        }
        JsonNode named = chat("qwenish", "\"seed\":3,\"tools\":" + TOOLS
                + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}},\"parallel_tool_calls\":false");
        JsonNode calls = named.at("/choices/0/message/tool_calls");
        assertEquals(1, calls.size(), named.toString());
        assertEquals("get_time", calls.at("/0/function/name").asText());
        assertValid(params.get("get_time"), calls.at("/0/function/arguments").asText());
    }

    @Test
    void streamedToolCallDeltasAssembleToTheSameCall() throws Exception {
        String extra = "\"seed\":7,\"tools\":" + TOOLS + ",\"tool_choice\":\"required\",\"parallel_tool_calls\":false";
        JsonNode whole = chat("qwenish", extra).at("/choices/0/message/tool_calls/0");
        HttpResponse<String> r = live.post("/v1/chat/completions", null, "{\"model\":\"qwenish\",\"max_tokens\":200,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]," + extra + "}");
        String name = null;
        StringBuilder args = new StringBuilder();
        String finish = null;
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode c = LiveService.JSON.readTree(line.substring(6));
            JsonNode tc = c.at("/choices/0/delta/tool_calls/0");
            if (!tc.isMissingNode()) {
                assertEquals(0, tc.get("index").asInt());
                if (tc.at("/function/name").isTextual()) name = tc.at("/function/name").asText();
                args.append(tc.at("/function/arguments").asText(""));
            }
            JsonNode f = c.at("/choices/0/finish_reason");
            if (f.isTextual()) finish = f.asText();
        }
        assertEquals(whole.at("/function/name").asText(), name, r.body());
        assertEquals(whole.at("/function/arguments").asText(), args.toString());
        assertEquals("tool_calls", finish);
    }

    @Test
    void schemasThatCannotBeUsedAreRefusedNamingTheField() throws Exception {
        HttpResponse<String> r = live.post("/v1/chat/completions", null, "{\"model\":\"plain\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"strict\":true,"
                + "\"schema\":{\"type\":\"object\",\"patternProperties\":{\"^a\":{}}}}}}");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode e = LiveService.json(r).get("error");
        assertEquals("response_format", e.get("param").asText(), r.body());
        assertTrue(e.get("message").asText().contains("patternProperties"), r.body());
        HttpResponse<String> lenient = live.post("/v1/chat/completions", null, "{\"model\":\"plain\",\"max_tokens\":4,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_schema\","
                + "\"json_schema\":{\"name\":\"x\",\"strict\":false,\"schema\":{\"type\":\"object\",\"patternProperties\":{\"^a\":{}}}}}}");
        assertEquals(200, lenient.statusCode(), lenient.body());
        assertTrue(lenient.headers().firstValue("X-Stellar-Warning").orElse("").contains("patternProperties"),
                lenient.headers().map().toString());
        HttpResponse<String> named = live.post("/v1/chat/completions", null, "{\"model\":\"qwenish\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"x\"}],\"tools\":" + TOOLS + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}}");
        assertEquals(400, named.statusCode(), named.body());
        assertEquals("tool_choice", LiveService.json(named).at("/error/param").asText());
    }
}
