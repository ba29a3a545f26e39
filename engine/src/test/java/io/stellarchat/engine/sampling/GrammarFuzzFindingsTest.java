package io.stellarchat.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Regression tests for what fuzzing the JSON Schema → grammar compiler found ({@link JsonSchemaGrammarFuzzTest}). */
class GrammarFuzzFindingsTest {

    /**
     * Finding 1 (input {@code long-bounded-repeat-finding1}): a string {@code pattern} with a count such as
     * {@code {3,8505}} compiled its optional tail as a chain of rules built by recursion one level per count, and
     * overflowed the stack of the thread compiling it — a request thread, for a client's {@code response_format}.
     * The chain is built in a loop now; the same holds for {@code maxLength}.
     */
    @Test
    void longBoundedRepeatCompilesWithoutOverflowingTheStackFinding1() throws Exception {
        byte[] finding = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(GrammarFuzzFindingsTest.class.getResource(
                "JsonSchemaGrammarFuzzTestInputs/anySchemaCompilesToALiveGrammarOrFailsWithAGrammarException/"
                        + "long-bounded-repeat-finding1").toURI()));
        int end = 1;
        while (finding[end] != 0) {
            end++;
        }
        String[] schemas = {
            new String(finding, 1, end - 1, java.nio.charset.StandardCharsets.UTF_8), // strict = false
            "{\"type\":\"string\",\"pattern\":\"^[A-Z]{2,5}-[0-9\u00e9\ufffd]{3,60000}$\"}",
            "{\"type\":\"string\",\"maxLength\":60000}",
        };
        for (String schema : schemas) {
            Grammar g = compileOnSmallStack(schema);
            if (g != null && schema.contains("maxLength")) {
                assertTrue(GrammarTesting.matches(g, "\"abc\""), schema);
            }
        }
    }

    /**
     * Finding 2 (input {@code nullable-repeat-left-recursion-finding2}): a nullable element under a long bounded
     * repeat ({@code "x*{4,8505}"}) unrolls into a chain of ~8,500 nullable rules, and the left-recursion check
     * walked it with one stack frame per rule. The check is an explicit-stack depth-first search now.
     */
    @Test
    void nullableElementUnderALongRepeatPassesTheLeftRecursionCheckFinding2() throws Exception {
        byte[] finding = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(GrammarFuzzFindingsTest.class.getResource(
                "JsonSchemaGrammarFuzzTestInputs/anySchemaCompilesToALiveGrammarOrFailsWithAGrammarException/"
                        + "nullable-repeat-left-recursion-finding2").toURI()));
        String[] schemas = {
            new String(finding, 1, finding.length - 1, java.nio.charset.StandardCharsets.UTF_8),
            "{\"type\":\"string\",\"pattern\":\"^x*{4,8505}-[0-9]+$\"}",
        };
        for (String schema : schemas) {
            compileOnSmallStack(schema);
        }
    }

    /**
     * Finding 3 (input {@code nullable-chain-in-the-automaton-closure-finding3}): the same kind of chain of ~8,500
     * nullable rules ({@code "[…]*{1,8505}"}) compiled, but the first byte walked through it overflowed the stack:
     * the automaton's closure (the stacks reachable without taking a byte) recursed once per rule. It keeps its
     * pending (position, rest) pairs on an explicit stack now. Replays the fuzz target on a small stack.
     */
    @Test
    void aLongChainOfNullableRulesIsWalkedWithoutOverflowingTheStackFinding3() throws Exception {
        byte[] finding = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(GrammarFuzzFindingsTest.class.getResource(
                "JsonSchemaGrammarFuzzTestInputs/anySchemaCompilesToALiveGrammarOrFailsWithAGrammarException/"
                        + "nullable-chain-in-the-automaton-closure-finding3").toURI()));
        onSmallStack("finding 3", () -> new JsonSchemaGrammarFuzzTest().anySchemaCompilesToALiveGrammarOrFailsWithAGrammarException(finding));
        String schema = "{\"type\":\"string\",\"pattern\":\"^x*{1,8505}-[0-9]+$\"}";
        onSmallStack(schema, () -> {
            try {
                Grammar g = Grammar.jsonSchema(schema, false);
                assertTrue(GrammarTesting.matches(g, "\"xxx-12\""), schema);
                assertTrue(GrammarTesting.matches(g, "\"-7\""), schema);
                assertFalse(GrammarTesting.matches(g, "\"xy-7\""), schema);
            } catch (GrammarException e) {
                throw new AssertionError(e);
            }
        });
    }

    /**
     * Finding 4 (input {@code allof-properties-not-an-object-finding4}): an {@code allOf} entry whose
     * {@code properties} (or {@code required}) had the wrong JSON type was cast blindly while merging, and the
     * {@code ClassCastException} would have been a 500 for a client's {@code response_format}. It is a
     * {@link GrammarException} naming the field now.
     */
    @Test
    void allOfWithPropertiesOfTheWrongTypeIsAGrammarErrorFinding4() throws Exception {
        byte[] finding = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(GrammarFuzzFindingsTest.class.getResource(
                "JsonSchemaGrammarFuzzTestInputs/anySchemaCompilesToALiveGrammarOrFailsWithAGrammarException/"
                        + "allof-properties-not-an-object-finding4").toURI()));
        new JsonSchemaGrammarFuzzTest().anySchemaCompilesToALiveGrammarOrFailsWithAGrammarException(finding);
        String[][] cases = {
            {"{\"allOf\":[{\"type\":\"object\",\"properties\":\"^[a-z]$\"}]}", "/allOf/0/properties"},
            {"{\"allOf\":[{\"type\":\"object\"},{\"required\":\"a\"}]}", "/allOf/1/required"},
        };
        for (String[] c : cases) {
            GrammarException e = org.junit.jupiter.api.Assertions.assertThrows(GrammarException.class,
                    () -> Grammar.jsonSchema(c[0], false), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    /** Runs {@code body} on a thread with a small stack (as a virtual thread may have); it must end in time. */
    private static void onSmallStack(String what, Runnable body) throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "small-stack", 160 * 1024);
        t.start();
        t.join(60_000);
        assertFalse(t.isAlive(), what + " did not finish");
        if (failure[0] != null) throw new AssertionError(what + ": " + failure[0], failure[0]);
    }

    /**
     * Compiles {@code schema} on a thread with a small stack, as a virtual thread may have (recursion per rule or
     * per count fails there first); asserts it ends in time with a grammar or a {@link GrammarException}.
     *
     * @return the grammar, or null when the schema was refused
     */
    private static Grammar compileOnSmallStack(String schema) throws InterruptedException {
        Grammar[] g = new Grammar[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                g[0] = Grammar.jsonSchema(schema, false);
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "compile", 160 * 1024);
        t.start();
        t.join(60_000);
        assertFalse(t.isAlive(), "compiling " + schema + " did not finish");
        assertTrue(failure[0] == null || failure[0] instanceof GrammarException, schema + ": " + failure[0]);
        return g[0];
    }
}
