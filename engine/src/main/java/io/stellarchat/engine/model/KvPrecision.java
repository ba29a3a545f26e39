package io.stellarchat.engine.model;

/** Element type of the key/value cache. F16 halves its memory; attention widens entries to F32 as it reads. */
public enum KvPrecision {
    F32(4),
    F16(2);

    private final int bytes;

    KvPrecision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per stored element. */
    public int bytes() {
        return bytes;
    }
}
