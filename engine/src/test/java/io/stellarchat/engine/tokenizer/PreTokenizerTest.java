package io.stellarchat.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pre-tokenizer details not covered by the llama.cpp vectors. */
class PreTokenizerTest {

    private static List<Integer> split(PreTokenizer p, String text) {
        return p.split(text.codePoints().toArray());
    }

    @Test
    void characterClassRewriteOfTekkenAndGpt4oMatchesTheLookaheadGroups() {
        String alphabet = "aZbYé\u00C9\u4E2D 1.,'\n\r\t-/\u00E0s";
        Random r = new Random(7);
        for (String regex : List.of(PreTokenizer.TEKKEN, PreTokenizer.GPT4O)) {
            PreTokenizer fast = new PreTokenizer(List.of(regex), true);
            PreTokenizer literal = new PreTokenizer(List.of(regex), false);
            for (int i = 0; i < 2_000; i++) {
                StringBuilder sb = new StringBuilder();
                int n = 1 + r.nextInt(24);
                for (int k = 0; k < n; k++) {
                    sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
                }
                String text = sb.toString();
                assertEquals(split(literal, text), split(fast, text), regex + " on " + VocabVectorsTest.escape(text));
            }
        }
    }

    @Test
    void longLetterRunsDoNotOverflowTheStack() throws Exception {
        String word = "A".repeat(30_000) + "b".repeat(30_000);
        // A small stack (256 KiB) so that recursion proportional to the word length would overflow.
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                for (PreType type : PreType.values()) {
                    List<Integer> pieces = split(PreTokenizer.forType(type), word);
                    assertEquals(word.length(), pieces.stream().mapToInt(Integer::intValue).sum(), type.name());
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "small-stack", 256 * 1024);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }

    @Test
    void piecesCoverTheTextForEveryType() {
        String text = "Hello, world!  It's 2024-05-01\r\n\tx² ½ 🦙🦙 中文字 한국어 ...?? 'll 'LL";
        int cps = text.codePointCount(0, text.length());
        for (PreType type : PreType.values()) {
            List<Integer> pieces = split(PreTokenizer.forType(type), text);
            assertEquals(cps, pieces.stream().mapToInt(Integer::intValue).sum(), type.name());
            assertTrue(pieces.stream().allMatch(len -> len > 0), type.name());
        }
    }

    @Test
    void llama3SplitsDigitsInThreesAndKeepsContractionsCaseInsensitive() {
        PreTokenizer llama3 = PreTokenizer.forType(PreType.LLAMA3);
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|...
        assertEquals(List.of(3, 3, 1), split(llama3, "1234567"));
        assertEquals(List.of(2), split(llama3, "we"));
        assertEquals(List.of(1, 3, 3, 3), split(llama3, "I'LL we'Ve"), "I | 'LL | \" we\" | 'Ve");
        assertEquals(List.of(1, 3, 2, 2), split(llama3, "I'LL 've"), "a contraction only starts at the apostrophe");
        PreTokenizer gpt2 = PreTokenizer.forType(PreType.GPT2);
        assertEquals(List.of(1, 1, 2), split(gpt2, "I'LL"), "GPT-2's contractions are lowercase only: I | ' | LL");
    }
}
