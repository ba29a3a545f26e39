package io.stellarchat.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The paged KV cache gives the same attention as the contiguous one: a prompt and a few decode steps over a
 * block table whose blocks are scattered through a shared pool give bit-identical logits in F32, and logits
 * within F16 rounding in F16.
 */
class PagedKvCacheTest {
    private static final Path SHARED = Path.of(System.getProperty("stellar.shared", "../shared"));
    private static Model model;
    private static int[] prompt;

    @BeforeAll
    static void load() throws IOException {
        model = Model.load(SHARED.resolve("models/stories260K.gguf"), ModelOptions.defaults().withThreads(2));
        prompt = model.tokenizer().encode("Once upon a time, there was a little girl named Lily. She loved to", true,
                false);
        assertTrue(prompt.length > 9, "the prompt spans several blocks");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Prompt in one pass, then 6 greedy decode steps; returns every logits row, concatenated. */
    private static float[] run(KvCache cache) {
        Transformer tf = model.transformer();
        int n = prompt.length;
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = i;
        }
        KvCache[] caches = new KvCache[n];
        Arrays.fill(caches, cache);
        int vocab = model.config().vocabSize();
        float[] all = new float[7 * vocab];
        float[] logits = tf.forward(prompt, positions, caches, new int[] {n - 1});
        System.arraycopy(logits, 0, all, 0, vocab);
        for (int step = 1; step < 7; step++) {
            int token = argmax(logits);
            logits = tf.forward(new int[] {token}, new int[] {n + step - 1}, new KvCache[] {cache}, new int[] {0});
            System.arraycopy(logits, 0, all, step * vocab, vocab);
        }
        return all;
    }

    private static KvCache scattered(KvBlockPool pool, int blocks) {
        KvCache c = KvCache.paged(pool);
        for (int j = 0; j < blocks; j++) {
            c.appendBlock((j * 7 + 5) % pool.blocks()); // 5, 12, 19, 6, ... — never in order
        }
        return c;
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void pagedF32IsBitIdenticalToContiguous() {
        float[] contiguous = run(model.newKvCache(prompt.length + 8));
        KvBlockPool pool = new KvBlockPool(model.config(), 23, 4, KvPrecision.F32);
        float[] paged = run(scattered(pool, (prompt.length + 8 + 3) / 4));
        assertArrayEquals(contiguous, paged);
    }

    @Test
    void pagedF16StaysWithinHalfPrecisionOfF32() {
        float[] contiguous = run(model.newKvCache(prompt.length + 8));
        KvBlockPool pool = new KvBlockPool(model.config(), 23, 4, KvPrecision.F16);
        float[] half = run(scattered(pool, (prompt.length + 8 + 3) / 4));
        int vocab = model.config().vocabSize();
        double maxDiff = 0;
        for (int i = 0; i < half.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(half[i] - contiguous[i]));
        }
        assertTrue(maxDiff > 0, "F16 storage rounds something");
        assertTrue(maxDiff < 0.05, "max |logit diff| " + maxDiff);
        for (int step = 0; step < 7; step++) {
            assertEquals(argmax(Arrays.copyOfRange(contiguous, step * vocab, (step + 1) * vocab)),
                    argmax(Arrays.copyOfRange(half, step * vocab, (step + 1) * vocab)), "greedy token of step " + step);
        }
    }

    @Test
    void poolIsSizedFromBytesAndReportsThem() {
        ModelConfig c = model.config();
        long perBlock = KvBlockPool.bytesPerBlock(c, 16, KvPrecision.F16);
        assertEquals(2L * c.layers() * 16 * c.kvDim() * 2, perBlock);
        int blocks = KvBlockPool.blocksFor(c, perBlock * 10 + perBlock / 2, 16, KvPrecision.F16);
        assertEquals(10, blocks);
        KvBlockPool pool = new KvBlockPool(c, blocks, 16, KvPrecision.F16);
        assertEquals(perBlock * 10, pool.bytes());
        assertEquals(160, pool.tokens());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KvBlockPool.blocksFor(c, perBlock - 1, 16, KvPrecision.F16));
        assertTrue(e.getMessage().contains("holds no block"), e.getMessage());
    }

    @Test
    void positionBeyondTheBlockTableIsRefused() {
        KvBlockPool pool = new KvBlockPool(model.config(), 4, 4, KvPrecision.F32);
        KvCache c = KvCache.paged(pool);
        c.appendBlock(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.transformer()
                .forward(new int[] {1}, new int[] {4}, new KvCache[] {c}, new int[] {0}));
        assertTrue(e.getMessage().contains("position 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.appendBlock(4));
    }
}
