package io.stellarchat.engine.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of a GGUF tensor directory, as checked by the reader: the tensor lies wholly inside the data
 * region, its offset is a multiple of the file's alignment, and {@code byteSize} is
 * {@code type.byteSize(product of dims)}.
 *
 * @param name     tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param type     element type (block layout)
 * @param dims     dimensions, innermost (ne0) first; 1 to 4 of them; copied in and out
 * @param offset   start of the tensor's bytes relative to the data region ({@link GgufFile#dataOffset()})
 * @param byteSize number of bytes the tensor occupies
 */
public record GgufTensorInfo(String name, GgmlType type, long[] dims, long offset, long byteSize) {

    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Number of dimensions. */
    public int nDims() {
        return dims.length;
    }

    /** Dimension {@code i}, innermost first. */
    public long dim(int i) {
        return dims[i];
    }

    /** Total number of elements (the reader has checked that the product does not overflow). */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t
                && name.equals(t.name) && type == t.type && Arrays.equals(dims, t.dims)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(dims), offset, byteSize);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
