package io.stellarchat.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.stellarchat.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutates valid GGUF files thousands of times — flipped bytes, length and count fields set to huge values,
 * type ids set to junk, truncation at random points — and parses each copy from memory. Every copy must
 * either load (and then every tensor slice and metadata value must be readable) or be refused with a
 * {@link GgufFormatException}: never another exception, an out-of-memory error or a hang.
 *
 * <p>The seed is fixed so a failure reproduces; {@code -Dgguf.fuzz.seed=N} explores others.
 */
class GgufFuzzTest {

    static final long SEED = Long.getLong("gguf.fuzz.seed", 20_261_122L);
    static final int ITERATIONS = 3000;

    /** Offsets of the u32 and u64 fields of a GGUF header, found by walking a file known to be valid. */
    record Fields(List<Long> u32, List<Long> u64, long headerEnd) {}

    @Test
    void mutatedStories260KHeadersLoadOrFailWithFormatErrors() throws IOException {
        byte[] pristine = Files.readAllBytes(GgufRealFilesTest.STORIES);
        Outcome o = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> fuzz(pristine, SEED));
        assertEquals(ITERATIONS, o.loaded + o.refused);
        assertTrue(o.refused > ITERATIONS / 4, "mutations should often break the file: " + o);
        assertTrue(o.loaded > ITERATIONS / 20, "some mutations (e.g. inside token text) should still load: " + o);
    }

    /** A small file with every value type, nested arrays and several tensor types: more paths per byte. */
    @Test
    void mutatedRichWriterFilesLoadOrFailWithFormatErrors() throws IOException {
        GgufArray inner = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
            new GgufArray(GgufValueType.INT16, new short[] {1, -2}), new GgufArray(GgufValueType.BOOL, new boolean[] {true})});
        byte[] rich = new GgufWriter().alignment(64)
                .putUInt8("u8", 1).putInt8("i8", -1).putUInt16("u16", 2).putInt16("i16", -2).putUInt32("u32", 3)
                .putInt32("i32", -3).putUInt64("u64", 4).putInt64("i64", -4).putFloat32("f32", 0.5f).putFloat64("f64", 0.25)
                .putBool("b", true).putString("s", "text")
                .putArray("nested", GgufValueType.ARRAY, new GgufArray[] {inner})
                .putStringArray("strs", "a", "bc", "def").putArray("bools", GgufValueType.BOOL, new boolean[] {true, false})
                .putArray("f64s", GgufValueType.FLOAT64, new double[] {1, 2})
                .addTensor("f32", GgmlType.F32, new long[] {4, 2}, new byte[32])
                .addTensor("q8", GgmlType.Q8_0, new long[] {32, 2}, new byte[68])
                .addTensor("q6k", GgmlType.Q6_K, new long[] {256}, new byte[210])
                .toByteArray();
        Outcome o = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> fuzz(rich, SEED + 1));
        assertEquals(ITERATIONS, o.loaded + o.refused);
        assertTrue(o.refused > ITERATIONS / 4, o.toString());
    }

    static final class Outcome {
        int loaded;
        int refused;

        @Override
        public String toString() {
            return loaded + " loaded, " + refused + " refused";
        }
    }

    private static Outcome fuzz(byte[] pristine, long seed) {
        Fields fields = walk(pristine);
        int headerLen = (int) Math.min(pristine.length, fields.headerEnd() + 64);
        byte[] work = pristine.clone();
        MemorySegment whole = MemorySegment.ofArray(work);
        Random rnd = new Random(seed);
        Outcome o = new Outcome();
        for (int i = 0; i < ITERATIONS; i++) {
            System.arraycopy(pristine, 0, work, 0, headerLen); // undo the previous mutation
            long length = work.length;
            String what;
            switch (rnd.nextInt(5)) {
                case 0 -> what = flipBytes(work, headerLen, rnd);
                case 1 -> what = hugeU64(work, fields, rnd, work.length);
                case 2 -> what = junkU32(work, fields, rnd);
                case 3 -> {
                    length = rnd.nextInt(4) == 0 ? rnd.nextLong(work.length + 1) : rnd.nextInt(headerLen + 1);
                    what = "truncate to " + length;
                }
                default -> {
                    what = hugeU64(work, fields, rnd, work.length) + "; " + flipBytes(work, headerLen, rnd);
                    if (rnd.nextBoolean()) {
                        length = rnd.nextLong(work.length + 1);
                        what += "; truncate to " + length;
                    }
                }
            }
            try (GgufFile f = GgufFile.parse(whole.asSlice(0, length), "fuzz")) {
                touchEverything(f);
                o.loaded++;
            } catch (GgufFormatException e) {
                if (e.getMessage() == null || !e.getMessage().startsWith("fuzz: ")) {
                    fail("iteration " + i + " (" + what + "): message does not name the file: " + e.getMessage());
                }
                o.refused++;
            } catch (Throwable t) {
                fail("iteration " + i + " of seed " + seed + " (" + what + ") threw " + t, t);
            }
        }
        return o;
    }

    private static void touchEverything(GgufFile f) throws GgufFormatException {
        for (String key : f.metadata().keys()) {
            f.metadata().raw(key);
        }
        for (GgufTensorInfo t : f.tensors()) {
            Tensor x = f.tensor(t);
            assertEquals(t.byteSize(), x.data().byteSize());
            if (t.byteSize() > 0) {
                x.data().get(ValueLayout.JAVA_BYTE, 0);
                x.data().get(ValueLayout.JAVA_BYTE, t.byteSize() - 1);
            }
        }
    }

    private static String flipBytes(byte[] b, int limit, Random rnd) {
        int n = 1 + rnd.nextInt(8);
        StringBuilder sb = new StringBuilder("flip");
        for (int k = 0; k < n; k++) {
            int p = rnd.nextInt(limit);
            b[p] = rnd.nextBoolean() ? (byte) (b[p] ^ (1 << rnd.nextInt(8))) : (byte) rnd.nextInt(256);
            sb.append(' ').append(p);
        }
        return sb.toString();
    }

    private static String hugeU64(byte[] b, Fields f, Random rnd, long fileLength) {
        long at = f.u64().get(rnd.nextInt(f.u64().size()));
        long[] values = {-1L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 62, 1L << 40, 1L << 32, (1L << 31) - 1, 1L << 31,
            fileLength, fileLength + 1, fileLength - at, rnd.nextLong(), rnd.nextInt(1 << 16), 0};
        long v = values[rnd.nextInt(values.length)];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong((int) at, v);
        return "u64 at " + at + " = " + Long.toUnsignedString(v);
    }

    private static String junkU32(byte[] b, Fields f, Random rnd) {
        long at = f.u32().get(rnd.nextInt(f.u32().size()));
        int[] values = {-1, 0, 1, 4, 5, 9, 12, 13, 40, 99, Integer.MAX_VALUE, rnd.nextInt(), rnd.nextInt(64)};
        int v = values[rnd.nextInt(values.length)];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt((int) at, v);
        return "u32 at " + at + " = " + Integer.toUnsignedString(v);
    }

    /** Records where each u32/u64 field of a valid file is, so mutations hit real fields. */
    static Fields walk(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> u32 = new ArrayList<>();
        List<Long> u64 = new ArrayList<>();
        u32.add(4L); // version
        u64.add(8L); // tensor_count
        u64.add(16L); // metadata_kv_count
        long tensors = b.getLong(8);
        long kvs = b.getLong(16);
        int[] pos = {24};
        for (long i = 0; i < kvs; i++) {
            skipString(b, pos, u64); // key
            u32.add((long) pos[0]);
            int type = b.getInt(pos[0]);
            pos[0] += 4;
            skipValue(b, pos, type, u32, u64);
        }
        for (long i = 0; i < tensors; i++) {
            skipString(b, pos, u64);
            u32.add((long) pos[0]);
            int nDims = b.getInt(pos[0]);
            pos[0] += 4;
            for (int d = 0; d < nDims; d++) {
                u64.add((long) pos[0]);
                pos[0] += 8;
            }
            u32.add((long) pos[0]); // ggml type
            pos[0] += 4;
            u64.add((long) pos[0]); // offset
            pos[0] += 8;
        }
        return new Fields(u32, u64, pos[0]);
    }

    private static void skipString(ByteBuffer b, int[] pos, List<Long> u64) {
        u64.add((long) pos[0]);
        pos[0] += 8 + (int) b.getLong(pos[0]);
    }

    private static void skipValue(ByteBuffer b, int[] pos, int type, List<Long> u32, List<Long> u64) {
        GgufValueType t = GgufValueType.byId(type);
        switch (t) {
            case STRING -> skipString(b, pos, u64);
            case ARRAY -> {
                u32.add((long) pos[0]);
                int elementType = b.getInt(pos[0]);
                u64.add((long) pos[0] + 4);
                long n = b.getLong(pos[0] + 4);
                pos[0] += 12;
                for (long k = 0; k < n; k++) {
                    skipValue(b, pos, elementType, u32, u64);
                }
            }
            default -> pos[0] += t.minEncodedSize();
        }
    }
}
