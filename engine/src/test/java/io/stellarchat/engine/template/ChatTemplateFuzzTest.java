package io.stellarchat.engine.template;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the chat-template interpreter (Jazzer): any template source compiles or fails with a
 * {@link TemplateException}; one that compiles renders a small conversation (with tools, a system prompt and
 * special tokens, as the local provider passes them) or fails with a {@link TemplateException}. Never another
 * exception, a StackOverflowError, an OOM or a hang: the output stays within the renderer's 1 Mi characters and
 * compile plus render within {@link #TIME_LIMIT_NANOS}, whatever loops, recursion or string growth the source asks
 * for (the interpreter's iteration, work and depth limits stop it).
 *
 * <p>Seeds: {@code src/test/resources/io/stellarchat/engine/template/ChatTemplateFuzzTestInputs/}, templates in
 * the styles of published models (loops over messages, macros, namespaces, {@code tojson}, slicing, filters) and
 * hostile ones (nested loops, recursion, doubling strings). {@code ./stellar fuzz template --time 30m} fuzzes.
 */
class ChatTemplateFuzzTest {
    /**
     * Wall-clock bound for one compile and render. The interpreter's work budget is 10^8 steps, which a plain
     * loop uses up in well under a second; the slack is for a loaded machine and the fuzzer's instrumentation.
     */
    static final long TIME_LIMIT_NANOS = 20_000_000_000L;

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

    private static final List<Map<String, Object>> MESSAGES = List.of(
            Map.of("role", "system", "content", "You are terse."),
            Map.of("role", "user", "content", "What is 2+2?"),
            Map.of("role", "assistant", "content", "", "tool_calls", List.of(Map.of("id", "call_1", "type", "function",
                    "function", Map.of("name", "add", "arguments", Map.of("a", 2, "b", 2))))),
            Map.of("role", "tool", "tool_call_id", "call_1", "content", "4"),
            Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Thanks!"))));

    private static final Map<String, Object> EXTRA = Map.of(
            "bos_token", "<s>", "eos_token", "</s>", "enable_thinking", false,
            "tools", List.of(Map.of("type", "function", "function", Map.of("name", "add", "description", "Adds.",
                    "parameters", Map.of("type", "object", "properties", Map.of("a", Map.of("type", "integer")))))));

    @FuzzTest(maxDuration = "10s")
    @Timeout(60)
    void anySourceCompilesAndRendersOrFailsWithATemplateException(byte[] input) {
        String source = new String(input, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try {
            ChatTemplate t = ChatTemplate.compile(source).withClock(CLOCK);
            String out = t.renderChat(MESSAGES, true, EXTRA);
            assertNotNull(out);
            assertTrue(out.length() <= Renderer.MAX_OUTPUT_CHARS, "output of " + out.length() + " characters");
        } catch (TemplateException e) {
            assertNotNull(e.getMessage(), "a template error says why");
            assertNotNull(e.kind());
        }
        long took = System.nanoTime() - start;
        assertTrue(took < TIME_LIMIT_NANOS, "compile and render took " + took / 1_000_000 + " ms");
    }
}
