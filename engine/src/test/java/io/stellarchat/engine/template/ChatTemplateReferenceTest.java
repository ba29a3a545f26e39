package io.stellarchat.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the chat-template reference pack ({@code testdata/chat-templates}, rendered by Python jinja2 3.1.6
 * the way transformers' {@code apply_chat_template} does) must render byte for byte, or fail with exactly the
 * message the template passed to {@code raise_exception}.
 */
class ChatTemplateReferenceTest {
    private static final Path PACK = Path.of(System.getProperty("stellar.shared", "../shared"), "testdata",
            "chat-templates");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ChatTemplate> COMPILED = new ConcurrentHashMap<>();

    static Stream<String> caseFiles() throws IOException {
        try (Stream<Path> files = Files.list(PACK.resolve("cases"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList()
                    .stream();
        }
    }

    @Test
    void packHasAllCases() throws IOException {
        assertEquals(326, caseFiles().count(), "the README promises 326 cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseFiles")
    void rendersLikeJinja2(String caseFile) throws Exception {
        Map<String, Object> c = JSON.readValue(PACK.resolve("cases").resolve(caseFile).toFile(),
                new TypeReference<Map<String, Object>>() { });
        String templateName = (String) c.get("template");
        ChatTemplate template = COMPILED.computeIfAbsent(templateName, ChatTemplateReferenceTest::load);
        @SuppressWarnings("unchecked")
        Map<String, Object> strftime = (Map<String, Object>) c.get("strftime_now");
        LocalDateTime fixed = LocalDateTime.parse((String) strftime.get("fixed_datetime"));
        template = template.withClock(Clock.fixed(fixed.toInstant(ZoneOffset.UTC), ZoneOffset.UTC));
        @SuppressWarnings("unchecked")
        Map<String, Object> variables = (Map<String, Object>) c.get("variables");
        if (c.containsKey("expected_error")) {
            ChatTemplate t = template;
            TemplateException e = assertThrows(TemplateException.class, () -> t.render(variables));
            assertTrue(e.isRaised(), () -> "expected raise_exception, got " + e.kind() + ": " + e.getMessage());
            assertEquals(c.get("expected_error"), e.getMessage());
        } else {
            assertEquals(c.get("expected"), template.render(variables));
        }
    }

    private static ChatTemplate load(String name) {
        try {
            return ChatTemplate.compile(Files.readString(PACK.resolve("templates").resolve(name),
                    StandardCharsets.UTF_8));
        } catch (IOException | TemplateException e) {
            throw new IllegalStateException("template " + name + ": " + e.getMessage(), e);
        }
    }

    @Test
    void everyTemplateCompiles() throws IOException {
        try (Stream<Path> files = Files.list(PACK.resolve("templates"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertEquals(31, names.size());
            for (String n : names) {
                COMPILED.computeIfAbsent(n, ChatTemplateReferenceTest::load);
            }
        }
    }
}
