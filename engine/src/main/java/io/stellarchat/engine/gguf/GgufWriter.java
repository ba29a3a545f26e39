package io.stellarchat.engine.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.HashSet;

/**
 * Builds a well-formed GGUF v3 file: metadata in insertion order, then the tensor directory, then the
 * tensor data, each tensor at the next multiple of the alignment. Used by tests and by the synthetic-model
 * maker.
 *
 * <p>The header is assembled on the heap (it is small: metadata and directory); tensor data is streamed
 * from the caller's arrays or segments straight to the channel in bounded chunks, so a multi-GiB file
 * needs no more heap than its header. Offsets and sizes are {@code long} throughout.
 *
 * <p>Arguments are checked as they are added ({@link IllegalArgumentException}): values must match their
 * declared type and range, keys and tensor names must be unique, tensor data must have exactly the size its
 * type and dimensions imply. So every file this writes is one {@link GgufFile#open} accepts. Tensor data is
 * not copied: a {@code byte[]} or segment passed in must not change before {@link #write} returns.
 *
 * <p>Integer values: a signed type takes any integral {@link Number} in its range. An unsigned type takes a
 * non-negative value in its range, or — when the boxed type has the same width ({@code Byte} for UINT8,
 * {@code Short} for UINT16, {@code Integer} for UINT32, {@code Long} for UINT64) — its bits as stored, which
 * is how {@link GgufMetadata#raw} returns them; so {@code putUInt64(k, -1L)} writes 2^64-1.
 */
public final class GgufWriter {

    /** Version written. */
    public static final int VERSION = 3;
    private static final int CHUNK = 8 << 20; // bytes of tensor data per channel write

    private record PendingTensor(String name, GgmlType type, long[] dims, long byteSize, MemorySegment data) {}

    private final LinkedHashMap<String, GgufMetadata.Entry> kvs = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private long alignment = GgufReader.DEFAULT_ALIGNMENT;

    public GgufWriter() {}

    /**
     * Sets the alignment of the data region and of each tensor (a power of two), and records it as
     * {@code general.alignment} (UINT32).
     */
    public GgufWriter alignment(int a) {
        if (a <= 0 || Integer.bitCount(a) != 1) {
            throw new IllegalArgumentException("alignment " + a + " is not a positive power of two");
        }
        alignment = a;
        kvs.put(GgufReader.ALIGNMENT_KEY, new GgufMetadata.Entry(GgufValueType.UINT32, a));
        return this;
    }

    /**
     * Adds a key with a value of {@code type}: a {@link Number} for numbers, a {@link Boolean}, a
     * {@link String}, or for {@link GgufValueType#ARRAY} a {@link GgufArray}.
     *
     * @throws IllegalArgumentException if the key is already present or the value does not fit the type
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value of " + key);
        if (kvs.containsKey(key)) {
            throw new IllegalArgumentException("duplicate metadata key '" + key + "'");
        }
        Object canonical = canonical(key, type, value);
        if (key.equals(GgufReader.ALIGNMENT_KEY)) {
            if (type != GgufValueType.UINT32) {
                throw new IllegalArgumentException("'" + key + "' must be UINT32, not " + type);
            }
            alignment((Integer) canonical);
            return this;
        }
        kvs.put(key, new GgufMetadata.Entry(type, canonical));
        return this;
    }

    /** Copies key {@code key}, with its type, from another file's metadata. */
    public GgufWriter copy(GgufMetadata from, String key) throws GgufFormatException {
        GgufValueType type = from.type(key);
        return put(key, type, type == GgufValueType.ARRAY ? from.array(key) : from.raw(key));
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUInt8(String key, int value) {
        return put(key, GgufValueType.UINT8, value);
    }

    public GgufWriter putInt8(String key, int value) {
        return put(key, GgufValueType.INT8, value);
    }

    public GgufWriter putUInt16(String key, int value) {
        return put(key, GgufValueType.UINT16, value);
    }

    public GgufWriter putInt16(String key, int value) {
        return put(key, GgufValueType.INT16, value);
    }

    /** {@code value} in [0, 2^32). */
    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    /** {@code value}'s 64 bits, read as unsigned. */
    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValueType.UINT64, value);
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValueType.INT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValueType.FLOAT64, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    /**
     * An array of {@code elementType} held in the matching Java array ({@code int[]} for UINT32/INT32,
     * {@code String[]} for STRING, {@code GgufArray[]} for arrays of arrays, …; see {@link GgufArray}).
     */
    public GgufWriter putArray(String key, GgufValueType elementType, Object values) {
        return put(key, GgufValueType.ARRAY, new GgufArray(elementType, values));
    }

    public GgufWriter putStringArray(String key, String... values) {
        return putArray(key, GgufValueType.STRING, values);
    }

    public GgufWriter putFloatArray(String key, float... values) {
        return putArray(key, GgufValueType.FLOAT32, values);
    }

    /**
     * An array of the integer type {@code elementType}, from ints each checked against its range (an
     * unsigned type refuses negatives).
     */
    public GgufWriter putIntArray(String key, GgufValueType elementType, int... values) {
        if (!elementType.isInteger()) {
            throw new IllegalArgumentException("'" + key + "': " + elementType + " is not an integer type");
        }
        int n = values.length;
        Object held = java.lang.reflect.Array.newInstance(GgufArray.javaArrayType(elementType).getComponentType(), n);
        for (int i = 0; i < n; i++) {
            if (elementType.isUnsigned() && values[i] < 0) {
                throw new IllegalArgumentException("'" + key + "' element " + i + " = " + values[i] + " is negative for " + elementType);
            }
            long v = checkedBits("'" + key + "' element " + i, elementType, values[i], false);
            switch (held) {
                case byte[] b -> b[i] = (byte) v;
                case short[] s -> s[i] = (short) v;
                case int[] x -> x[i] = (int) v;
                case long[] l -> l[i] = v;
                default -> throw new IllegalStateException();
            }
        }
        return put(key, GgufValueType.ARRAY, GgufArray.wrap(elementType, held));
    }

    /**
     * Adds a tensor whose bytes are in {@code data} (not copied).
     *
     * @param dims innermost (ne0) first, 1 to 4 of them
     * @throws IllegalArgumentException if the name is taken, the shape is invalid for {@code type}, or
     *                                  {@code data.length != type.byteSize(product of dims)}
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, byte[] data) {
        return addTensor(name, type, dims, MemorySegment.ofArray(data));
    }

    /** Adds a tensor whose bytes are in {@code data}, streamed to the file at {@link #write} (no copy). */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, MemorySegment data) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type of " + name);
        Objects.requireNonNull(data, "data of " + name);
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        try {
            long byteSize = checkShape(name, type, dims);
            if (data.byteSize() != byteSize) {
                throw new IllegalArgumentException("tensor '" + name + "': " + type + " " + java.util.Arrays.toString(dims)
                        + " takes " + byteSize + " bytes, but the data has " + data.byteSize());
            }
            tensors.add(new PendingTensor(name, type, dims.clone(), byteSize, data));
        } catch (RuntimeException e) {
            tensorNames.remove(name);
            throw e;
        }
        return this;
    }

    /**
     * Writes the file, replacing {@code out}: first to a temporary file beside it, then moved into place,
     * so a failed write never leaves a truncated file under the final name.
     */
    public void write(Path out) throws IOException {
        Path abs = out.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeTo(ch);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The whole file in a byte array (for small files in tests). */
    public byte[] toByteArray() throws IOException {
        long size = fileSize();
        if (size > GgufReader.MAX_JAVA_ARRAY) {
            throw new IllegalStateException("a GGUF file of " + size + " bytes does not fit a byte array; use write(Path)");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) size);
        writeTo(Channels.newChannel(bytes));
        return bytes.toByteArray();
    }

    /** Size in bytes of the file {@link #write} would produce. */
    public long fileSize() {
        long headerSize = header().length;
        if (tensors.isEmpty()) {
            return headerSize; // no data region, no padding
        }
        long dataPos = 0;
        for (PendingTensor t : tensors) {
            dataPos = alignUp(dataPos) + t.byteSize();
        }
        return alignUp(headerSize) + dataPos;
    }

    // ---- encoding ----

    private void writeTo(WritableByteChannel ch) throws IOException {
        byte[] header = header();
        writeFully(ch, ByteBuffer.wrap(header));
        long written = header.length;
        long dataStart = alignUp(written);
        long dataPos = 0; // relative to dataStart
        for (PendingTensor t : tensors) {
            long offset = alignUp(dataPos);
            written = pad(ch, written, dataStart + offset);
            for (long at = 0; at < t.byteSize(); at += CHUNK) {
                long n = Math.min(CHUNK, t.byteSize() - at);
                writeFully(ch, t.data().asSlice(at, n).asByteBuffer());
            }
            written += t.byteSize();
            dataPos = offset + t.byteSize();
        }
    }

    /**
     * magic · version · tensor_count · kv_count · key/values · tensor infos (offsets laid out with the
     * alignment), without the padding that follows.
     */
    private byte[] header() {
        HeaderBuffer h = new HeaderBuffer();
        h.u32(GgufReader.MAGIC);
        h.u32(VERSION);
        h.u64(tensors.size());
        h.u64(kvs.size());
        kvs.forEach((key, e) -> {
            h.string(key);
            h.u32(e.type().id());
            value(h, e.type(), e.value());
        });
        long dataPos = 0;
        for (PendingTensor t : tensors) {
            long offset = alignUp(dataPos);
            h.string(t.name());
            h.u32(t.dims().length);
            for (long d : t.dims()) {
                h.u64(d);
            }
            h.u32(t.type().id());
            h.u64(offset);
            dataPos = offset + t.byteSize();
        }
        return h.toByteArray();
    }

    private static void value(HeaderBuffer h, GgufValueType type, Object v) {
        switch (type) {
            case UINT8, INT8 -> h.u8((Byte) v);
            case UINT16, INT16 -> h.u16((Short) v);
            case UINT32, INT32 -> h.u32((Integer) v);
            case UINT64, INT64 -> h.u64((Long) v);
            case FLOAT32 -> h.u32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> h.u64(Double.doubleToRawLongBits((Double) v));
            case BOOL -> h.u8((Boolean) v ? 1 : 0);
            case STRING -> h.string((String) v);
            case ARRAY -> {
                GgufArray a = (GgufArray) v;
                h.u32(a.elementType().id());
                h.u64(a.length());
                switch (a.unsafeValues()) {
                    case byte[] x -> { for (byte e : x) h.u8(e); }
                    case short[] x -> { for (short e : x) h.u16(e); }
                    case int[] x -> { for (int e : x) h.u32(e); }
                    case long[] x -> { for (long e : x) h.u64(e); }
                    case float[] x -> { for (float e : x) h.u32(Float.floatToRawIntBits(e)); }
                    case double[] x -> { for (double e : x) h.u64(Double.doubleToRawLongBits(e)); }
                    case boolean[] x -> { for (boolean e : x) h.u8(e ? 1 : 0); }
                    case String[] x -> { for (String e : x) h.string(e); }
                    case GgufArray[] x -> { for (GgufArray e : x) value(h, GgufValueType.ARRAY, e); }
                    default -> throw new IllegalStateException("unexpected array holder " + a.unsafeValues().getClass());
                }
            }
        }
    }

    private long alignUp(long x) {
        return (x + alignment - 1) & -alignment;
    }

    private static long pad(WritableByteChannel ch, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(Math.max(to - from, 0), 1 << 16));
        for (long at = from; at < to; at += zeros.capacity()) {
            writeFully(ch, zeros.clear().limit((int) Math.min(zeros.capacity(), to - at)));
        }
        return Math.max(from, to);
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    // ---- argument checks ----

    /** The value in its canonical stored form: same-width box for integers, Float, Double, Boolean, String, GgufArray. */
    private static Object canonical(String key, GgufValueType type, Object value) {
        String what = "'" + key + "'";
        switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                long bits = checkedBits(what, type, integral(what, type, value), sameWidth(type, value));
                return switch (type) {
                    case UINT8, INT8 -> (byte) bits;
                    case UINT16, INT16 -> (short) bits;
                    case UINT32, INT32 -> (int) bits;
                    default -> bits;
                };
            }
            case FLOAT32 -> {
                return ((Number) require(what, type, value, Number.class)).floatValue();
            }
            case FLOAT64 -> {
                return ((Number) require(what, type, value, Number.class)).doubleValue();
            }
            case BOOL -> {
                return require(what, type, value, Boolean.class);
            }
            case STRING -> {
                return require(what, type, value, String.class);
            }
            case ARRAY -> {
                return require(what, type, value, GgufArray.class);
            }
        }
        throw new IllegalStateException();
    }

    private static Object require(String what, GgufValueType type, Object value, Class<?> want) {
        if (!want.isInstance(value)) {
            throw new IllegalArgumentException(what + ": a " + type + " value must be a " + want.getSimpleName()
                    + ", not a " + value.getClass().getSimpleName());
        }
        return value;
    }

    private static long integral(String what, GgufValueType type, Object value) {
        if (value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        throw new IllegalArgumentException(what + ": a " + type + " value must be a Byte, Short, Integer or Long, not a "
                + value.getClass().getSimpleName());
    }

    private static boolean sameWidth(GgufValueType type, Object value) {
        return switch (type) {
            case UINT8 -> value instanceof Byte;
            case UINT16 -> value instanceof Short;
            case UINT32 -> value instanceof Integer;
            case UINT64 -> value instanceof Long;
            default -> false;
        };
    }

    /** {@code v} checked against the range of {@code type}; {@code rawBits} takes an unsigned value's bits as-is. */
    private static long checkedBits(String what, GgufValueType type, long v, boolean rawBits) {
        if (rawBits || type == GgufValueType.INT64) {
            return v;
        }
        long min;
        long max;
        switch (type) {
            case UINT8 -> { min = 0; max = 0xFF; }
            case INT8 -> { min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; }
            case UINT16 -> { min = 0; max = 0xFFFF; }
            case INT16 -> { min = Short.MIN_VALUE; max = Short.MAX_VALUE; }
            case UINT32 -> { min = 0; max = 0xFFFF_FFFFL; }
            case INT32 -> { min = Integer.MIN_VALUE; max = Integer.MAX_VALUE; }
            case UINT64 -> { min = 0; max = Long.MAX_VALUE; }
            default -> throw new IllegalStateException(type.toString());
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + ": " + v + " is out of range for " + type);
        }
        return v;
    }

    /** Checks 1..4 dims, each non-negative, a product that fits, ne0 a whole number of blocks; returns the byte size. */
    private static long checkShape(String name, GgmlType type, long[] dims) {
        Objects.requireNonNull(dims, "dims of " + name);
        if (dims.length < 1 || dims.length > GgufReader.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dims.length + " dimensions (must be 1.."
                    + GgufReader.MAX_DIMS + ")");
        }
        long elements = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension " + d);
            }
            if (d != 0 && elements > Long.MAX_VALUE / d) {
                throw new IllegalArgumentException("tensor '" + name + "': the product of the dimensions overflows");
            }
            elements *= d;
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': ne0 = " + dims[0] + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        long byteSize = type.byteSize(elements);
        if (byteSize < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': the byte size overflows");
        }
        return byteSize;
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class HeaderBuffer {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 12).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(long n) {
            if (buf.remaining() < n) {
                long want = Math.max((long) buf.capacity() * 2, (long) buf.position() + n);
                if (want > GgufReader.MAX_JAVA_ARRAY) {
                    throw new IllegalStateException("GGUF header over 2 GiB");
                }
                ByteBuffer bigger = ByteBuffer.allocate((int) want).order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }

        void u8(int v) { ensure(1); buf.put((byte) v); }
        void u16(int v) { ensure(2); buf.putShort((short) v); }
        void u32(int v) { ensure(4); buf.putInt(v); }
        void u64(long v) { ensure(8); buf.putLong(v); }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            ensure(b.length);
            buf.put(b);
        }

        byte[] toByteArray() {
            byte[] out = new byte[buf.position()];
            buf.get(0, out);
            return out;
        }
    }
}
