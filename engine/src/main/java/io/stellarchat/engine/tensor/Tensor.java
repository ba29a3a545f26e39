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
 * @param layout how the blocks are laid out: {@link Layout#ROWS} as in the file, or a kernel set's own form
 */
public record Tensor(String name, GgmlType type, long[] dims, MemorySegment data, Layout layout) {

    /** The order of a tensor's blocks in {@link #data()}. */
    public enum Layout {
        /** GGUF/ggml order: row after row, each row its blocks in order. Every kernel set reads it. */
        ROWS,
        /**
         * Q4_0 and Q8_0 only: rows in groups of 16, each block of the 16 rows interleaved (scales, then four-byte
         * groups of each row side by side), made at load by the native kernels ({@code Kernels#prepareWeights})
         * and read only by them; the bytes are as many as in {@link #ROWS}.
         */
        INTERLEAVED_16
    }

    /** A tensor in file order ({@link Layout#ROWS}). */
    public Tensor(String name, GgmlType type, long[] dims, MemorySegment data) {
        this(name, type, dims, data, Layout.ROWS);
    }

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
