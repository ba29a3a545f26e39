package io.stellarchat.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The public surface: fallback, renderChat, error kinds, thread safety, and limits against hostile templates. */
class ChatTemplateApiTest {
    private static final Duration FAST = Duration.ofSeconds(10);

    private static Map<String, Object> msg(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    @Test
    void anUnknownFilterOrTestInsideAnIfFailsOnlyWhenTheBranchRuns() throws TemplateException {
        // As Jinja2 3.x: a tool branch may name a filter this interpreter lacks; chats without tools still render.
        ChatTemplate t = ChatTemplate.compile("{% if tools %}{{ tools | fancy_json }}{% if tools is shiny %}!{% endif %}"
                + "{% endif %}{{ messages[0]['content'] }}");
        List<Map<String, Object>> messages = List.of(Map.of("role", "user", "content", "hi"));
        assertEquals("hi", t.renderChat(messages, false, Map.of()));
        TemplateException e = assertThrows(TemplateException.class,
                () -> t.renderChat(messages, false, Map.of("tools", List.of(Map.of("name", "f")))));
        assertTrue(e.getMessage().contains("fancy_json"), e.getMessage());
        // Outside any if, the name is checked when the template is compiled.
        TemplateException top = assertThrows(TemplateException.class, () -> ChatTemplate.compile("{{ 1 | fancy_json }}"));
        assertEquals(TemplateException.Kind.SYNTAX, top.kind());
    }

    @Test
    void chatMlFallbackRendersTheDocumentedFormat() throws TemplateException {
        List<Map<String, Object>> messages = List.of(msg("system", "Be brief."), msg("user", "Hi"),
                msg("assistant", "Hello!"), msg("user", "Bye"));
        String expected = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n";
        ChatTemplate chatMl = ChatTemplate.chatMlFallback();
        assertEquals(expected + "<|im_start|>assistant\n", chatMl.renderChat(messages, true, Map.of()));
        assertEquals(expected, chatMl.renderChat(messages, false, null));
    }

    @Test
    void chatMlFallbackJoinsTextContentParts() throws TemplateException {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("role", "user");
        user.put("content", List.of(Map.of("type", "text", "text", "a"), Map.of("type", "image_url", "image_url",
                Map.of("url", "x")), Map.of("type", "text", "text", "b")));
        assertEquals("<|im_start|>user\nab<|im_end|>\n",
                ChatTemplate.chatMlFallback().renderChat(List.of(user), false, Map.of()));
    }

    @Test
    void renderChatPassesTokensAndToolsAndLeavesNullToolsUndefined() throws TemplateException {
        ChatTemplate t = ChatTemplate.compile("{{ bos_token }}|{{ tools is defined }}|{{ tools | length if tools is"
                + " defined else '-' }}|{{ add_generation_prompt }}|{{ messages | length }}");
        Map<String, Object> extra = new HashMap<>();
        extra.put("bos_token", "<s>");
        extra.put("tools", null);
        assertEquals("<s>|False|-|True|1", t.renderChat(List.of(msg("user", "x")), true, extra));
        extra.put("tools", List.of(Map.of("type", "function")));
        assertEquals("<s>|True|1|False|1", t.renderChat(List.of(msg("user", "x")), false, extra));
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessageVerbatim() throws TemplateException {
        ChatTemplate t = ChatTemplate.compile("{% if messages[0].role != 'user' %}"
                + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
                + "{% endif %}ok");
        TemplateException e = assertThrows(TemplateException.class,
                () -> t.renderChat(List.of(msg("assistant", "x")), true, Map.of()));
        assertTrue(e.isRaised());
        assertEquals(TemplateException.Kind.RAISED, e.kind());
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
        assertEquals("ok", t.renderChat(List.of(msg("user", "x")), true, Map.of()));
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> ChatTemplate.compile("line one\n{% if x %}\n  {{ 1 + }}\n{% endif %}"));
        assertEquals(TemplateException.Kind.SYNTAX, e.kind());
        assertFalse(e.isRaised());
        assertTrue(e.getMessage().endsWith("(line 3, column 10)"), e.getMessage());
        TemplateException unclosed = assertThrows(TemplateException.class, () -> ChatTemplate.compile("{% for x in y %}"));
        assertTrue(unclosed.getMessage().contains("endfor"), unclosed.getMessage());
        assertThrows(TemplateException.class, () -> ChatTemplate.compile("{{ 'unterminated }}"));
        assertThrows(TemplateException.class, () -> ChatTemplate.compile("{% if %}{% endif %}"));
        assertThrows(TemplateException.class, () -> ChatTemplate.compile("{{ x ]"));
    }

    @Test
    void undefinedMisuseIsARenderErrorNotARaise() throws TemplateException {
        TemplateException e = assertThrows(TemplateException.class,
                () -> ChatTemplate.compile("{{ 'a' + missing }}").render(Map.of()));
        assertEquals(TemplateException.Kind.RENDER, e.kind());
        assertEquals("'missing' is undefined", e.getMessage());
    }

    @Test
    void strftimeNowReadsTheInjectedClock() throws TemplateException {
        Clock clock = Clock.fixed(LocalDateTime.parse("2024-02-29T23:05:09").toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        assertEquals("29 Feb 2024 23:05:09 Thursday",
                ChatTemplate.compile("{{ strftime_now('%d %b %Y %H:%M:%S %A') }}").withClock(clock).render(Map.of()));
    }

    @Test
    void callerCollectionsAreNotMutatedAndIntegersWiden() throws TemplateException {
        List<Object> list = new ArrayList<>(List.of(3, 1, 2));
        Map<String, Object> vars = new HashMap<>();
        vars.put("xs", list);
        vars.put("f", 2.5f);
        assertEquals("[1, 2, 3] 6 2.5", ChatTemplate.compile("{{ xs | sort }} {{ xs | sum }} {{ f }}").render(vars));
        assertEquals(List.of(3, 1, 2), list);
    }

    @Test
    void compiledTemplateIsSharedSafelyAcrossThreads() throws Exception {
        ChatTemplate t = ChatTemplate.compile("{% set ns = namespace(n=0) %}{% for m in messages %}"
                + "{% set ns.n = ns.n + 1 %}[{{ loop.index }}:{{ m.content }}]{% endfor %}{{ ns.n }}");
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int n = i % 7 + 1;
                results.add(pool.submit(() -> {
                    List<Map<String, Object>> messages = new ArrayList<>();
                    StringBuilder expected = new StringBuilder();
                    for (int k = 1; k <= n; k++) {
                        messages.add(msg("user", "m" + k));
                        expected.append('[').append(k).append(":m").append(k).append(']');
                    }
                    expected.append(n);
                    for (int rep = 0; rep < 50; rep++) {
                        if (!t.renderChat(messages, false, Map.of()).contentEquals(expected)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        }
    }

    // ---- hostile templates: a precise TemplateException, never a StackOverflowError, OOM or hang ----

    private static TemplateException renderFails(String source) {
        return assertTimeoutPreemptively(FAST, () -> assertThrows(TemplateException.class,
                () -> ChatTemplate.compile(source).render(Map.of())));
    }

    @Test
    void infiniteMacroRecursionStops() {
        TemplateException e = renderFails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        assertTrue(e.getMessage().contains("recursion"), e.getMessage());
    }

    @Test
    void outputLargerThanOneMebibyteStops() {
        TemplateException e = renderFails("{% for i in range(100000) %}{% for j in range(100) %}xxxxxxxxxxxxxxxx"
                + "{% endfor %}{% endfor %}");
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }

    @Test
    void stringDoublingStops() {
        renderFails("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
                + "{% endfor %}{{ ns.s | length }}");
        renderFails("{{ 'x' * 100000000 }}");
        renderFails("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
                + "{% endfor %}");
    }

    @Test
    void runawayLoopsStop() {
        TemplateException e = renderFails("{% for i in range(1000000) %}{% for j in range(1000000) %}{% endfor %}"
                + "{% endfor %}");
        assertTrue(e.getMessage().contains("iterations"), e.getMessage());
        renderFails("{{ range(10000000000) | length }}");
    }

    @Test
    void deeplyNestedSourceFailsToCompileCleanly() {
        String deepParens = "{{ " + "(".repeat(50_000) + "1" + ")".repeat(50_000) + " }}";
        assertEquals(TemplateException.Kind.SYNTAX, assertThrows(TemplateException.class,
                () -> ChatTemplate.compile(deepParens)).kind());
        String deepIfs = "{% if true %}".repeat(20_000) + "x" + "{% endif %}".repeat(20_000);
        assertThrows(TemplateException.class, () -> ChatTemplate.compile(deepIfs));
        String deepNot = "{{ " + "not ".repeat(50_000) + "x }}";
        assertThrows(TemplateException.class, () -> ChatTemplate.compile(deepNot));
        String deepMinus = "{{ " + "-".repeat(50_000) + "1 }}";
        assertThrows(TemplateException.class, () -> ChatTemplate.compile(deepMinus));
    }

    @Test
    void sandboxForbidsMutation() {
        TemplateException e = renderFails("{% set xs = [] %}{{ xs.append(1) }}");
        assertEquals("access to attribute 'append' of 'list' object is unsafe.", e.getMessage());
        renderFails("{% set d = {} %}{{ d.update({'a': 1}) }}");
        renderFails("{% set d = {'a': 1} %}{{ d.pop('a') }}");
        renderFails("{% set d = {'a': 1} %}{{ d.clear() }}");
    }

    @Test
    void cyclicInputIsRejected() {
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        Map<String, Object> vars = new HashMap<>();
        vars.put("x", cyclic);
        assertThrows(TemplateException.class, () -> ChatTemplate.compile("{{ x }}").render(vars));
    }

    @Test
    void quadraticAndExplosiveWorkStops() {
        renderFails("{% set big = range(1000000) | list %}{% for i in range(1000000) %}{{ i in big }}{% endfor %}");
        renderFails("{{ ('x' * 1000000).replace('x', 'yyyyyyyyyy') }}");
        renderFails("{{ 'x'.zfill(2000000000) }}");
        renderFails("{{ '{:>999999999}'.format('x') }}");
        renderFails("{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}"
                + "{{ ns.x }}");
    }

    @Test
    void uniqueOnALargeListIsNotQuadratic() throws TemplateException {
        assertEquals("200000", assertTimeoutPreemptively(FAST,
                () -> ChatTemplate.compile("{{ range(200000) | unique | list | length }}").render(Map.of())));
    }
}
