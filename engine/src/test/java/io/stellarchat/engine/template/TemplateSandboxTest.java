package io.stellarchat.engine.template;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chat template comes inside a model file, from whoever made the file: it must not reach anything but the values
 * it is given. There is no loader, so {@code include}, {@code import}, {@code from} and {@code extends} are refused
 * at compile time even when the file they name exists; Python's introspection ({@code __class__},
 * {@code __globals__}, {@code __subclasses__}) and the globals of a full Jinja environment ({@code config},
 * {@code self}, {@code lipsum}, {@code cycler}) reach nothing and print no Java object; and a hostile template ends
 * within its limits (loops, output, recursion: see {@code ChatTemplateApiTest}) in well under a second.
 */
class TemplateSandboxTest {
    private static final Duration FAST = Duration.ofSeconds(10);

    @Test
    void noTagCanReadAFileEvenOneThatExists(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.j2"), "TOP-SECRET-CONTENT");
        for (String name : List.of(secret.toString(), "secret.j2", "../../../../etc/passwd", "/etc/passwd")) {
            for (String source : List.of("{% include '" + name + "' %}", "{% import '" + name + "' as s %}{{ s }}",
                    "{% from '" + name + "' import x %}{{ x }}", "{% extends '" + name + "' %}",
                    "{% include ['" + name + "'] ignore missing %}")) {
                TemplateException e = assertThrows(TemplateException.class, () -> ChatTemplate.compile(source), source);
                assertTrue(e.kind() == TemplateException.Kind.SYNTAX, source + ": " + e.getMessage());
                assertFalse(e.getMessage().contains("TOP-SECRET") || e.getMessage().contains("root:"), e.getMessage());
            }
        }
    }

    @Test
    void introspectionAndFullEnvironmentGlobalsReachNothing() throws Exception {
        List<String> probes = List.of("{{ ''.__class__ }}", "{{ ''.__class__.__mro__ }}", "{{ messages.__class__ }}",
                "{{ [].__class__.__base__.__subclasses__() }}", "{{ raise_exception.__globals__ }}",
                "{{ strftime_now.__globals__ }}", "{{ config }}", "{{ self }}", "{{ lipsum }}", "{{ cycler }}",
                "{{ joiner }}", "{{ namespace.__init__ }}", "{{ range.__self__ }}", "{{ ''|attr('__class__') }}",
                "{{ messages[0].getClass() }}", "{{ messages[0]['content'].getClass().forName('java.lang.Runtime') }}",
                "{{ (messages|first).__dict__ }}");
        Map<String, Object> vars = Map.of("messages", List.of(Map.of("role", "user", "content", "hi")));
        for (String p : probes) {
            String out;
            try {
                out = assertTimeoutPreemptively(FAST, () -> ChatTemplate.compile(p).render(vars));
            } catch (Exception e) { // rethrown as is by assertTimeoutPreemptively
                assertTrue(e instanceof TemplateException, p + " failed with " + e);
                continue; // refused: it reached nothing
            }
            for (String leak : List.of("java.", "class ", "Class", "@", "Runtime", "<built-in", "<module")) {
                assertFalse(out.contains(leak), p + " printed " + leak + ": " + out);
            }
        }
    }

    @Test
    void aHostileTemplateEndsWithinItsLimitsQuickly() {
        List<String> hostile = List.of(
                "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{% endfor %}{% endfor %}{% endfor %}",
                "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(0) }}",
                "{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
                "{{ ('x' * 1000000) * 1000000 }}",
                "{% for i in range(999999999) %}{{ i }}{% endfor %}");
        for (String h : hostile) {
            long t0 = System.nanoTime();
            assertTimeoutPreemptively(FAST, () -> assertThrows(TemplateException.class, () -> ChatTemplate.compile(h).render(Map.of())), h);
            assertTrue(System.nanoTime() - t0 < FAST.toNanos(), h);
        }
    }
}
