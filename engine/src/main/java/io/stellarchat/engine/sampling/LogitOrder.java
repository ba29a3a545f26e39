package io.stellarchat.engine.sampling;

import java.util.Arrays;

/**
 * The order of tokens by logit, packed into one {@code long} per token so that selection and sorting run
 * on primitive arrays: a smaller key means a larger logit, and equal logits order by the lower id (the tie
 * rule of llama.cpp's argmax and of the reference packs' {@code top20} lists).
 *
 * <p>Key layout: high 32 bits = the bitwise complement of the float's order-preserving integer image, low
 * 32 bits = the token id (non-negative, so it compares the same signed or unsigned). {@code -0.0} is folded
 * into {@code +0.0} so that the two zeros tie. NaN must be rejected by the caller before keys are made.
 */
final class LogitOrder {
    private LogitOrder() {}

    static long key(float logit, int token) {
        int bits = Float.floatToRawIntBits(logit + 0.0f); // + 0.0f turns -0.0 into +0.0
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // monotone in the float value, as a signed int
        return ((long) ~ordered << 32) | (token & 0xffffffffL);
    }

    static int token(long key) {
        return (int) key;
    }

    /**
     * Writes the keys of the {@code m} largest logits of {@code logits} into {@code out[0..m)}, sorted
     * (largest logit first), and returns how many were written: {@code min(m, logits.length)}.
     *
     * <p>Cost: with {@code m} below the row length, a bounded max-heap of the {@code m} best keys seen so far,
     * O(V log m) and usually close to O(V) since most tokens lose to the heap's root in one compare; then a
     * sort of the {@code m} survivors. With {@code m >= V}, one full sort, O(V log V).
     *
     * @param out scratch of length &gt;= {@code min(m, logits.length)}
     */
    static int top(float[] logits, int m, long[] out) {
        int v = logits.length;
        if (m >= v) {
            for (int i = 0; i < v; i++) {
                out[i] = key(logits[i], i);
            }
            Arrays.sort(out, 0, v);
            return v;
        }
        // out[0..size) is a max-heap: out[0] is the worst of the best m seen so far.
        int size = 0;
        for (int i = 0; i < v; i++) {
            long k = key(logits[i], i);
            if (size < m) {
                siftUp(out, size, k);
                size++;
            } else if (k < out[0]) {
                siftDown(out, size, k);
            }
        }
        Arrays.sort(out, 0, size);
        return size;
    }

    private static void siftUp(long[] heap, int index, long k) {
        int i = index;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] >= k) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = k;
    }

    /** Replaces the root with {@code k} and restores the heap over {@code heap[0..size)}. */
    private static void siftDown(long[] heap, int size, long k) {
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && heap[right] > heap[child]) {
                child = right;
            }
            if (k >= heap[child]) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = k;
    }
}
