package io.stellarchat.engine.gguf;

/**
 * The type of a GGUF metadata value, as stored (u32, little-endian) before each value and before the
 * elements of an array. The ordinal of each constant is its id in the file (0..12).
 *
 * <p>How values appear in Java ({@link GgufMetadata#raw(String)}): integers keep their stored bits in the
 * Java type of the same width ({@code Byte}, {@code Short}, {@code Integer}, {@code Long}; arrays as
 * {@code byte[]}, {@code short[]}, {@code int[]}, {@code long[]}), whether signed or not — the typed getters
 * of {@link GgufMetadata} apply the sign. {@code FLOAT32} is {@code Float}/{@code float[]}, {@code FLOAT64}
 * {@code Double}/{@code double[]}, {@code BOOL} {@code Boolean}/{@code boolean[]}, {@code STRING}
 * {@code String}/{@code String[]}, and an array of arrays is an {@code Object[]} of those.
 * Strings are decoded as UTF-8; a malformed sequence (which gguf-py never writes) becomes U+FFFD.
 */
public enum GgufValueType {
    UINT8(1),
    INT8(1),
    UINT16(2),
    INT16(2),
    UINT32(4),
    INT32(4),
    FLOAT32(4),
    BOOL(1),
    /** u64 byte length, then that many bytes of UTF-8, no terminator. */
    STRING(8),
    /** u32 element type, u64 element count, then the elements. */
    ARRAY(12),
    UINT64(8),
    INT64(8),
    FLOAT64(8);

    private static final GgufValueType[] BY_ID = values();

    private final int minEncodedSize;

    GgufValueType(int minEncodedSize) {
        this.minEncodedSize = minEncodedSize;
    }

    /** The id stored in the file. */
    public int id() {
        return ordinal();
    }

    /**
     * The fewest bytes one value of this type takes in a file: its exact size for numbers and bools, the
     * length prefix for a string, type and count for an array. A reader uses it to bound an element count
     * by the bytes left before allocating anything.
     */
    public int minEncodedSize() {
        return minEncodedSize;
    }

    /** Whether this is one of the eight integer types. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** Whether integers of this type are unsigned. */
    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** The type with this id, or {@code null} when the id is unknown (the caller reports where it was read). */
    public static GgufValueType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
