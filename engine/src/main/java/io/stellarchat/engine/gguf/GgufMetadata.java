package io.stellarchat.engine.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The typed key/value metadata of a GGUF file, in file order. Immutable.
 *
 * <p>Two kinds of getter: {@code getX(key)} requires the key and throws {@link GgufFormatException} naming
 * the key, the expected and the actual type when it is missing or of another type; {@code getX(key, dflt)}
 * returns {@code dflt} when the key is absent but still throws when it is present with a type that cannot
 * be read as {@code X} (a present but mistyped value is a broken file, not a default).
 *
 * <p>Integer getters accept every integer type and check the value fits: {@link #getLong} refuses a
 * {@code UINT64} above {@link Long#MAX_VALUE}, {@link #getInt} anything outside the {@code int} range (so
 * stories260K's {@code tokenizer.ggml.seperator_token_id} = 4294967295, "none", is readable only with
 * {@link #getLong}). See {@link GgufValueType} for how values appear in {@link #raw(String)}.
 */
public final class GgufMetadata {

    /** One stored value: its type and its canonical Java form (see {@link GgufValueType}). */
    record Entry(GgufValueType type, Object value) {}

    private final Map<String, Entry> entries; // insertion (file) order, unmodifiable
    private final String source;              // file name used in messages

    GgufMetadata(LinkedHashMap<String, Entry> entries, String source) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        this.source = source;
    }

    /** The keys in file order. */
    public Set<String> keys() {
        return entries.keySet();
    }

    /** Number of key/value pairs. */
    public int size() {
        return entries.size();
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The stored type of {@code key}. */
    public GgufValueType type(String key) throws GgufFormatException {
        return require(key, "any type").type();
    }

    /** The element type of the array stored under {@code key}. */
    public GgufValueType arrayElementType(String key) throws GgufFormatException {
        return array(key).elementType();
    }

    /**
     * The value as a Java object (see {@link GgufValueType}): scalars boxed, flat arrays as typed Java
     * arrays, arrays of arrays as {@code Object[]}. Arrays are copies.
     */
    public Object raw(String key) throws GgufFormatException {
        Entry e = require(key, "any type");
        return e.value() instanceof GgufArray a ? a.toJava() : e.value();
    }

    /** The array stored under {@code key}, with its element type. */
    public GgufArray array(String key) throws GgufFormatException {
        return arrayOf(key, "ARRAY");
    }

    private GgufArray arrayOf(String key, String expected) throws GgufFormatException {
        Entry e = require(key, expected);
        if (e.value() instanceof GgufArray a) {
            return a;
        }
        throw wrongType(key, expected, e);
    }

    public String getString(String key) throws GgufFormatException {
        return string(key, require(key, "STRING"));
    }

    public String getString(String key, String dflt) throws GgufFormatException {
        Entry e = entries.get(key);
        return e == null ? dflt : string(key, e);
    }

    /** Any integer type; a {@code UINT64} above {@link Long#MAX_VALUE} is an error. */
    public long getLong(String key) throws GgufFormatException {
        return integer(key, require(key, "an integer"));
    }

    public long getLong(String key, long dflt) throws GgufFormatException {
        Entry e = entries.get(key);
        return e == null ? dflt : integer(key, e);
    }

    /** Any integer type whose value fits an {@code int}. */
    public int getInt(String key) throws GgufFormatException {
        return toInt(key, getLong(key));
    }

    public int getInt(String key, int dflt) throws GgufFormatException {
        Entry e = entries.get(key);
        return e == null ? dflt : toInt(key, integer(key, e));
    }

    /** {@code FLOAT32}, {@code FLOAT64} (narrowed) or an integer. */
    public float getFloat(String key) throws GgufFormatException {
        return (float) number(key, require(key, "a number"));
    }

    public float getFloat(String key, float dflt) throws GgufFormatException {
        Entry e = entries.get(key);
        return e == null ? dflt : (float) number(key, e);
    }

    /** {@code FLOAT64}, {@code FLOAT32} or an integer. */
    public double getDouble(String key) throws GgufFormatException {
        return number(key, require(key, "a number"));
    }

    public double getDouble(String key, double dflt) throws GgufFormatException {
        Entry e = entries.get(key);
        return e == null ? dflt : number(key, e);
    }

    public boolean getBoolean(String key) throws GgufFormatException {
        return bool(key, require(key, "BOOL"));
    }

    public boolean getBoolean(String key, boolean dflt) throws GgufFormatException {
        Entry e = entries.get(key);
        return e == null ? dflt : bool(key, e);
    }

    /** An array of {@code STRING}. A copy. */
    public String[] getStringArray(String key) throws GgufFormatException {
        return (String[]) flatArray(key, "an array of STRING", GgufValueType.STRING).values();
    }

    /** An array of {@code FLOAT32}, or of {@code FLOAT64} narrowed to float. A copy. */
    public float[] getFloatArray(String key) throws GgufFormatException {
        GgufArray a = arrayOf(key, "an array of FLOAT32");
        return switch (a.elementType()) {
            case FLOAT32 -> (float[]) a.values();
            case FLOAT64 -> {
                double[] d = (double[]) a.unsafeValues();
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    f[i] = (float) d[i];
                }
                yield f;
            }
            default -> throw new GgufFormatException(where(key) + ": expected an array of FLOAT32 or FLOAT64, found an array of "
                    + a.elementType());
        };
    }

    /** An array of any integer type whose every element fits an {@code int}. A copy. */
    public int[] getIntArray(String key) throws GgufFormatException {
        GgufArray a = arrayOf(key, "an array of integers");
        GgufValueType t = a.elementType();
        Object v = a.unsafeValues();
        switch (t) {
            case INT32:
                return ((int[]) v).clone();
            case UINT32: {
                int[] src = (int[]) v;
                for (int i = 0; i < src.length; i++) {
                    if (src[i] < 0) {
                        throw new GgufFormatException(where(key) + ": element " + i + " = " + Integer.toUnsignedString(src[i])
                                + " (UINT32) does not fit an int");
                    }
                }
                return src.clone();
            }
            default:
                if (!t.isInteger()) {
                    throw new GgufFormatException(where(key) + ": expected an array of integers, found an array of " + t);
                }
                int n = a.length();
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    long x = element(key, t, v, i);
                    if (x != (int) x) {
                        throw new GgufFormatException(where(key) + ": element " + i + " = " + x + " (" + t + ") does not fit an int");
                    }
                    out[i] = (int) x;
                }
                return out;
        }
    }

    /** An array of any integer type; a {@code UINT64} element above {@link Long#MAX_VALUE} is an error. A copy. */
    public long[] getLongArray(String key) throws GgufFormatException {
        GgufArray a = arrayOf(key, "an array of integers");
        GgufValueType t = a.elementType();
        if (!t.isInteger()) {
            throw new GgufFormatException(where(key) + ": expected an array of integers, found an array of " + t);
        }
        int n = a.length();
        long[] out = new long[n];
        Object v = a.unsafeValues();
        for (int i = 0; i < n; i++) {
            out[i] = element(key, t, v, i);
        }
        return out;
    }

    @Override
    public String toString() {
        return "GgufMetadata[" + entries.size() + " keys of " + source + "]";
    }

    // ---- conversions ----

    Map<String, Entry> entries() {
        return entries;
    }

    private Entry require(String key, String expected) throws GgufFormatException {
        Entry e = entries.get(key);
        if (e == null) {
            throw new GgufFormatException(where(key) + ": missing (expected " + expected + ")");
        }
        return e;
    }

    private String where(String key) {
        return source + ": metadata key '" + key + "'";
    }

    private GgufFormatException wrongType(String key, String expected, Entry e) {
        String actual = e.value() instanceof GgufArray a ? "an array of " + a.elementType() : e.type().toString();
        return new GgufFormatException(where(key) + ": expected " + expected + ", found " + actual);
    }

    private String string(String key, Entry e) throws GgufFormatException {
        if (e.value() instanceof String s) {
            return s;
        }
        throw wrongType(key, "STRING", e);
    }

    private boolean bool(String key, Entry e) throws GgufFormatException {
        if (e.value() instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, "BOOL", e);
    }

    private long integer(String key, Entry e) throws GgufFormatException {
        if (!e.type().isInteger()) {
            throw wrongType(key, "an integer", e);
        }
        long x = unsigned(e.type(), ((Number) e.value()).longValue());
        if (e.type() == GgufValueType.UINT64 && x < 0) {
            throw new GgufFormatException(where(key) + ": UINT64 value " + Long.toUnsignedString(x) + " exceeds " + Long.MAX_VALUE);
        }
        return x;
    }

    private double number(String key, Entry e) throws GgufFormatException {
        return switch (e.type()) {
            case FLOAT32, FLOAT64 -> ((Number) e.value()).doubleValue();
            case UINT64 -> {
                long x = (Long) e.value();
                yield x >= 0 ? x : Double.parseDouble(Long.toUnsignedString(x));
            }
            default -> {
                if (!e.type().isInteger()) {
                    throw wrongType(key, "a number", e);
                }
                yield integer(key, e);
            }
        };
    }

    private int toInt(String key, long x) throws GgufFormatException {
        if (x != (int) x) {
            throw new GgufFormatException(where(key) + ": value " + x + " does not fit an int");
        }
        return (int) x;
    }

    /** Element {@code i} of an integer array of type {@code t}, with its sign applied. */
    private long element(String key, GgufValueType t, Object v, int i) throws GgufFormatException {
        long raw = switch (v) {
            case byte[] b -> b[i];
            case short[] s -> s[i];
            case int[] n -> n[i];
            case long[] l -> l[i];
            default -> throw new IllegalStateException("not an integer array: " + v.getClass());
        };
        long x = unsigned(t, raw);
        if (t == GgufValueType.UINT64 && x < 0) {
            throw new GgufFormatException(where(key) + ": element " + i + " = " + Long.toUnsignedString(x)
                    + " (UINT64) exceeds " + Long.MAX_VALUE);
        }
        return x;
    }

    /** Applies the sign convention of {@code t} to raw bits already sign-extended from their width. */
    static long unsigned(GgufValueType t, long bits) {
        return switch (t) {
            case UINT8 -> bits & 0xFFL;
            case UINT16 -> bits & 0xFFFFL;
            case UINT32 -> bits & 0xFFFF_FFFFL;
            default -> bits;
        };
    }

    private GgufArray flatArray(String key, String expected, GgufValueType elementType) throws GgufFormatException {
        GgufArray a = arrayOf(key, expected);
        if (a.elementType() != elementType) {
            throw new GgufFormatException(where(key) + ": expected " + expected + ", found an array of " + a.elementType());
        }
        return a;
    }
}
