package io.stellarchat.engine.tokenizer;

/**
 * The few typed reads {@link Vocabulary} needs from GGUF metadata. Implemented over the engine's GGUF reader
 * (and, in tests, over a minimal reader), so the key-to-vocabulary rules live in one place.
 */
interface MetadataView {
    boolean has(String key);

    /** A string value; only called after {@link #has}. */
    String string(String key);

    /** Any integer value (u8 … i64) widened to long; u32 {@code 4294967295} stays positive. */
    long integer(String key);

    boolean bool(String key);

    String[] strings(String key);

    /** A float32 array, or an int32 array converted to floats (some converters write integer scores). */
    float[] floats(String key);

    int[] ints(String key);
}
