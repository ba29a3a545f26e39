package io.stellarchat.engine.tokenizer;

import java.util.Arrays;

/** A growable list of ints (token ids), without boxing. */
final class IntList {
    private int[] data = new int[16];
    private int size;

    void add(int v) {
        if (size == data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[size++] = v;
    }

    int size() {
        return size;
    }

    int get(int i) {
        return data[i];
    }

    void set(int i, int v) {
        data[i] = v;
    }

    /** Reverses the elements from {@code from} to the end. */
    void reverse(int from) {
        for (int i = from, j = size - 1; i < j; i++, j--) {
            int t = data[i];
            data[i] = data[j];
            data[j] = t;
        }
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
