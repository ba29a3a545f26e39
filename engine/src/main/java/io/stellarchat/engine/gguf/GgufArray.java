package io.stellarchat.engine.gguf;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Objects;

/**
 * A GGUF metadata array with its element type: what {@link GgufMetadata#array(String)} returns and what
 * {@link GgufWriter#putArray(String, GgufValueType, Object)} accepts for arrays of arrays.
 *
 * <p>The elements are held in the Java array type given by {@link GgufValueType} ({@code int[]} for
 * {@code UINT32} and {@code INT32}, …); for {@link GgufValueType#ARRAY} they are a {@code GgufArray[]}, so an
 * inner array keeps its own element type, even when empty. Immutable: the elements are copied in and out.
 */
public final class GgufArray {

    private final GgufValueType elementType;
    private final Object values; // typed Java array, never exposed

    /**
     * @param elementType the type of every element
     * @param values      a Java array of the type that holds {@code elementType} (copied)
     * @throws IllegalArgumentException if {@code values} is not an array of that type
     */
    public GgufArray(GgufValueType elementType, Object values) {
        this.elementType = elementType;
        this.values = copy(checkShape(elementType, values));
    }

    private GgufArray(GgufValueType elementType, Object values, Void unchecked) {
        this.elementType = elementType;
        this.values = values;
    }

    /**
     * Wraps, without a copy or a check, an array of the right Java type that no one else holds (the
     * reader's freshly filled arrays).
     */
    static GgufArray wrap(GgufValueType elementType, Object values) {
        return new GgufArray(elementType, values, null);
    }

    /** The type of every element. */
    public GgufValueType elementType() {
        return elementType;
    }

    /** Number of elements. */
    public int length() {
        return Array.getLength(values);
    }

    /** A copy of the elements, in the Java array type of {@link #elementType()}. */
    public Object values() {
        return copy(values);
    }

    /**
     * The elements as plain Java arrays: the typed array for a flat array, an {@code Object[]} of the
     * inner arrays (recursively plain) for an array of arrays. A copy.
     */
    public Object toJava() {
        if (elementType != GgufValueType.ARRAY) {
            return copy(values);
        }
        GgufArray[] inner = (GgufArray[]) values;
        Object[] out = new Object[inner.length];
        for (int i = 0; i < inner.length; i++) {
            out[i] = inner[i].toJava();
        }
        return out;
    }

    /** The elements without a copy; callers in this package never modify them. */
    Object unsafeValues() {
        return values;
    }

    /** The Java array class that holds elements of {@code type}. */
    static Class<?> javaArrayType(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8 -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
        };
    }

    private static Object checkShape(GgufValueType elementType, Object values) {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(values, "values");
        Class<?> want = javaArrayType(elementType);
        if (values.getClass() != want) {
            throw new IllegalArgumentException("an array of " + elementType + " must be held in a "
                    + want.getSimpleName() + ", not a " + values.getClass().getSimpleName());
        }
        if (values instanceof Object[] objects) {
            for (int i = 0; i < objects.length; i++) {
                if (objects[i] == null) {
                    throw new IllegalArgumentException("element " + i + " of an array of " + elementType + " is null");
                }
            }
        }
        return values;
    }

    private static Object copy(Object array) {
        int n = Array.getLength(array);
        Object out = Array.newInstance(array.getClass().getComponentType(), n);
        System.arraycopy(array, 0, out, 0, n);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufArray that
                && elementType == that.elementType
                && Arrays.deepEquals(new Object[] {values}, new Object[] {that.values});
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        int n = length();
        return "GgufArray[" + elementType + " x " + n + "]";
    }
}
