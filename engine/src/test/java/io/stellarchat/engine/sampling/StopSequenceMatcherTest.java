package io.stellarchat.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StopSequenceMatcherTest {

    private static StopSequenceMatcher.Result result(String text, boolean stopped) {
        return new StopSequenceMatcher.Result(text, stopped);
    }

    /** Feeds the pieces until a stop; returns everything emitted, flush included when no stop matched. */
    private static String run(List<String> stops, String... pieces) {
        StopSequenceMatcher m = new StopSequenceMatcher(stops);
        StringBuilder out = new StringBuilder();
        for (String piece : pieces) {
            StopSequenceMatcher.Result r = m.push(piece);
            out.append(r.text());
            if (r.stopped()) {
                return out.toString();
            }
        }
        return out.append(m.flush()).toString();
    }

    @Test
    void stopSplitAcrossPiecesIsFoundAndNotEmitted() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("llo"));
        assertEquals(result("He", false), m.push("Hel")); // "l" might start "llo": held back
        assertEquals(result("", true), m.push("lo"));
        assertTrue(m.stopped());
        assertEquals(Optional.of("llo"), m.matchedStop());
        assertEquals("", m.flush());
    }

    @Test
    void textAfterTheStopInTheSamePieceIsDropped() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("STOP"));
        assertEquals(result("abc", true), m.push("abcSTOPdef"));
        assertEquals("", m.flush());
        assertThrows(IllegalStateException.class, () -> m.push("more"));
    }

    @Test
    void partialPrefixIsHeldThenReleasedWhenItDoesNotComplete() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("</s>"));
        assertEquals(result("a ", false), m.push("a <"));
        assertEquals(result("", false), m.push("/"));
        assertEquals(result("</b", false), m.push("b"));
        assertEquals(result("x", false), m.push("x"));
        assertFalse(m.stopped());
        assertEquals(Optional.empty(), m.matchedStop());
    }

    @Test
    void heldPrefixIsReturnedByFlushAtTheEnd() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("</s>"));
        assertEquals(result("end", false), m.push("end</"));
        assertEquals("</", m.flush());
        assertEquals("", m.flush());
    }

    @Test
    void stopAtTheVeryStart() {
        assertEquals("", run(List.of("Hello"), "Hello world"));
        assertEquals("", run(List.of("Hello"), "He", "llo", " world"));
        assertEquals("", run(List.of("\n"), "\n"));
    }

    @Test
    void multipleStopsFirstCompletedWins() {
        List<String> stops = List.of("\n\n", "END", "User:");
        assertEquals("foo ", run(stops, "foo E", "N", "D bar\n\n"));
        assertEquals("foo", run(stops, "foo\n", "\nUser:"));
        assertEquals("a Use", run(stops, "a Use", "END"));
        // two stops complete on the same char: the longer one, so the earlier start
        assertEquals("x", run(List.of("bc", "abc"), "xa", "bc"));
        // "b" completes before "abc" could: generation stops at the first complete stop
        assertEquals("a", run(List.of("abc", "b"), "ab", "c"));
    }

    @Test
    void selfOverlappingStopIsFoundAfterAFalseStart() {
        // "aab" in "aaab": a naive restart after the mismatch at the third char misses it
        assertEquals("a", run(List.of("aab"), "a", "a", "a", "b"));
        assertEquals("", run(List.of("abab"), "ababab"));
        assertEquals("aba", run(List.of("abab"), "aba", "abab"));
        assertEquals("xaaaa", run(List.of("aaaaab"), "xaaaa", "aaaaab"));
    }

    @Test
    void unicodeStopsMatchAcrossPieces() {
        assertEquals("你好", run(List.of("。"), "你好", "。再见"));
        assertEquals("Hi ", run(List.of("🙂"), "Hi 🙂 there"));
        // a surrogate pair split over two pieces is held, then matched
        StopSequenceMatcher m = new StopSequenceMatcher(List.of("🙂"));
        assertEquals(result("Hi ", false), m.push("Hi \uD83D"));
        assertEquals(result("", true), m.push("\uDE42 there"));
        // a non-stop emoji after a held emoji prefix is released whole
        StopSequenceMatcher n = new StopSequenceMatcher(List.of("🙂!"));
        assertEquals(result("a", false), n.push("a🙂"));
        assertEquals(result("🙂b", false), n.push("b"));
        assertEquals("Grüße ", run(List.of("Welt"), "Grüße W", "elt"));
    }

    @Test
    void loneHighSurrogateIsNeverEmittedWithoutItsPair() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of());
        assertEquals(result("a", false), m.push("a\uD83D"));
        assertEquals(result("\uD83D\uDE00b", false), m.push("\uDE00b"));
    }

    @Test
    void noStopsPassesTextThrough() {
        StopSequenceMatcher m = new StopSequenceMatcher(List.of());
        assertEquals(result("hello", false), m.push("hello"));
        assertEquals(result("", false), m.push(""));
        assertEquals("", m.flush());
    }

    @Test
    void invalidStopsAndPiecesAreRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StopSequenceMatcher(List.of("a", "")))
                .getMessage().contains("stops[1]"));
        assertThrows(IllegalArgumentException.class, () -> new StopSequenceMatcher(null));
        assertThrows(IllegalArgumentException.class, () -> new StopSequenceMatcher(Arrays.asList("a", null)));
        assertThrows(IllegalArgumentException.class, () -> new StopSequenceMatcher(List.of("a")).push(null));
    }

    /**
     * Property test against a brute-force oracle on a two-letter alphabet (where prefixes overlap a lot):
     * after every push, the text emitted so far is the text so far minus its longest suffix that is a
     * proper prefix of a stop; at the first complete stop, the output is cut at that stop's start.
     */
    @Test
    void matchesBruteForceOracleOnRandomStreams() {
        Random random = new Random(2024);
        for (int trial = 0; trial < 3000; trial++) {
            List<String> stops = new ArrayList<>();
            int stopCount = 1 + random.nextInt(3);
            for (int i = 0; i < stopCount; i++) {
                stops.add(randomText(random, 1 + random.nextInt(5)));
            }
            StopSequenceMatcher m = new StopSequenceMatcher(stops);
            StringBuilder text = new StringBuilder();
            StringBuilder emitted = new StringBuilder();
            boolean stopped = false;
            for (int p = 0; p < 8 && !stopped; p++) {
                String piece = randomText(random, random.nextInt(4));
                StopSequenceMatcher.Result r = m.push(piece);
                emitted.append(r.text());
                int before = text.length();
                text.append(piece);
                int cut = oracleStopCut(text.toString(), stops, before);
                String context = "stops " + stops + ", text \"" + text + "\"";
                if (cut >= 0) {
                    assertTrue(r.stopped(), context);
                    assertEquals(text.substring(0, cut), emitted.toString(), context);
                    stopped = true;
                } else {
                    assertFalse(r.stopped(), context);
                    String all = text.toString();
                    assertEquals(all.substring(0, all.length() - oracleHold(all, stops)), emitted.toString(),
                            context);
                }
            }
            if (!stopped) {
                assertEquals(text.toString(), emitted.append(m.flush()).toString());
            }
        }
    }

    private static String randomText(Random random, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(random.nextBoolean() ? 'a' : 'b');
        }
        return b.toString();
    }

    /**
     * Where the text is cut, or -1 if no stop is complete: the first end position (after {@code from},
     * earlier ones were checked by earlier pushes) where some stop ends; the longest such stop's start.
     */
    private static int oracleStopCut(String text, List<String> stops, int from) {
        for (int end = from + 1; end <= text.length(); end++) {
            int best = -1;
            for (String s : stops) {
                if (end >= s.length() && text.startsWith(s, end - s.length())) {
                    best = best < 0 ? end - s.length() : Math.min(best, end - s.length());
                }
            }
            if (best >= 0) {
                return best;
            }
        }
        return -1;
    }

    private static int oracleHold(String text, List<String> stops) {
        int hold = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, text.length()); k > hold; k--) {
                if (text.endsWith(s.substring(0, k))) {
                    hold = k;
                    break;
                }
            }
        }
        return hold;
    }
}
