package io.stellarchat.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's files read back identically, for every value type and tensor layout. */
class GgufWriterTest {

    @TempDir
    Path dir;

    private GgufFile roundTrip(GgufWriter w) throws IOException {
        Path p = dir.resolve("t.gguf");
        w.write(p);
        assertEquals(w.fileSize(), Files.size(p));
        assertArrayEquals(Files.readAllBytes(p), w.toByteArray());
        return GgufFile.open(p);
    }

    @Test
    void everyScalarTypeRoundTripsIncludingItsExtremes() throws IOException {
        GgufWriter w = new GgufWriter()
                .putUInt8("u8", 255).putInt8("i8", -128)
                .putUInt16("u16", 65_535).putInt16("i16", -32_768)
                .putUInt32("u32", 4_294_967_295L).putInt32("i32", Integer.MIN_VALUE)
                .putUInt64("u64.max", -1L).putUInt64("u64", Long.MAX_VALUE).putInt64("i64", Long.MIN_VALUE)
                .putFloat32("f32", -0.0f).putFloat32("f32.nan", Float.intBitsToFloat(0x7fc00001))
                .putFloat64("f64", Math.PI).putBool("yes", true).putBool("no", false)
                .putString("empty", "").putString("unicode", "héllo ▁wörld 👋\u0000end");
        try (GgufFile f = roundTrip(w)) {
            GgufMetadata m = f.metadata();
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64.max", "u64", "i64", "f32", "f32.nan", "f64",
                    "yes", "no", "empty", "unicode"), List.copyOf(m.keys()));
            assertEquals(255, m.getInt("u8"));
            assertEquals(-128, m.getInt("i8"));
            assertEquals(65_535, m.getInt("u16"));
            assertEquals(-32_768, m.getInt("i16"));
            assertEquals(4_294_967_295L, m.getLong("u32"));
            assertEquals(Integer.MIN_VALUE, m.getInt("i32"));
            assertEquals(Long.MAX_VALUE, m.getLong("u64"));
            assertEquals(Long.MIN_VALUE, m.getLong("i64"));
            assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(m.getFloat("f32")));
            assertEquals(0x7fc00001, Float.floatToRawIntBits((Float) m.raw("f32.nan")));
            assertEquals(Math.PI, m.getDouble("f64"));
            assertEquals((float) Math.PI, m.getFloat("f64"));
            assertTrue(m.getBoolean("yes"));
            assertFalse(m.getBoolean("no", true));
            assertEquals("", m.getString("empty"));
            assertEquals("héllo ▁wörld 👋\u0000end", m.getString("unicode"));
            // raw() keeps stored bits in the same-width Java type
            assertEquals((byte) 0xFF, m.raw("u8"));
            assertEquals(-1, m.raw("u32"));
            assertEquals(-1L, m.raw("u64.max"));
            for (String k : m.keys()) {
                assertEquals(GgufValueType.valueOf(typeOf(k)), m.type(k), k);
            }
        }
    }

    private static String typeOf(String key) {
        return switch (key) {
            case "u8" -> "UINT8"; case "i8" -> "INT8"; case "u16" -> "UINT16"; case "i16" -> "INT16";
            case "u32" -> "UINT32"; case "i32" -> "INT32"; case "u64.max", "u64" -> "UINT64"; case "i64" -> "INT64";
            case "f32", "f32.nan" -> "FLOAT32"; case "f64" -> "FLOAT64"; case "yes", "no" -> "BOOL";
            default -> "STRING";
        };
    }

    /** The ids of the GGUF specification (ggml docs/gguf.md, enum gguf_metadata_value_type). */
    @Test
    void valueTypeIdsAreThoseOfTheSpecification() {
        String[] spec = {"UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32", "BOOL", "STRING", "ARRAY",
            "UINT64", "INT64", "FLOAT64"};
        for (int id = 0; id < spec.length; id++) {
            assertEquals(spec[id], GgufValueType.byId(id).name());
            assertEquals(id, GgufValueType.valueOf(spec[id]).id());
        }
        assertEquals(null, GgufValueType.byId(13));
        assertEquals(null, GgufValueType.byId(-1));
    }

    @Test
    void uint64AboveLongMaxIsAnErrorNamingTheKey() throws IOException {
        try (GgufFile f = roundTrip(new GgufWriter().putUInt64("big.count", -2L))) {
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> f.metadata().getLong("big.count"));
            assertTrue(e.getMessage().contains("'big.count'") && e.getMessage().contains("18446744073709551614"), e.getMessage());
            assertEquals(1.8446744073709552e19, f.metadata().getDouble("big.count"));
        }
    }

    @Test
    void everyArrayElementTypeRoundTrips() throws IOException {
        GgufWriter w = new GgufWriter()
                .putArray("a.u8", GgufValueType.UINT8, new byte[] {0, 1, (byte) 255})
                .putArray("a.i8", GgufValueType.INT8, new byte[] {-128, 0, 127})
                .putArray("a.u16", GgufValueType.UINT16, new short[] {0, (short) 65_535})
                .putArray("a.i16", GgufValueType.INT16, new short[] {-32_768, 32_767})
                .putIntArray("a.u32", GgufValueType.UINT32, 0, 7, Integer.MAX_VALUE)
                .putIntArray("a.i32", GgufValueType.INT32, -1, 0, 1)
                .putArray("a.u64", GgufValueType.UINT64, new long[] {0, Long.MAX_VALUE})
                .putArray("a.i64", GgufValueType.INT64, new long[] {Long.MIN_VALUE, 5})
                .putFloatArray("a.f32", 1.5f, -2f, Float.NaN)
                .putArray("a.f64", GgufValueType.FLOAT64, new double[] {1e300, -0.5})
                .putArray("a.bool", GgufValueType.BOOL, new boolean[] {true, false, true})
                .putStringArray("a.str", "a", "", "▁the", "<0x0A>")
                .putArray("a.empty", GgufValueType.INT32, new int[0]);
        try (GgufFile f = roundTrip(w)) {
            GgufMetadata m = f.metadata();
            assertArrayEquals(new int[] {0, 1, 255}, m.getIntArray("a.u8"));
            assertArrayEquals(new int[] {-128, 0, 127}, m.getIntArray("a.i8"));
            assertArrayEquals(new int[] {0, 65_535}, m.getIntArray("a.u16"));
            assertArrayEquals(new int[] {-32_768, 32_767}, m.getIntArray("a.i16"));
            assertArrayEquals(new int[] {0, 7, Integer.MAX_VALUE}, m.getIntArray("a.u32"));
            assertArrayEquals(new int[] {-1, 0, 1}, m.getIntArray("a.i32"));
            assertArrayEquals(new long[] {0, Long.MAX_VALUE}, m.getLongArray("a.u64"));
            assertArrayEquals(new long[] {Long.MIN_VALUE, 5}, m.getLongArray("a.i64"));
            assertArrayEquals(new float[] {1.5f, -2f, Float.NaN}, m.getFloatArray("a.f32"));
            assertArrayEquals(new double[] {1e300, -0.5}, (double[]) m.raw("a.f64"));
            assertArrayEquals(new boolean[] {true, false, true}, (boolean[]) m.raw("a.bool"));
            assertArrayEquals(new String[] {"a", "", "▁the", "<0x0A>"}, m.getStringArray("a.str"));
            assertArrayEquals(new int[0], m.getIntArray("a.empty"));
            assertEquals(GgufValueType.UINT16, m.arrayElementType("a.u16"));
            assertInstanceOf(byte[].class, m.raw("a.u8"));
            assertInstanceOf(short[].class, m.raw("a.i16"));
            assertInstanceOf(int[].class, m.raw("a.u32"));
            assertInstanceOf(long[].class, m.raw("a.u64"));
            for (String k : m.keys()) {
                assertEquals(GgufValueType.ARRAY, m.type(k));
            }
        }
    }

    @Test
    void nestedArraysRoundTripWithTheirInnerElementTypes() throws IOException {
        GgufArray ints = new GgufArray(GgufValueType.UINT32, new int[] {1, 2, 3});
        GgufArray strs = new GgufArray(GgufValueType.STRING, new String[] {"x", "yz"});
        GgufArray emptyF = new GgufArray(GgufValueType.FLOAT32, new float[0]);
        GgufArray inner = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {ints, emptyF});
        GgufArray outer = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {inner, strs});
        try (GgufFile f = roundTrip(new GgufWriter()
                .putArray("nested.mixed", GgufValueType.ARRAY, new GgufArray[] {ints, strs, emptyF})
                .put("nested.deep", GgufValueType.ARRAY, outer))) {
            GgufMetadata m = f.metadata();
            assertEquals(new GgufArray(GgufValueType.ARRAY, new GgufArray[] {ints, strs, emptyF}), m.array("nested.mixed"));
            assertEquals(outer, m.array("nested.deep"));
            Object[] raw = (Object[]) m.raw("nested.deep");
            Object[] rawInner = (Object[]) raw[0];
            assertArrayEquals(new int[] {1, 2, 3}, (int[]) rawInner[0]);
            assertArrayEquals(new float[0], (float[]) rawInner[1]);
            assertArrayEquals(new String[] {"x", "yz"}, (String[]) raw[1]);
            assertEquals(GgufValueType.FLOAT32,
                    ((GgufArray[]) m.array("nested.mixed").values())[2].elementType(), "an empty inner array keeps its type");
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> m.getIntArray("nested.mixed"));
            assertTrue(e.getMessage().contains("'nested.mixed'"), e.getMessage());
        }
    }

    @Test
    void typedGettersNameKeyExpectedAndActualType() throws IOException {
        try (GgufFile f = roundTrip(new GgufWriter().putString("s", "x").putFloatArray("fa", 1f)
                .putIntArray("big", GgufValueType.UINT32, Integer.MAX_VALUE).putArray("neg", GgufValueType.UINT32,
                        new int[] {-1}).putUInt32("u", 3_000_000_000L))) {
            GgufMetadata m = f.metadata();
            String msg = assertThrows(GgufFormatException.class, () -> m.getInt("s")).getMessage();
            assertTrue(msg.contains("'s'") && msg.contains("integer") && msg.contains("STRING"), msg);
            msg = assertThrows(GgufFormatException.class, () -> m.getInt("s", 4)).getMessage();
            assertTrue(msg.contains("'s'"), msg);
            msg = assertThrows(GgufFormatException.class, () -> m.getString("absent")).getMessage();
            assertTrue(msg.contains("'absent'") && msg.contains("missing") && msg.contains("STRING"), msg);
            msg = assertThrows(GgufFormatException.class, () -> m.getStringArray("fa")).getMessage();
            assertTrue(msg.contains("'fa'") && msg.contains("STRING") && msg.contains("FLOAT32"), msg);
            msg = assertThrows(GgufFormatException.class, () -> m.getStringArray("s")).getMessage();
            assertTrue(msg.contains("'s'") && msg.contains("array of STRING"), msg);
            msg = assertThrows(GgufFormatException.class, () -> m.getIntArray("neg")).getMessage();
            assertTrue(msg.contains("'neg'") && msg.contains("4294967295"), msg);
            msg = assertThrows(GgufFormatException.class, () -> m.getInt("u")).getMessage();
            assertTrue(msg.contains("'u'") && msg.contains("3000000000"), msg);
            msg = assertThrows(GgufFormatException.class, () -> m.getBoolean("s", false)).getMessage();
            assertTrue(msg.contains("'s'") && msg.contains("BOOL"), msg);
            assertEquals(7, m.getInt("absent", 7));
            assertEquals("d", m.getString("absent", "d"));
            assertEquals(3e9f, m.getFloat("u"));
            assertArrayEquals(new long[] {4_294_967_295L}, m.getLongArray("neg"));
        }
    }

    @Test
    void arraysHandedOutAreCopies() throws IOException {
        try (GgufFile f = roundTrip(new GgufWriter().putStringArray("t", "a", "b"))) {
            f.metadata().getStringArray("t")[0] = "changed";
            ((String[]) f.metadata().raw("t"))[1] = "changed";
            assertArrayEquals(new String[] {"a", "b"}, f.metadata().getStringArray("t"));
        }
    }

    @Test
    void tensorsOfSeveralTypesAreAlignedAndReadBackByteForByte() throws IOException {
        Random rnd = new Random(7);
        byte[] f32 = random(rnd, 4 * 3 * 5);
        byte[] f16 = random(rnd, 2 * 7);
        byte[] q40 = random(rnd, 18 * 2 * 3);  // [64, 3]: 2 blocks per row
        byte[] q4k = random(rnd, 144);         // [256]
        byte[] empty = new byte[0];
        for (int alignment : new int[] {32, 64, 1, 4096}) {
            GgufWriter w = new GgufWriter().alignment(alignment).putString("general.architecture", "test")
                    .addTensor("a.f32", GgmlType.F32, new long[] {3, 5}, f32)
                    .addTensor("b.f16", GgmlType.F16, new long[] {7}, f16)
                    .addTensor("c.empty", GgmlType.F32, new long[] {0, 4}, empty)
                    .addTensor("d.q4_0", GgmlType.Q4_0, new long[] {64, 3, 1, 1}, q40)
                    .addTensor("e.q4_k", GgmlType.Q4_K, new long[] {256}, q4k);
            try (GgufFile f = roundTrip(w)) {
                assertEquals(alignment, f.alignment());
                assertEquals(alignment, f.metadata().getInt("general.alignment"));
                assertEquals(0, f.dataOffset() % alignment);
                assertEquals(List.of("a.f32", "b.f16", "c.empty", "d.q4_0", "e.q4_k"),
                        f.tensors().stream().map(GgufTensorInfo::name).toList());
                for (GgufTensorInfo t : f.tensors()) {
                    assertEquals(0, t.offset() % alignment, t.name());
                }
                assertBytes(f32, f.tensor("a.f32"));
                assertBytes(f16, f.tensor("b.f16"));
                assertBytes(empty, f.tensor("c.empty"));
                assertBytes(q40, f.tensor("d.q4_0"));
                assertBytes(q4k, f.tensor("e.q4_k"));
                assertArrayEquals(new long[] {64, 3, 1, 1}, f.tensor("d.q4_0").dims());
                assertEquals(3, f.tensor("d.q4_0").rows());
                GgufRealFilesTest.assertDataEndsAtEndOfFile(f);
            }
        }
    }

    @Test
    void largeSegmentTensorIsStreamedInChunks() throws IOException {
        long n = (20L << 20) / 4 + 3; // 20 MiB + 12 bytes of F32: more than two write chunks
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(n * 4, 4);
            for (long i = 0; i < n; i++) {
                src.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) i);
            }
            Path p = dir.resolve("big.gguf");
            new GgufWriter().addTensor("big", GgmlType.F32, new long[] {n}, src).addTensor("tail", GgmlType.F32,
                    new long[] {1}, new byte[4]).write(p);
            try (GgufFile f = GgufFile.open(p)) {
                Tensor t = f.tensor("big");
                assertEquals(-1, t.data().mismatch(src));
                assertEquals((float) (n - 1), t.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, n - 1));
            }
        }
        assertFalse(Files.exists(dir.resolve("big.gguf.tmp")));
    }

    /**
     * Copying stories260K's metadata and tensors through the writer reproduces the original file byte for
     * byte: our layout (order, alignment, padding) is the one llama.cpp's gguf-py wrote.
     */
    @Test
    void rewritingStories260KReproducesTheOriginalBytes() throws IOException {
        Path out = dir.resolve("copy.gguf");
        try (GgufFile src = GgufFile.open(GgufRealFilesTest.STORIES)) {
            GgufWriter w = new GgufWriter();
            for (String key : src.metadata().keys()) {
                w.copy(src.metadata(), key);
            }
            for (GgufTensorInfo t : src.tensors()) {
                w.addTensor(t.name(), t.type(), t.dims(), src.tensor(t).data());
            }
            w.write(out);
        }
        assertEquals(-1, Files.mismatch(out, GgufRealFilesTest.STORIES));
    }

    @Test
    void writerRefusesWhatTheReaderWouldRefuse() {
        GgufWriter w = new GgufWriter().putString("k", "v").addTensor("t", GgmlType.F32, new long[] {2}, new byte[8]);
        assertThrows(IllegalArgumentException.class, () -> w.putString("k", "again"));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {2}, new byte[8]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("u", GgmlType.F32, new long[] {3}, new byte[8]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("u", GgmlType.Q8_0, new long[] {16}, new byte[17]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("u", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("u", GgmlType.F32, new long[0], new byte[4]));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("u", GgmlType.F32, new long[] {Long.MAX_VALUE, 4}, new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt8("x", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putInt8("x", -129));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("x", -1));
        assertThrows(IllegalArgumentException.class, () -> w.putIntArray("x", GgufValueType.UINT16, 70_000));
        assertThrows(IllegalArgumentException.class, () -> w.putIntArray("x", GgufValueType.UINT32, -5));
        assertThrows(IllegalArgumentException.class, () -> w.put("x", GgufValueType.STRING, 5));
        assertThrows(IllegalArgumentException.class, () -> w.put("x", GgufValueType.INT32, 1.5));
        assertThrows(IllegalArgumentException.class, () -> w.putArray("x", GgufValueType.INT32, new long[1]));
        assertThrows(IllegalArgumentException.class, () -> w.alignment(48));
        assertThrows(IllegalArgumentException.class, () -> w.put("general.alignment", GgufValueType.UINT64, 64L));
        // the name refused above is still free
        w.addTensor("u", GgmlType.F32, new long[] {1}, new byte[4]);
    }

    @Test
    void vocabOnlyFileHasNoPaddingAfterTheHeader() throws IOException {
        GgufWriter w = new GgufWriter().putString("a", "b");
        byte[] bytes = w.toByteArray();
        assertEquals(24 + 8 + 1 + 4 + 8 + 1, bytes.length);
        try (GgufFile f = GgufFile.parse(MemorySegment.ofArray(bytes), "mem")) {
            assertEquals(0, f.tensors().size());
            assertEquals(0, f.data().byteSize());
            assertEquals("b", f.metadata().getString("a"));
        }
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static void assertBytes(byte[] expected, Tensor t) {
        assertArrayEquals(expected, t.data().toArray(ValueLayout.JAVA_BYTE), t.name());
    }
}
