package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * A named tensor whose bytes live in a {@link MemorySegment} (normally a slice of a memory-mapped GGUF file,
 * so the heap never holds weights).
 *
 * <p>Shape follows GGUF/ggml: {@code dims[0]} (ne0) is the innermost, contiguous dimension. A matrix of
 * shape {@code [cols, rows]} is {@code rows} rows of {@code cols} elements; each row occupies
 * {@link #rowBytes()} bytes, and row {@code r} starts at byte {@code r * rowBytes()}.
 *
 * @param name the GGUF tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type element type (block layout)
 * @param dims dimensions, innermost first; never modified
 * @param data exactly the tensor's bytes
 */
public record Tensor(String name, GgmlType type, long[] dims, MemorySegment data) {

    /** Elements per row (ne0). */
    public int cols() {
        return Math.toIntExact(dims[0]);
    }

    /** Number of rows: the product of all dimensions but the innermost. */
    public int rows() {
        long r = 1;
        for (int i = 1; i < dims.length; i++) {
            r *= dims[i];
        }
        return Math.toIntExact(r);
    }

    /** Total number of elements. */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** Bytes of one row of {@link #cols()} elements. */
    public long rowBytes() {
        return (long) cols() / type.blockSize() * type.typeSize();
    }
}
