package io.stellarchat.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Regression tests for what fuzzing the chat-template interpreter found ({@link ChatTemplateFuzzTest}). */
class TemplateFuzzFindingsTest {
    private static final Duration FAST = Duration.ofSeconds(5);

    /**
     * Finding 1 (input {@code huge-format-precision-finding1.jinja}): {@code '%.0…0708160973f' % 3.14159} asked
     * for 708 million decimals and the renderer built them (a hang of minutes, then the output limit): the
     * output limit was checked on the result, not on the width and precision asked for. Both are refused up
     * front now, in {@code %} formatting and in {@code str.format}, as are malformed ones.
     */
    @Test
    void aHugeFormatPrecisionIsRefusedAtOnceFinding1() throws Exception {
        String finding = Files.readString(Path.of(getClass().getResource("ChatTemplateFuzzTestInputs/"
                + "anySourceCompilesAndRendersOrFailsWithATemplateException/huge-format-precision-finding1.jinja").toURI()),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTimeoutPreemptively(FAST, () -> new ChatTemplateFuzzTest()
                .anySourceCompilesAndRendersOrFailsWithATemplateException(finding.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        for (String source : new String[] {
            "{{ '%.708160973f' % 3.14159 }}",
            "{{ '%9999999999d' % 3 }}",
            "{{ '{:.708160973f}'.format(2.5) }}",
            "{{ '%1.2.3f' % 2.5 }}",
        }) {
            TemplateException e = assertTimeoutPreemptively(FAST, () -> assertThrows(TemplateException.class,
                    () -> ChatTemplate.compile(source).render(Map.of())), source);
            assertTrue(e.getMessage().contains("too large or malformed"), source + ": " + e.getMessage());
        }
        assertEquals("3.14|   42|2.50", ChatTemplate.compile("{{ '%.2f' % 3.14159 }}|{{ '%5d' % 42 }}|{{ '{:.2f}'.format(2.5) }}")
                .render(Map.of()));
    }
}
