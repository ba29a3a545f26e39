package io.stellarchat.engine.tensor;

/**
 * A per-thread float buffer for decoded weight rows. Each kernels instance owns one; every thread that runs a
 * row range gets its own array, grown on demand and kept for the thread's next call.
 */
final class RowBuffer {
    private final ThreadLocal<float[]> buffers;

    RowBuffer(int initialSize) {
        buffers = ThreadLocal.withInitial(() -> new float[initialSize]);
    }

    /** This thread's buffer, at least {@code size} floats long. */
    float[] get(int size) {
        float[] buf = buffers.get();
        if (buf.length < size) {
            buf = new float[size];
            buffers.set(buf);
        }
        return buf;
    }
}
