package io.stellarchat.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the JSON Schema → grammar compiler behind structured outputs (Jazzer). An input is a
 * flag byte (strict or lax), then the schema text, then steering bytes. For every input:
 * <ul>
 *   <li>{@link Grammar#jsonSchema} returns a grammar or throws a {@link GrammarException} with a message — never
 *       another exception, a StackOverflowError or an OOM, and within {@link #TIME_LIMIT_NANOS};</li>
 *   <li>a grammar it returns is walked byte by byte (the steering bytes pick among the bytes the automaton allows,
 *       as constrained sampling would): no state it reaches is a dead end (not accepting, nothing allowed), which
 *       would leave a sequence with every token masked; and text at an accepting state is well-formed JSON.</li>
 * </ul>
 *
 * <p>Seeds: {@code src/test/resources/io/stellarchat/engine/sampling/JsonSchemaGrammarFuzzTestInputs/}, the
 * schemas structured-output clients send (objects with required and optional properties, enums, arrays with
 * bounds, {@code $defs}/{@code $ref}, {@code anyOf}, string patterns and formats). {@code ./stellar fuzz
 * json-schema --time 30m} fuzzes.
 */
class JsonSchemaGrammarFuzzTest {
    static final long TIME_LIMIT_NANOS = 20_000_000_000L;
    /** Bytes walked through a compiled grammar per input. */
    static final int WALK_BYTES = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = "10s")
    @Timeout(60)
    void anySchemaCompilesToALiveGrammarOrFailsWithAGrammarException(byte[] input) {
        if (input.length == 0) {
            return;
        }
        boolean strict = (input[0] & 1) != 0;
        // The schema runs up to the first NUL byte (JSON text never holds one raw); the rest steers the walk.
        int end = 1;
        while (end < input.length && input[end] != 0) {
            end++;
        }
        String schema = new String(input, 1, end - 1, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        Grammar g;
        try {
            g = Grammar.jsonSchema(schema, strict);
        } catch (GrammarException e) {
            assertNotNull(e.getMessage(), "a grammar error says why");
            return;
        } finally {
            long took = System.nanoTime() - start;
            assertTrue(took < TIME_LIMIT_NANOS, "compiling took " + took / 1_000_000 + " ms");
        }
        walk(g, input, Math.min(end + 1, input.length));
    }

    /** Follows the automaton along allowed bytes chosen by {@code steer[from..]}. */
    private static void walk(Grammar g, byte[] steer, int from) {
        Automaton a = g.automaton();
        Automaton.State s = a.initial;
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int step = 0; step < WALK_BYTES; step++) {
            int pick = from + step < steer.length ? steer[from + step] & 0xFF : 0;
            if (s.accepting && pick == 0xFF) {
                break; // the steering chose to end here
            }
            // the first allowed byte at or after the steering byte (wrapping), as a sampler picks among the allowed
            Automaton.State next = null;
            int b = pick;
            for (int k = 0; k < 256 && next == null; k++) {
                b = (pick + k) & 0xFF;
                next = a.advance(s, b);
            }
            if (next == null) {
                assertTrue(s.accepting, "dead end after " + text.size() + " bytes: '" + text.toString(StandardCharsets.UTF_8)
                        + "' is not a match and no byte may follow");
                break;
            }
            s = next;
            text.write(b);
        }
        if (s.accepting && text.size() > 0) {
            String doc = text.toString(StandardCharsets.UTF_8);
            try {
                JSON.readTree(doc);
            } catch (JacksonException e) {
                fail("the grammar accepts '" + doc + "', which is not JSON: " + e.getOriginalMessage());
            }
        }
    }
}
