package io.stellarchat.engine.tensor;

import io.stellarchat.engine.gguf.GgmlType;

/**
 * How activations meet weights in a matrix product.
 *
 * <ul>
 *   <li>{@link #F32}: activations stay float32; every weight type is dequantized block by block and multiplied in
 *       float (exact dequantization, float32 rounding only).</li>
 *   <li>{@link #Q8}: for weight types with an integer dot kernel (Q8_0 and Q4_0 against Q8_0 activations; Q4_K
 *       and Q6_K against Q8_K activations) each activation row is quantized to int8 blocks once per matrix input
 *       ({@link QuantizedRows}) and the dot products run in integers, as llama.cpp's CPU backend does; other
 *       types keep the float path. Logits move by about llama.cpp's own activation rounding (see the reference
 *       pack's per-type tolerance).</li>
 * </ul>
 *
 * <p>Chosen once at start-up from the system property {@value #PROPERTY} ({@code f32} or {@code q8}, default
 * {@code q8}) by {@link Kernels#select()}, and carried by the {@link Kernels} instance.
 */
public enum ActivationPrecision {
    F32,
    Q8;

    /** The system property that selects the precision: {@code f32} or {@code q8}. */
    public static final String PROPERTY = "stellar.activations";

    /**
     * The precision named by the system property {@value #PROPERTY} ({@code q8} when unset).
     *
     * @throws IllegalArgumentException when the property has another value
     */
    public static ActivationPrecision fromSystemProperty() {
        String v = System.getProperty(PROPERTY, "q8");
        return switch (v) {
            case "f32" -> F32;
            case "q8" -> Q8;
            default -> throw new IllegalArgumentException(
                    "system property " + PROPERTY + " must be 'f32' or 'q8', not '" + v + "'");
        };
    }

    /**
     * The int8 activation format of the integer dot kernel for weights of {@code type} under this precision, or
     * {@code null} when such weights are multiplied in float.
     */
    public QuantizedRows.Format formatFor(GgmlType type) {
        if (this == F32) {
            return null;
        }
        return switch (type) {
            case Q8_0, Q4_0 -> QuantizedRows.Format.Q8_0;
            case Q4_K, Q6_K -> QuantizedRows.Format.Q8_K;
            default -> null;
        };
    }
}
