package io.stellarchat.engine.tokenizer;

import io.stellarchat.engine.gguf.GgufFormatException;
import io.stellarchat.engine.gguf.GgufMetadata;

/**
 * The few typed reads {@link Vocabulary} needs from GGUF metadata, so the key-to-vocabulary rules do not depend
 * on the reader's whole surface (and tests can feed hand-made metadata). Each read is only made after
 * {@link #has} and throws {@link GgufFormatException} naming the key when the value has another type.
 */
interface MetadataView {
    boolean has(String key);

    String string(String key) throws GgufFormatException;

    /** Any integer value (u8 … i64) widened to long; u32 {@code 4294967295} stays positive. */
    long integer(String key) throws GgufFormatException;

    boolean bool(String key) throws GgufFormatException;

    String[] strings(String key) throws GgufFormatException;

    /** A float array, or an integer array converted to floats (llama.cpp accepts int32 scores). */
    float[] floats(String key) throws GgufFormatException;

    int[] ints(String key) throws GgufFormatException;

    /** A byte array (UINT8 or INT8 elements). */
    byte[] bytes(String key) throws GgufFormatException;

    /** The view of the engine's GGUF metadata. */
    static MetadataView of(GgufMetadata m) {
        return new MetadataView() {
            @Override
            public boolean has(String key) {
                return m.has(key);
            }

            @Override
            public String string(String key) throws GgufFormatException {
                return m.getString(key);
            }

            @Override
            public long integer(String key) throws GgufFormatException {
                return m.getLong(key);
            }

            @Override
            public boolean bool(String key) throws GgufFormatException {
                return m.getBoolean(key);
            }

            @Override
            public String[] strings(String key) throws GgufFormatException {
                return m.getStringArray(key);
            }

            @Override
            public float[] floats(String key) throws GgufFormatException {
                if (m.arrayElementType(key).isInteger()) {
                    int[] ints = m.getIntArray(key);
                    float[] f = new float[ints.length];
                    for (int i = 0; i < ints.length; i++) {
                        f[i] = ints[i];
                    }
                    return f;
                }
                return m.getFloatArray(key);
            }

            @Override
            public int[] ints(String key) throws GgufFormatException {
                return m.getIntArray(key);
            }

            @Override
            public byte[] bytes(String key) throws GgufFormatException {
                io.stellarchat.engine.gguf.GgufValueType t = m.arrayElementType(key);
                if (t != io.stellarchat.engine.gguf.GgufValueType.UINT8 && t != io.stellarchat.engine.gguf.GgufValueType.INT8) {
                    throw new GgufFormatException(key + ": expected an array of UINT8 or INT8, found an array of " + t);
                }
                long[] v = m.getLongArray(key);
                byte[] b = new byte[v.length];
                for (int i = 0; i < v.length; i++) {
                    b[i] = (byte) v[i];
                }
                return b;
            }
        };
    }
}
