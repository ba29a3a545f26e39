package io.stellarchat.engine.model;

import io.stellarchat.engine.tensor.ComputePool;
import io.stellarchat.engine.tensor.Kernels;

/**
 * How to load a model.
 *
 * @param threads compute threads in all, the calling thread included, when the model creates its own pool
 *     ({@code 0}: one per core)
 * @param kernels the kernels to compute with, or {@code null} to select them from the CPU
 * @param pool    a shared compute pool (the caller closes it), or {@code null} to create one owned by the model
 */
public record ModelOptions(int threads, Kernels kernels, ComputePool pool) {

    public ModelOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = one per core), got " + threads);
        }
    }

    /** One thread per core, kernels chosen from the CPU. */
    public static ModelOptions defaults() {
        return new ModelOptions(0, null, null);
    }

    public ModelOptions withThreads(int n) {
        return new ModelOptions(n, kernels, pool);
    }

    public ModelOptions withKernels(Kernels k) {
        return new ModelOptions(threads, k, pool);
    }
}
