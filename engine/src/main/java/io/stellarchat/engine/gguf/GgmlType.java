package io.stellarchat.engine.gguf;

/**
 * The ggml tensor element types a GGUF tensor directory can name, with their on-disk block layout.
 *
 * <p>A tensor of {@code n} elements in a block-quantized type occupies {@code n / blockSize * typeSize}
 * bytes; {@code n} must be a multiple of {@code blockSize} along the innermost dimension. The ids are
 * the values of ggml's {@code enum ggml_type} as stored in the GGUF tensor directory. Ids that ggml has
 * retired (4, 5: the old Q4_2/Q4_3; 31–33: removed interleaved Q4_0 variants) are absent on purpose,
 * so a file naming them fails to load.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),        // f16 d; 16 bytes of nibbles
    Q4_1(3, 32, 20),        // f16 d, f16 m; 16 bytes of nibbles
    Q5_0(6, 32, 22),        // f16 d; u32 high bits; 16 bytes of nibbles
    Q5_1(7, 32, 24),        // f16 d, f16 m; u32 high bits; 16 bytes of nibbles
    Q8_0(8, 32, 34),        // f16 d; 32 int8
    Q8_1(9, 32, 36),        // f16 d, f16 s (= d * sum(qs)); 32 int8
    Q2_K(10, 256, 84),      // 16 scales/mins (4+4 bits); 64 bytes of 2-bit quants; f16 d, f16 dmin
    Q3_K(11, 256, 110),     // 32 bytes high-bit mask; 64 bytes of 2-bit quants; 12 bytes of 6-bit scales; f16 d
    Q4_K(12, 256, 144),     // f16 d, f16 dmin; 12 bytes of 6-bit scales/mins; 128 bytes of nibbles
    Q5_K(13, 256, 176),     // f16 d, f16 dmin; 12 bytes scales/mins; 32 bytes high bits; 128 bytes of nibbles
    Q6_K(14, 256, 210),     // 128 bytes low nibbles; 64 bytes high 2 bits; 16 int8 scales; f16 d
    Q8_K(15, 256, 292),     // f32 d; 256 int8; 16 int16 block sums
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The value of ggml's {@code enum ggml_type}. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** Whether this type stores quantized blocks rather than one plain number per element. */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * Bytes taken by {@code elements} elements, or -1 when {@code elements} is not a whole number of blocks
     * or the size overflows a long.
     */
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            return -1;
        }
        long blocks = elements / blockSize;
        if (blocks > Long.MAX_VALUE / typeSize) {
            return -1;
        }
        return blocks * typeSize;
    }

    /** The type with this ggml id, or {@code null} when the id is unknown (the caller reports where it was read). */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
