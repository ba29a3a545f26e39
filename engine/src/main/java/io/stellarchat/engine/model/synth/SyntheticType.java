package io.stellarchat.engine.model.synth;

import io.stellarchat.engine.gguf.GgmlType;
import java.util.Locale;

/**
 * The weight types of a synthetic model, after llama.cpp's quantization presets: a base type for the
 * matrices, and the mixes ({@code _M}) that give some tensors more bits.
 */
public enum SyntheticType {
    F32(GgmlType.F32, 0),
    F16(GgmlType.F16, 1),
    BF16(GgmlType.BF16, 32),
    Q8_0(GgmlType.Q8_0, 7),
    Q4_0(GgmlType.Q4_0, 2),
    Q4_1(GgmlType.Q4_1, 3),
    Q5_0(GgmlType.Q5_0, 8),
    Q5_1(GgmlType.Q5_1, 9),
    Q2_K(GgmlType.Q2_K, 10),
    Q3_K_M(GgmlType.Q3_K, 12),
    Q4_K_M(GgmlType.Q4_K, 15),
    Q5_K_M(GgmlType.Q5_K, 17),
    Q6_K(GgmlType.Q6_K, 18);

    private final GgmlType base;
    private final int fileType;

    SyntheticType(GgmlType base, int fileType) {
        this.base = base;
        this.fileType = fileType;
    }

    /** Parses {@code q4_k_m}, {@code Q8_0}, ... */
    public static SyntheticType parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown type '" + s + "' (known: "
                    + java.util.Arrays.toString(values()).toLowerCase(Locale.ROOT) + ")");
        }
    }

    /** {@code general.file_type} (llama.cpp's {@code llama_ftype}). */
    int fileType() {
        return fileType;
    }

    GgmlType matrixType() {
        return base;
    }

    GgmlType embeddingType() {
        return base;
    }

    /** llama.cpp keeps the output matrix at Q6_K for quantized presets other than Q8_0. */
    GgmlType outputType() {
        return base.isQuantized() && base != GgmlType.Q8_0 ? GgmlType.Q6_K : base;
    }

    /** The _M mixes give {@code attn_v} more bits in some layers (simplified: the first and last eighth, and every third). */
    GgmlType attnVType(int layer, int layers) {
        return moreBits(layer, layers);
    }

    GgmlType ffnDownType(int layer, int layers) {
        return moreBits(layer, layers);
    }

    private GgmlType moreBits(int layer, int layers) {
        boolean bump = layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
        return switch (this) {
            case Q4_K_M, Q5_K_M -> bump ? GgmlType.Q6_K : base;
            case Q3_K_M -> bump ? GgmlType.Q5_K : GgmlType.Q4_K;
            case Q2_K -> GgmlType.Q3_K;
            default -> base;
        };
    }
}
