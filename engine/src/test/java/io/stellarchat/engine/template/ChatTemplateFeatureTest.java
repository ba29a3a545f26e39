package io.stellarchat.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jinja features one by one (whitespace control, literals and printing, operators, statements, filters, tests,
 * string/dict methods, the sandbox, errors), each checked against Python jinja2 3.1.6 configured as transformers
 * does. The expected outputs in {@code jinja2-features.json} come from {@code gen_jinja2_features.py} beside it,
 * which also writes {@code jinja2-fuzz.json}: 800 seeded random templates (nested expressions over operators,
 * filters, tests and methods; and whitespace-control soups of text, tags, comments and raw blocks).
 */
class ChatTemplateFeatureTest {
    private static final Clock FIXED = Clock.fixed(LocalDateTime.parse("2026-01-15T10:30:00")
            .toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

    static Stream<Arguments> cases() throws IOException {
        return load("jinja2-features.json");
    }

    static Stream<Arguments> fuzzCases() throws IOException {
        return load("jinja2-fuzz.json");
    }

    private static Stream<Arguments> load(String resource) throws IOException {
        try (InputStream in = ChatTemplateFeatureTest.class.getResourceAsStream(resource)) {
            Map<String, Object> doc = new ObjectMapper().readValue(in, new TypeReference<Map<String, Object>>() { });
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
            return cases.stream().map(c -> Arguments.of(c.get("name"), c));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void rendersLikeJinja2(String name, Map<String, Object> c) throws Exception {
        String source = (String) c.get("template");
        Map<String, Object> variables = (Map<String, Object>) c.get("variables");
        if (c.containsKey("expected")) {
            assertEquals(c.get("expected"), ChatTemplate.compile(source).withClock(FIXED).render(variables));
        } else if (c.containsKey("expected_raised")) {
            ChatTemplate t = ChatTemplate.compile(source);
            TemplateException e = assertThrows(TemplateException.class, () -> t.render(variables));
            assertTrue(e.isRaised());
            assertEquals(c.get("expected_raised"), e.getMessage());
        } else {
            String python = (String) c.get("python_error");
            String pythonType = python.substring(0, python.indexOf(':'));
            String pythonMessage = python.substring(python.indexOf(':') + 2);
            boolean compileTime = c.get("expected_error").equals("syntax") || pythonType.equals("TemplateAssertionError");
            try {
                ChatTemplate t = ChatTemplate.compile(source);
                if (compileTime) {
                    fail("jinja2 rejects this template at compile time: " + python);
                }
                TemplateException e = assertThrows(TemplateException.class, () -> t.render(variables));
                assertEquals(TemplateException.Kind.RENDER, e.kind());
                assertEquals(pythonMessage, e.getMessage());
            } catch (TemplateException e) {
                assertTrue(compileTime, () -> "unexpected compile error: " + e.getMessage());
                assertEquals(TemplateException.Kind.SYNTAX, e.kind());
                assertTrue(e.getMessage().matches(".*\\(line \\d+, column \\d+\\)"), e::getMessage);
            }
        }
    }

    /**
     * Each seeded random template renders exactly as in jinja2, or fails where jinja2 fails. One test per family
     * (expressions, whitespace control, statements) that lists every mismatch, to keep the suite fast.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"expr", "ws", "stmt"})
    @SuppressWarnings("unchecked")
    void randomTemplatesRenderLikeJinja2(String family) throws IOException {
        List<String> mismatches = new ArrayList<>();
        long checked = fuzzCases().map(a -> (Map<String, Object>) a.get()[1])
                .filter(c -> ((String) c.get("name")).startsWith(family + "_"))
                .peek(c -> {
                    String source = (String) c.get("template");
                    Map<String, Object> variables = (Map<String, Object>) c.get("variables");
                    String got;
                    try {
                        got = ChatTemplate.compile(source).render(variables);
                    } catch (TemplateException e) {
                        got = null;
                    }
                    Object expected = c.get("expected");
                    if (expected == null ? got != null : !expected.equals(got)) {
                        mismatches.add(c.get("name") + ": " + source + "\n  jinja2: "
                                + (expected != null ? expected : c.get("error")) + "\n  ours:   " + got);
                    }
                }).count();
        assertTrue(checked >= 300, "cases of family " + family + ": " + checked);
        assertTrue(mismatches.isEmpty(), () -> mismatches.size() + " of " + checked + " differ:\n"
                + String.join("\n", mismatches));
    }
}
