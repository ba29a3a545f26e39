package io.stellarchat.engine.gguf;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Hand-assembles GGUF bytes field by field (little-endian), so a test can write exactly the broken file it
 * means, including ones {@link GgufWriter} refuses to produce. Each method appends one field of the format.
 */
final class GgufBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** magic "GGUF" · u32 version · u64 tensor_count · u64 metadata_kv_count. */
    static GgufBytes header(int version, long tensorCount, long kvCount) {
        return new GgufBytes().u32(GgufReader.MAGIC).u32(version).u64(tensorCount).u64(kvCount);
    }

    GgufBytes u8(int v) {
        out.write(v);
        return this;
    }

    GgufBytes u16(int v) {
        return raw(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
    }

    GgufBytes u32(int v) {
        return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    GgufBytes u64(long v) {
        return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    GgufBytes f32(float v) {
        return u32(Float.floatToRawIntBits(v));
    }

    /** A GGUF string: u64 byte length · UTF-8 bytes. */
    GgufBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u64(b.length).raw(b);
    }

    GgufBytes raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** A key and its value type; the caller appends the value. */
    GgufBytes key(String key, GgufValueType type) {
        return str(key).u32(type.id());
    }

    GgufBytes kvU32(String key, int v) {
        return key(key, GgufValueType.UINT32).u32(v);
    }

    GgufBytes kvString(String key, String v) {
        return key(key, GgufValueType.STRING).str(v);
    }

    /** A tensor info: name · u32 n_dims · u64 dims · u32 ggml type · u64 offset. */
    GgufBytes tensor(String name, long[] dims, int typeId, long offset) {
        str(name).u32(dims.length);
        for (long d : dims) {
            u64(d);
        }
        return u32(typeId).u64(offset);
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    GgufBytes padTo(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    GgufBytes zeros(int n) {
        out.writeBytes(new byte[n]);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    MemorySegment segment() {
        return MemorySegment.ofArray(bytes());
    }
}
