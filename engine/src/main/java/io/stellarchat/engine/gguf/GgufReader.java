package io.stellarchat.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Parses the header of a GGUF file held in a {@link MemorySegment} (normally the whole file, mapped) and
 * checks it against the segment's length. One instance reads one file, front to back, once.
 *
 * <p>Layout (all little-endian):
 * <pre>
 *   u32 magic "GGUF" · u32 version (2 or 3) · u64 tensor_count · u64 metadata_kv_count
 *   metadata_kv_count × { string key · u32 value_type · value }
 *   tensor_count × { string name · u32 n_dims · u64 dims[n_dims] · u32 ggml_type · u64 offset }
 *   padding to general.alignment (default 32)
 *   tensor data: each tensor at data_start + offset
 *   where string = u64 byte length · UTF-8 bytes, and an array value = u32 element type · u64 count · elements
 * </pre>
 *
 * <p>The rule that keeps hostile files harmless: every count or length read from the file is compared with
 * the bytes that remain before anything is allocated or looped over, using the fewest bytes one element
 * could take ({@link GgufValueType#minEncodedSize()}). So no allocation exceeds the file's size, no loop runs
 * longer than the file has bytes, and array nesting is capped so recursion cannot exhaust the stack.
 * Every failure is a {@link GgufFormatException} naming the key, tensor or byte offset.
 */
final class GgufReader {

    /** {@code "GGUF"} read as a little-endian u32. */
    static final int MAGIC = 0x4655_4747;
    static final long DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;
    /** Arrays of arrays deeper than this are refused (no published model nests at all). */
    static final int MAX_ARRAY_DEPTH = 8;
    /**
     * Most heap the parsed header may take. Checking lengths against the file bounds allocations by the
     * file's size, but a hostile multi-GiB file of tiny strings would still expand several-fold on the heap;
     * real headers (vocabularies of 256k tokens and merges) take tens of MiB.
     */
    static final long DEFAULT_HEAP_BUDGET = 512L << 20;
    /** Largest Java array a value can be read into. */
    static final long MAX_JAVA_ARRAY = Integer.MAX_VALUE - 8;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What the header says, checked. */
    record Header(int version, long alignment, GgufMetadata metadata, List<GgufTensorInfo> tensors,
                  LinkedHashMap<String, GgufTensorInfo> tensorsByName, long headerEnd, long dataOffset, long dataSize) {}

    private final MemorySegment file;
    private final long size;
    private final String source;
    private final long heapBudget;
    private long heapCharged; // estimated heap bytes the header objects read so far occupy
    private long pos;

    private GgufReader(MemorySegment file, String source, long heapBudget) {
        this.file = file;
        this.size = file.byteSize();
        this.source = source;
        this.heapBudget = heapBudget;
    }

    /** Parses and checks the header of the GGUF file in {@code file}; {@code source} names it in messages. */
    static Header parse(MemorySegment file, String source) throws GgufFormatException {
        return parse(file, source, DEFAULT_HEAP_BUDGET);
    }

    /**
     * As {@link #parse(MemorySegment, String)}, refusing a header whose metadata and directory would take
     * more than {@code heapBudget} bytes of heap (an estimate charged before each allocation).
     */
    static Header parse(MemorySegment file, String source, long heapBudget) throws GgufFormatException {
        return new GgufReader(file, source, heapBudget).header();
    }

    private Header header() throws GgufFormatException {
        // magic: u32 "GGUF"
        need(4, "the GGUF magic");
        int magic = file.get(U32, 0);
        if (magic == Integer.reverseBytes(MAGIC)) {
            throw fail("big-endian GGUF file: the magic at byte 0 is byte-swapped (\"FUGG\"); only little-endian GGUF "
                    + "files are supported");
        }
        if (magic != MAGIC) {
            throw fail("not a GGUF file: the first 4 bytes are " + hex4(0) + ", expected 47 47 55 46 (\"GGUF\")");
        }
        pos = 4;

        // version: u32, 2 or 3. v1 had u32 counts and lengths; a big-endian file has the version byte-swapped.
        int version = u32("the version");
        if (version == 1) {
            throw fail("GGUF version 1 is too old and no longer supported (v1 used 32-bit counts and lengths); "
                    + "re-convert the model with a current llama.cpp (convert_hf_to_gguf.py) to get GGUF v3");
        }
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            if ((version & 0xFFFF) == 0 && swapped >= 1 && swapped <= 3) {
                throw fail("big-endian GGUF file: the version field at byte 4 reads 0x" + Integer.toHexString(version)
                        + ", which is version " + swapped + " byte-swapped; only little-endian GGUF files are supported");
            }
            throw fail("unsupported GGUF version " + Integer.toUnsignedString(version) + " at byte 4 (supported: 2, 3)");
        }

        // tensor_count: u64, metadata_kv_count: u64 — each entry needs a minimum number of bytes, so both
        // counts are bounded by the bytes that follow.
        long countsAt = pos;
        long tensorCount = u64("tensor_count");
        long kvCount = u64("metadata_kv_count");
        long minKv = 8 + 4 + 1;          // key length, value type, smallest value
        long minTensor = 8 + 4 + 8 + 4 + 8; // name length, n_dims, one dim, type, offset
        if (kvCount < 0 || kvCount > remaining() / minKv) {
            throw fail("metadata_kv_count " + Long.toUnsignedString(kvCount) + " at byte " + (countsAt + 8)
                    + " is impossible: only " + remaining() + " bytes follow and each key/value takes at least " + minKv);
        }
        if (tensorCount < 0 || tensorCount > (remaining() - kvCount * minKv) / minTensor) {
            throw fail("tensor_count " + Long.toUnsignedString(tensorCount) + " at byte " + countsAt
                    + " is impossible: only " + remaining() + " bytes follow and each tensor info takes at least " + minTensor);
        }

        // metadata: key/value pairs; keys unique
        LinkedHashMap<String, GgufMetadata.Entry> kvs = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = pos;
            String key = string("the key of metadata entry " + i);
            if (kvs.containsKey(key)) {
                throw fail("duplicate metadata key '" + key + "' at byte " + keyAt);
            }
            GgufValueType type = valueType("metadata key '" + key + "'");
            charge(64, "metadata key '" + key + "'");
            kvs.put(key, new GgufMetadata.Entry(type, value(key, type, 0)));
        }
        GgufMetadata metadata = new GgufMetadata(kvs, source);
        long alignment = alignment(kvs.get(ALIGNMENT_KEY));

        // tensor infos: names unique, 1..4 dims, a known type, ne0 a whole number of blocks, offset aligned
        List<GgufTensorInfo> tensors = new ArrayList<>();
        LinkedHashMap<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long nameAt = pos;
            String name = string("the name of tensor " + i);
            if (byName.containsKey(name)) {
                throw fail("duplicate tensor name '" + name + "' at byte " + nameAt);
            }
            charge(160, "tensor '" + name + "'");
            GgufTensorInfo info = tensorInfo(name, alignment);
            tensors.add(info);
            byName.put(name, info);
        }

        // data region: header end rounded up to the alignment; every tensor must lie inside it
        long headerEnd = pos;
        long dataOffset = alignUp(headerEnd, alignment);
        if (dataOffset > size && !tensors.isEmpty()) {
            throw fail("the tensor data region starts at byte " + dataOffset + " (header end " + headerEnd
                    + " rounded up to the alignment " + alignment + "), past the end of the file at byte " + size);
        }
        long dataSize = Math.max(0, size - dataOffset);
        for (GgufTensorInfo t : tensors) {
            if (t.offset() > dataSize || t.byteSize() > dataSize - t.offset()) {
                throw fail("tensor '" + t.name() + "' (" + t.byteSize() + " bytes at data offset " + t.offset()
                        + ", file byte " + fileByte(dataOffset, t.offset()) + ") leaves the file: the data region holds "
                        + dataSize + " bytes, ending at file byte " + size);
            }
        }
        checkNoOverlap(tensors);
        return new Header(version, alignment, metadata, List.copyOf(tensors), byName, headerEnd, dataOffset, dataSize);
    }

    // ---- metadata values ----

    private Object value(String key, GgufValueType type, int depth) throws GgufFormatException {
        String what = "metadata key '" + key + "'";
        return switch (type) {
            case UINT8, INT8 -> {
                need(1, what);
                yield file.get(ValueLayout.JAVA_BYTE, pos++);
            }
            case UINT16, INT16 -> {
                need(2, what);
                short v = file.get(U16, pos);
                pos += 2;
                yield v;
            }
            case UINT32, INT32 -> u32(what);
            case UINT64, INT64 -> u64(what);
            case FLOAT32 -> {
                need(4, what);
                float v = file.get(F32, pos);
                pos += 4;
                yield v;
            }
            case FLOAT64 -> {
                need(8, what);
                double v = file.get(F64, pos);
                pos += 8;
                yield v;
            }
            case BOOL -> bool(what);
            case STRING -> string("the value of " + what);
            case ARRAY -> array(key, depth);
        };
    }

    /** u32 element type · u64 count · count elements. */
    private GgufArray array(String key, int depth) throws GgufFormatException {
        String what = "metadata key '" + key + "'";
        if (depth >= MAX_ARRAY_DEPTH) {
            throw fail(what + ": arrays nested deeper than " + MAX_ARRAY_DEPTH + " at byte " + pos);
        }
        GgufValueType elementType = valueType(what + " (array element type)");
        long countAt = pos;
        long count = u64(what + " (array count)");
        if (count < 0 || count > remaining() / elementType.minEncodedSize()) {
            throw fail(what + ": array count " + Long.toUnsignedString(count) + " at byte " + countAt + " is impossible: "
                    + "each " + elementType + " element takes at least " + elementType.minEncodedSize() + " bytes, but only "
                    + remaining() + " bytes remain before the end of the file at byte " + size);
        }
        if (count > MAX_JAVA_ARRAY) {
            throw fail(what + ": array count " + count + " at byte " + countAt + " exceeds the largest supported array ("
                    + MAX_JAVA_ARRAY + ")");
        }
        int n = (int) count;
        charge(16 + (long) n * javaElementBytes(elementType), what);
        Object values = switch (elementType) {
            case UINT8, INT8 -> bulk(new byte[n], ValueLayout.JAVA_BYTE, n, 1);
            case UINT16, INT16 -> bulk(new short[n], U16, n, 2);
            case UINT32, INT32 -> bulk(new int[n], U32, n, 4);
            case UINT64, INT64 -> bulk(new long[n], U64, n, 8);
            case FLOAT32 -> bulk(new float[n], F32, n, 4);
            case FLOAT64 -> bulk(new double[n], F64, n, 8);
            case BOOL -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) {
                    b[i] = bool(what + " element " + i);
                }
                yield b;
            }
            case STRING -> {
                String[] s = new String[n];
                for (int i = 0; i < n; i++) {
                    s[i] = string(what + " element " + i);
                }
                yield s;
            }
            case ARRAY -> {
                GgufArray[] inner = new GgufArray[n];
                for (int i = 0; i < n; i++) {
                    inner[i] = array(key, depth + 1);
                }
                yield inner;
            }
        };
        return GgufArray.wrap(elementType, values);
    }

    /** Copies {@code n} fixed-size little-endian elements into {@code dst}; the count was checked by the caller. */
    private Object bulk(Object dst, ValueLayout layout, int n, int width) {
        switch (dst) {
            case byte[] a -> MemorySegment.copy(file, (ValueLayout.OfByte) layout, pos, a, 0, n);
            case short[] a -> MemorySegment.copy(file, (ValueLayout.OfShort) layout, pos, a, 0, n);
            case int[] a -> MemorySegment.copy(file, (ValueLayout.OfInt) layout, pos, a, 0, n);
            case long[] a -> MemorySegment.copy(file, (ValueLayout.OfLong) layout, pos, a, 0, n);
            case float[] a -> MemorySegment.copy(file, (ValueLayout.OfFloat) layout, pos, a, 0, n);
            case double[] a -> MemorySegment.copy(file, (ValueLayout.OfDouble) layout, pos, a, 0, n);
            default -> throw new IllegalStateException("not a numeric array: " + dst.getClass());
        }
        pos += (long) n * width;
        return dst;
    }

    /** general.alignment: a UINT32, a power of two; 32 when absent. */
    private long alignment(GgufMetadata.Entry e) throws GgufFormatException {
        if (e == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (e.type() != GgufValueType.UINT32) {
            throw fail("metadata key '" + ALIGNMENT_KEY + "' must be UINT32, found " + e.type());
        }
        long a = Integer.toUnsignedLong((Integer) e.value());
        if (a == 0 || Long.bitCount(a) != 1) {
            throw fail("metadata key '" + ALIGNMENT_KEY + "' = " + a + " is not a power of two");
        }
        return a;
    }

    // ---- tensor directory ----

    /** u32 n_dims · u64 dims[n_dims] · u32 ggml_type · u64 offset, after the name. */
    private GgufTensorInfo tensorInfo(String name, long alignment) throws GgufFormatException {
        String what = "tensor '" + name + "'";
        long nDimsAt = pos;
        int nDims = u32(what + " (n_dims)");
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw fail(what + ": n_dims " + Integer.toUnsignedString(nDims) + " at byte " + nDimsAt + " (must be 1.." + MAX_DIMS + ")");
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long dimAt = pos;
            dims[d] = u64(what + " (dimension " + d + ")");
            if (dims[d] < 0) {
                throw fail(what + ": dimension " + d + " = " + Long.toUnsignedString(dims[d]) + " at byte " + dimAt
                        + " exceeds " + Long.MAX_VALUE);
            }
            if (dims[d] != 0 && elements > Long.MAX_VALUE / dims[d]) {
                throw fail(what + ": dimensions " + Arrays.toString(Arrays.copyOf(dims, d + 1))
                        + " overflow: their product exceeds " + Long.MAX_VALUE);
            }
            elements *= dims[d];
        }
        long typeAt = pos;
        int typeId = u32(what + " (type)");
        GgmlType type = GgmlType.byId(Integer.toUnsignedLong(typeId));
        if (type == null) {
            throw fail(what + ": unknown ggml type id " + Integer.toUnsignedString(typeId) + " at byte " + typeAt);
        }
        if (dims[0] % type.blockSize() != 0) {
            throw fail(what + ": ne0 = " + dims[0] + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        long byteSize = type.byteSize(elements);
        if (byteSize < 0) {
            throw fail(what + ": " + elements + " elements of " + type + " overflow a 64-bit byte size");
        }
        long offsetAt = pos;
        long offset = u64(what + " (offset)");
        if (offset < 0 || offset % alignment != 0) {
            throw fail(what + ": data offset " + Long.toUnsignedString(offset) + " at byte " + offsetAt
                    + " is not a multiple of the alignment " + alignment);
        }
        return new GgufTensorInfo(name, type, dims, offset, byteSize);
    }

    private void checkNoOverlap(List<GgufTensorInfo> tensors) throws GgufFormatException {
        List<GgufTensorInfo> sorted = new ArrayList<>();
        for (GgufTensorInfo t : tensors) {
            if (t.byteSize() > 0) { // an empty tensor occupies no bytes, so it cannot overlap
                sorted.add(t);
            }
        }
        sorted.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        for (int i = 1; i < sorted.size(); i++) {
            GgufTensorInfo a = sorted.get(i - 1);
            GgufTensorInfo b = sorted.get(i);
            long aEnd = a.offset() + a.byteSize(); // cannot overflow: both lie inside the file
            if (b.offset() < aEnd) {
                throw fail("tensors '" + a.name() + "' (data bytes " + a.offset() + ".." + aEnd + ") and '" + b.name()
                        + "' (data bytes " + b.offset() + ".." + (b.offset() + b.byteSize()) + ") overlap");
            }
        }
    }

    // ---- primitives: each checks the bytes it needs ----

    private long remaining() {
        return size - pos;
    }

    private void need(long n, String what) throws GgufFormatException {
        if (n > size - pos) {
            throw fail("truncated: " + what + " needs " + n + " bytes at byte " + pos + ", but the file ends at byte " + size);
        }
    }

    private int u32(String what) throws GgufFormatException {
        need(4, what);
        int v = file.get(U32, pos);
        pos += 4;
        return v;
    }

    private long u64(String what) throws GgufFormatException {
        need(8, what);
        long v = file.get(U64, pos);
        pos += 8;
        return v;
    }

    private boolean bool(String what) throws GgufFormatException {
        need(1, what);
        byte b = file.get(ValueLayout.JAVA_BYTE, pos);
        if (b != 0 && b != 1) {
            throw fail(what + ": BOOL byte " + (b & 0xFF) + " at byte " + pos + " (must be 0 or 1)");
        }
        pos++;
        return b == 1;
    }

    private GgufValueType valueType(String what) throws GgufFormatException {
        long at = pos;
        int id = u32(what + " (value type)");
        GgufValueType t = GgufValueType.byId(Integer.toUnsignedLong(id));
        if (t == null) {
            throw fail(what + ": unknown value type id " + Integer.toUnsignedString(id) + " at byte " + at);
        }
        return t;
    }

    /** u64 byte length · UTF-8 bytes. The length is checked against the bytes left before anything is copied. */
    private String string(String what) throws GgufFormatException {
        long lenAt = pos;
        long len = u64(what + " (string length)");
        if (len < 0 || len > remaining()) {
            throw fail(what + ": string length " + Long.toUnsignedString(len) + " at byte " + lenAt
                    + " runs past the end of the file (" + remaining() + " bytes left)");
        }
        if (len > MAX_JAVA_ARRAY) {
            throw fail(what + ": string length " + len + " at byte " + lenAt + " exceeds the largest supported string");
        }
        charge(48 + 2 * len, what); // the bytes, then the String built from them
        byte[] bytes = new byte[(int) len];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
        pos += len;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Heap taken per element by the Java array holding {@code type} (references for strings and arrays). */
    private static int javaElementBytes(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64 -> 8;
            case STRING -> 8;
            case ARRAY -> 8 + 32;
        };
    }

    /** Counts {@code bytes} of heap against the budget before they are allocated. */
    private void charge(long bytes, String what) throws GgufFormatException {
        heapCharged += bytes;
        if (heapCharged > heapBudget) {
            throw fail(what + " at byte " + pos + ": the header would take more than " + (heapBudget >> 20)
                    + " MiB of memory; a header this large is not supported");
        }
    }

    /** {@code dataOffset + offset} for a message, without wrapping past 2^63. */
    private static String fileByte(long dataOffset, long offset) {
        return offset <= Long.MAX_VALUE - dataOffset ? Long.toString(dataOffset + offset) : "beyond 2^63";
    }

    private static long alignUp(long x, long alignment) {
        // x <= file size < 2^63 and alignment <= 2^31, so only a file within 2^31 of 2^63 bytes could overflow
        return (x + alignment - 1) & -alignment;
    }

    private String hex4(long at) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", file.get(ValueLayout.JAVA_BYTE, at + i)));
        }
        return sb.toString();
    }

    private GgufFormatException fail(String message) {
        return new GgufFormatException(source + ": " + message);
    }
}
