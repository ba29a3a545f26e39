package io.stellarchat.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The sampler under a mask, and matchers of several threads sharing one grammar's caches. */
class GrammarMaskSamplingTest {

    private static long[] mask(int vocab, int... allowed) {
        long[] m = new long[(vocab + 63) >>> 6];
        for (int t : allowed) {
            m[t >>> 6] |= 1L << t;
        }
        return m;
    }

    @Test
    void aMaskedTokenIsNeverChosenWhateverItsLogitAndTheTruncation() {
        int vocab = 300;
        Random rnd = new Random(1);
        List<SamplingParams> settings = List.of(SamplingParams.greedy(), SamplingParams.defaults(),
                SamplingParams.defaults().withTopK(0).withTopP(1f).withMinP(0f).withTemperature(2f),
                SamplingParams.defaults().withTopK(0).withTopP(0.5f),
                SamplingParams.defaults().withTopK(3).withLogitBias(java.util.Map.of(5, 100f)));
        for (SamplingParams p : settings) {
            Sampler s = new Sampler(p.withSeed(rnd.nextLong()), vocab);
            for (int i = 0; i < 300; i++) {
                float[] logits = new float[vocab];
                for (int t = 0; t < vocab; t++) {
                    logits[t] = (float) rnd.nextGaussian() * 3;
                }
                logits[5] = 50f; // the model's favourite, never allowed
                int[] allowed = {rnd.nextInt(vocab), rnd.nextInt(vocab), 299};
                if (allowed[0] == 5 || allowed[1] == 5) {
                    continue;
                }
                float best = Math.max(logits[allowed[0]], Math.max(logits[allowed[1]], logits[299]));
                int chosen = s.sample(logits, mask(vocab, allowed));
                assertTrue(chosen == allowed[0] || chosen == allowed[1] || chosen == 299, p + " chose " + chosen);
                if (p.temperature() == 0f) {
                    assertEquals(best, logits[chosen]);
                }
            }
        }
    }

    @Test
    void anEmptyMaskIsRefused() {
        Sampler s = new Sampler(SamplingParams.defaults(), 10);
        assertThrows(IllegalArgumentException.class, () -> s.sample(new float[10], new long[1]));
    }

    @Test
    void matchersOnSeveralThreadsSharingAGrammarSeeTheSameMasksAsAlone() throws Exception {
        // a byte-level vocabulary: every byte, plus a few hundred multi-byte pieces
        List<byte[]> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        Random rnd = new Random(3);
        String alphabet = "{}[]\":, \nabcdefxyz0123456789-.étruenull";
        for (int i = 0; i < 600; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 2 + rnd.nextInt(5);
            for (int k = 0; k < n; k++) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            tokens.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        tokens.add(new byte[0]); // end token
        int eos = tokens.size() - 1;
        TokenBytes vocab = TokenBytes.of(tokens.toArray(new byte[0][]), new int[] {eos});
        String schema = TestSchemas.ALL.get(29);
        Grammar shared = Grammar.jsonSchema(schema, true);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<long[]>>> runs = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                int seed = thread % 2; // two threads walk each path
                runs.add(pool.submit(() -> walk(shared, vocab, seed)));
            }
            for (int thread = 0; thread < 4; thread++) {
                // the same walk on a separately compiled grammar (its own caches), alone
                Grammar alone = Grammar.jsonSchema(schema + " ", true);
                List<long[]> expected = walk(alone, vocab, thread % 2);
                List<long[]> got = runs.get(thread).get();
                assertEquals(expected.size(), got.size());
                for (int i = 0; i < expected.size(); i++) {
                    assertArrayEquals(expected.get(i), got.get(i), "step " + i);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<long[]> walk(Grammar g, TokenBytes vocab, int seed) {
        Random rnd = new Random(seed);
        GrammarMatcher m = new GrammarMatcher(g, vocab);
        List<long[]> masks = new ArrayList<>();
        for (int step = 0; step < 80; step++) {
            long[] mask = new long[vocab.maskWords()];
            m.fillMask(mask);
            masks.add(mask);
            List<Integer> allowed = new ArrayList<>();
            for (int t = 0; t < vocab.vocabSize(); t++) {
                if (((mask[t >>> 6] >>> t) & 1L) != 0 && vocab.bytes(t) != null) {
                    allowed.add(t);
                }
            }
            if (allowed.isEmpty()) {
                break;
            }
            m.accept(allowed.get(rnd.nextInt(allowed.size())));
        }
        return masks;
    }
}
