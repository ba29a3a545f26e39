package io.stellarchat.engine.model;

import io.stellarchat.engine.util.Checks;

/**
 * The key/value cache of one sequence, F32, contiguous per layer: {@code keys[layer]} is
 * (capacity, kvDim) row-major, and so is {@code values[layer]}. Position {@code p} of the sequence is row
 * {@code p}. Sized from the context length the caller asked for, not the model's trained context.
 *
 * <p>Ownership: a cache belongs to one sequence and is touched only by the thread running that sequence's
 * forward passes (rows written by compute workers during a pass are published by the pool's barrier).
 */
public final class KvCache {
    final float[][] keys;
    final float[][] values;
    private final int capacity;
    private final int kvDim;

    public KvCache(ModelConfig config, int capacity) {
        Checks.require(capacity > 0, "KV cache capacity must be positive, got " + capacity);
        Checks.require((long) capacity * config.kvDim() <= Integer.MAX_VALUE,
                "KV cache of " + capacity + " positions is too large for one layer array");
        this.capacity = capacity;
        this.kvDim = config.kvDim();
        this.keys = new float[config.layers()][capacity * kvDim];
        this.values = new float[config.layers()][capacity * kvDim];
    }

    /** Positions this cache can hold. */
    public int capacity() {
        return capacity;
    }

    /** Bytes held by keys and values together. */
    public long bytes() {
        return 2L * keys.length * capacity * kvDim * Float.BYTES;
    }
}
