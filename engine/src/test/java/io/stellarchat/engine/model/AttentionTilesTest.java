package io.stellarchat.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attention runs over tiles of up to {@value Transformer#ATTENTION_TILE} query tokens of one sequence, each key and
 * value block widened once per tile: a token's result must not depend on the tile it falls in. A prompt in one pass
 * (several full tiles and a partial one), the same prompt in uneven chunks, and the prompt's rows batched with
 * another sequence's (tiles cut at every change of sequence) give the same bits, row by row.
 */
class AttentionTilesTest {
    private static final Path SHARED = Path.of(System.getProperty("stellar.shared", "../shared"));
    private static Model model;
    private static int[] prompt;

    @BeforeAll
    static void load() throws IOException {
        model = Model.load(SHARED.resolve("models/stories260K.gguf"), ModelOptions.defaults().withThreads(2));
        prompt = model.tokenizer().encode("Once upon a time, there was a little girl named Lily. She loved to play "
                + "outside in the park with her friends, and one day she found a shiny red ball under a tree.", true, false);
        assertTrue(prompt.length > 2 * Transformer.ATTENTION_TILE + 1, "the prompt spans several tiles: " + prompt.length);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /** Every row's logits of the prompt fed in chunks of the given sizes (all rows prompt rows). */
    private static float[] inChunks(int... sizes) {
        Transformer tf = model.transformer();
        KvCache cache = model.newKvCache(prompt.length + 4);
        int vocab = model.config().vocabSize();
        float[] all = new float[prompt.length * vocab];
        int at = 0;
        for (int size : sizes) {
            int n = Math.min(size, prompt.length - at);
            KvCache[] caches = new KvCache[n];
            Arrays.fill(caches, cache);
            boolean[] promptRows = new boolean[n];
            Arrays.fill(promptRows, true);
            float[] logits = tf.forward(Arrays.copyOfRange(prompt, at, at + n), range(at, at + n), caches, range(0, n),
                    promptRows);
            System.arraycopy(logits, 0, all, at * vocab, n * vocab);
            at += n;
        }
        assertTrue(at == prompt.length);
        return all;
    }

    @Test
    void aTokensAttentionDoesNotDependOnItsTile() {
        float[] whole = inChunks(prompt.length);
        assertArrayEquals(whole, inChunks(5, 17, 1, 9, prompt.length));
        assertArrayEquals(whole, inChunks(Transformer.ATTENTION_TILE + 3, prompt.length));
    }

    @Test
    void tilesAreCutAtEveryChangeOfSequenceAndAtTheTileSize() {
        KvCache a = model.newKvCache(64);
        KvCache b = model.newKvCache(64);
        KvCache[] caches = new KvCache[40];
        Arrays.fill(caches, 0, 20, a);
        Arrays.fill(caches, 20, 22, b);
        Arrays.fill(caches, 22, 40, a);
        assertArrayEquals(new int[] {0, 16, 20, 22, 38, 40}, Transformer.attentionTiles(new int[40], caches));
        assertArrayEquals(new int[] {0}, Transformer.attentionTiles(new int[0], new KvCache[0]));
    }
}
