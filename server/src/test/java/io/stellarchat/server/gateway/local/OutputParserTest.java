package io.stellarchat.server.gateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each family's tool-call and reasoning syntax parsed from its output: single call, parallel calls, a call after
 * text, malformed text (given back as content); fed in random chunks, as it streams, the result is the same as
 * fed whole. The family is recognised from the real published templates in ../shared/testdata.
 */
class OutputParserTest {
    private static final Path TEMPLATES = Path.of(System.getProperty("stellar.shared", "../shared"))
            .resolve("testdata/chat-templates/templates");

    /** Content, reasoning and calls of a whole output, merged (adjacent text pieces joined). */
    record Parsed(String content, String reasoning, List<String> calls) {}

    static Parsed parse(ToolSyntax s, boolean tools, boolean startInReasoning, String output, long seed) {
        OutputParser p = new OutputParser(s, tools, startInReasoning);
        List<OutputParser.Piece> pieces = new ArrayList<>();
        Random r = new Random(seed);
        int i = 0;
        while (i < output.length()) {
            int n = seed == 0 ? output.length() : 1 + r.nextInt(6);
            pieces.addAll(p.feed(output.substring(i, Math.min(output.length(), i + n))));
            i += n;
        }
        pieces.addAll(p.finish());
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<String> calls = new ArrayList<>();
        for (OutputParser.Piece x : pieces) {
            switch (x) {
                case OutputParser.Piece.Content c -> content.append(c.text());
                case OutputParser.Piece.Reasoning c -> reasoning.append(c.text());
                case OutputParser.Piece.Call c -> calls.add(c.name() + " " + c.arguments());
            }
        }
        return new Parsed(content.toString(), reasoning.toString(), calls);
    }

    /** The same result whole and in 20 random chunkings. */
    static Parsed check(ToolSyntax s, boolean tools, boolean startInReasoning, String output) {
        Parsed whole = parse(s, tools, startInReasoning, output, 0);
        for (long seed = 1; seed <= 20; seed++) {
            assertEquals(whole, parse(s, tools, startInReasoning, output, seed), "chunked, seed " + seed);
        }
        return whole;
    }

    static ToolSyntax family(String templateFile) throws IOException {
        return ToolSyntax.of(Files.readString(TEMPLATES.resolve(templateFile)));
    }

    @Test
    void familiesAreRecognisedFromTheirPublishedTemplates() throws IOException {
        Map<String, String> expected = Map.ofEntries(
                Map.entry("Qwen-Qwen2.5-7B-Instruct.jinja", "hermes"),
                Map.entry("Qwen-Qwen3-0.6B.jinja", "hermes"),
                Map.entry("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja", "hermes"),
                Map.entry("meta-llama-Llama-3.1-8B-Instruct.jinja", "llama3"),
                Map.entry("meta-llama-Llama-3.3-70B-Instruct.jinja", "llama3"),
                Map.entry("mistralai-Mistral-Nemo-Instruct-2407.jinja", "mistral"),
                Map.entry("deepseek-ai-DeepSeek-V3.1.jinja", "deepseek"),
                Map.entry("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "deepseek"),
                Map.entry("CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja", "command-r7b"),
                Map.entry("ibm-granite-granite-3.3-2B-Instruct.jinja", "granite"),
                Map.entry("meetkai-functionary-medium-v3.2.jinja", "functionary-v3.2"));
        for (var e : expected.entrySet()) {
            assertEquals(e.getValue(), family(e.getKey()).family(), e.getKey());
        }
        assertEquals("<think>", family("Qwen-Qwen3-0.6B.jinja").thinkStart());
    }

    @Test
    void hermesAndQwen() throws IOException {
        ToolSyntax s = family("Qwen-Qwen3-0.6B.jinja");
        Parsed one = check(s, true, false, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>");
        assertEquals(List.of("get_weather {\"city\":\"Paris\"}"), one.calls());
        assertEquals("", one.content());
        Parsed two = check(s, true, false, "Let me check.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": 1}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>");
        assertEquals(List.of("a {\"x\":1}", "b {}"), two.calls());
        assertEquals("Let me check.\n", two.content());
        Parsed bad = check(s, true, false, "<tool_call>\n{\"name\": broken\n</tool_call> and more");
        assertEquals(List.of(), bad.calls());
        assertEquals("<tool_call>\n{\"name\": broken\n</tool_call> and more", bad.content());
        Parsed think = check(s, true, true, "The user wants weather.\n</think>\n\n<tool_call>\n{\"name\": \"w\", \"arguments\": {}}\n</tool_call>");
        assertEquals("The user wants weather.\n", think.reasoning());
        assertEquals(List.of("w {}"), think.calls());
        Parsed noTools = check(s, false, false, "<think>hmm</think>\n\nPlain <tool_call> text");
        assertEquals("hmm", noTools.reasoning());
        assertEquals("Plain <tool_call> text", noTools.content());
    }

    @Test
    void llama3() throws IOException {
        ToolSyntax s = family("meta-llama-Llama-3.1-8B-Instruct.jinja");
        assertEquals(List.of("get_weather {\"city\":\"Oslo\"}"),
                check(s, true, false, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}").calls());
        assertEquals(List.of("f {\"a\":1}"),
                check(s, true, false, "<|python_tag|>{\"type\": \"function\", \"name\": \"f\", \"parameters\": {\"a\": 1}}").calls());
        Parsed text = check(s, true, false, "The weather is {not} known.");
        assertEquals("The weather is {not} known.", text.content());
        Parsed notJson = check(s, true, false, "{this is not json");
        assertEquals("{this is not json", notJson.content());
    }

    @Test
    void mistral() throws IOException {
        ToolSyntax s = family("mistralai-Mistral-Nemo-Instruct-2407.jinja");
        assertEquals(List.of("a {\"x\":1}", "b {\"y\":\"z\"}"), check(s, true, false,
                "[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"x\": 1}}, {\"name\": \"b\", \"arguments\": {\"y\": \"z\"}}]").calls());
        assertEquals(List.of("get {\"q\":2}"), check(s, true, false, "[TOOL_CALLS]get[ARGS]{\"q\": 2}").calls());
    }

    @Test
    void deepseek() throws IOException {
        ToolSyntax s = family("deepseek-ai-DeepSeek-V3.1.jinja");
        String b = ToolSyntax.DS_CALLS_BEGIN, cb = ToolSyntax.DS_CALL_BEGIN, ce = ToolSyntax.DS_CALL_END,
                e = ToolSyntax.DS_CALLS_END, sep = ToolSyntax.DS_SEP;
        assertEquals(List.of("f {\"a\":1}", "g {}"), check(s, true, false,
                "Sure." + b + cb + "f" + sep + "{\"a\": 1}" + ce + cb + "g" + sep + "{}" + ce + e).calls());
        Parsed r1 = check(family("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"), true, false,
                "<think>plan</think>" + b + cb + "function" + sep + "f\n```json\n{\"a\": 2}\n```" + ce + e);
        assertEquals(List.of("f {\"a\":2}"), r1.calls());
        assertEquals("plan", r1.reasoning());
    }

    @Test
    void commandR7bGraniteAndFunctionary() throws IOException {
        Parsed c = check(family("CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja"), true, false,
                "<|START_THINKING|>I will call it.<|END_THINKING|><|START_ACTION|>[{\"tool_call_id\": \"0\", \"tool_name\": \"f\", "
                        + "\"parameters\": {\"a\": 1}}]<|END_ACTION|>");
        assertEquals(List.of("f {\"a\":1}"), c.calls());
        assertEquals("I will call it.", c.reasoning());
        assertEquals(List.of("f {\"a\":1}"), check(family("ibm-granite-granite-3.3-2B-Instruct.jinja"), true, false,
                "<|tool_call|>[{\"name\": \"f\", \"arguments\": {\"a\": 1}}]").calls());
        Parsed f = check(family("meetkai-functionary-medium-v3.2.jinja"), true, false,
                "all\nLet me look.>>>get_weather\n{\"city\": \"Rome\"}");
        assertEquals(List.of("get_weather {\"city\":\"Rome\"}"), f.calls());
        assertEquals("Let me look.", f.content());
    }

    @Test
    void genericJsonFallback() {
        ToolSyntax s = ToolSyntax.of("{{ messages }}");
        assertEquals("generic", s.family());
        assertEquals(List.of("f {\"a\":1}"), check(s, true, false, "{\"tool_calls\": [{\"name\": \"f\", \"arguments\": {\"a\": 1}}]}").calls());
        assertEquals("Just text.", check(s, true, false, "Just text.").content());
    }
}
