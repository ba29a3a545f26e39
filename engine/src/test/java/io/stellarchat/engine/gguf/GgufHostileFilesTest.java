package io.stellarchat.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per kind of broken or hostile file: each must be refused with a {@link GgufFormatException}
 * whose message names the key, tensor or byte offset at fault — never another exception, an
 * out-of-memory error or a hang. The files are assembled field by field with {@link GgufBytes}.
 */
class GgufHostileFilesTest {

    static final int F32 = GgmlType.F32.id();

    @TempDir
    Path dir;

    /** A valid file each hostile case departs from: one key, one F32 tensor of 8 elements. */
    static GgufBytes validUpToTensors() {
        return GgufBytes.header(3, 1, 1).kvString("general.architecture", "llama");
    }

    static byte[] valid() {
        return validUpToTensors().tensor("t", new long[] {8}, F32, 0).padTo(32).zeros(32).bytes();
    }

    static String refused(byte[] file) {
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> GgufFile.parse(MemorySegment.ofArray(file), "hostile.gguf"));
        assertTrue(e.getMessage().startsWith("hostile.gguf: "), e.getMessage());
        return e.getMessage();
    }

    static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "message should mention '" + p + "': " + message);
        }
    }

    @Test
    void baselineFileIsAccepted() throws IOException {
        try (GgufFile f = GgufFile.parse(MemorySegment.ofArray(valid()), "valid.gguf")) {
            assertEquals(1, f.tensors().size());
            assertEquals(32, f.data().byteSize());
        }
    }

    @Test
    void version2FileIsAccepted() throws IOException {
        byte[] v2 = valid();
        v2[4] = 2;
        try (GgufFile f = GgufFile.parse(MemorySegment.ofArray(v2), "v2.gguf")) {
            assertEquals(2, f.version());
            assertEquals("llama", f.metadata().getString("general.architecture"));
        }
    }

    @Test
    void emptyFile() throws IOException {
        assertMentions(refused(new byte[0]), "truncated", "magic");
        Path empty = Files.createFile(dir.resolve("empty.gguf"));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(empty));
        assertMentions(e.getMessage(), "empty.gguf", "truncated");
    }

    @Test
    void truncatedHeader() {
        byte[] cut = Arrays.copyOf(valid(), 12);
        assertMentions(refused(cut), "truncated", "tensor_count", "byte 8", "ends at byte 12");
    }

    @Test
    void truncatedRealFileThroughOpen() throws IOException {
        byte[] stories = Files.readAllBytes(GgufRealFilesTest.STORIES);
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(stories, 2000));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(cut));
        assertMentions(e.getMessage(), "cut.gguf", "tokenizer.ggml.tokens", "2000");
    }

    @Test
    void truncatedTensorData() {
        byte[] cut = Arrays.copyOf(valid(), valid().length - 1);
        assertMentions(refused(cut), "tensor 't'", "leaves the file");
    }

    @Test
    void notAGgufFile() {
        byte[] ggml = valid();
        ggml[3] = 'L';
        assertMentions(refused(ggml), "not a GGUF file", "47 47 55 4c");
    }

    @Test
    void stringLengthPastTheEnd() {
        byte[] f = GgufBytes.header(3, 0, 1).u64(1_000_000).raw("general.name".getBytes()).bytes();
        assertMentions(refused(f), "string length 1000000", "at byte 24", "metadata entry 0");
    }

    @Test
    void stringLengthOfTwoToThe64MinusOne() {
        byte[] f = GgufBytes.header(3, 0, 1).kvString("k", "v").bytes();
        // overwrite the value's length (after 24 header + 8+1 key + 4 type) with 2^64 - 1
        byte[] bad = GgufBytes.header(3, 0, 1).key("k", GgufValueType.STRING).u64(-1L).raw("v".getBytes()).bytes();
        assertEquals(f.length, bad.length);
        assertMentions(refused(bad), "'k'", "18446744073709551615", "at byte 37");
    }

    @Test
    void tensorOffsetPlusSizeLeavesTheFile() {
        byte[] f = validUpToTensors().tensor("blk.0.attn_q.weight", new long[] {8}, F32, 32).padTo(32).zeros(32).bytes();
        assertMentions(refused(f), "tensor 'blk.0.attn_q.weight'", "data offset 32", "leaves the file");
    }

    @Test
    void tensorOffsetNearTwoToThe62IsRefusedWithoutOverflow() {
        long huge = 1L << 62;
        byte[] f = validUpToTensors().tensor("t", new long[] {8}, F32, huge).padTo(32).zeros(32).bytes();
        assertMentions(refused(f), "tensor 't'", Long.toString(huge), "leaves the file");
    }

    @Test
    void unknownTensorTypeId() {
        byte[] f = validUpToTensors().tensor("w", new long[] {32}, 99, 0).padTo(32).zeros(64).bytes();
        assertMentions(refused(f), "tensor 'w'", "unknown ggml type id 99");
        byte[] retired = validUpToTensors().tensor("w", new long[] {32}, 4, 0).padTo(32).zeros(64).bytes();
        assertMentions(refused(retired), "tensor 'w'", "unknown ggml type id 4");
    }

    @Test
    void unknownValueTypeId() {
        byte[] f = GgufBytes.header(3, 0, 1).str("weird.key").u32(13).u32(0).bytes();
        assertMentions(refused(f), "'weird.key'", "unknown value type id 13", "at byte 41");
    }

    @Test
    void unknownArrayElementTypeId() {
        byte[] f = GgufBytes.header(3, 0, 1).key("arr", GgufValueType.ARRAY).u32(77).u64(1).u32(0).bytes();
        assertMentions(refused(f), "'arr'", "unknown value type id 77");
    }

    @Test
    void dimensionsWhoseProductOverflows() {
        byte[] f = validUpToTensors().tensor("huge", new long[] {1L << 32, 1L << 32}, F32, 0).padTo(32).zeros(32).bytes();
        assertMentions(refused(f), "tensor 'huge'", "overflow");
    }

    @Test
    void byteSizeThatOverflows() {
        byte[] f = validUpToTensors().tensor("huge", new long[] {1L << 62}, F32, 0).padTo(32).zeros(32).bytes();
        assertMentions(refused(f), "tensor 'huge'", "overflow");
    }

    @Test
    void negativeDimension() {
        byte[] f = validUpToTensors().tensor("neg", new long[] {8, -1L}, F32, 0).padTo(32).zeros(32).bytes();
        assertMentions(refused(f), "tensor 'neg'", "dimension 1", "18446744073709551615");
    }

    @Test
    void absurdMetadataCount() {
        byte[] f = GgufBytes.header(3, 0, 1L << 62).kvString("a", "b").bytes();
        assertMentions(refused(f), "metadata_kv_count " + (1L << 62), "impossible");
        byte[] all = GgufBytes.header(3, 0, -1L).kvString("a", "b").bytes();
        assertMentions(refused(all), "metadata_kv_count 18446744073709551615");
    }

    @Test
    void absurdTensorCount() {
        byte[] f = GgufBytes.header(3, 1L << 40, 0).tensor("t", new long[] {8}, F32, 0).bytes();
        assertMentions(refused(f), "tensor_count " + (1L << 40), "impossible");
    }

    @Test
    void absurdArrayCount() {
        byte[] f = GgufBytes.header(3, 0, 1).key("tokenizer.ggml.scores", GgufValueType.ARRAY)
                .u32(GgufValueType.FLOAT32.id()).u64(1L << 40).zeros(64).bytes();
        assertMentions(refused(f), "'tokenizer.ggml.scores'", "array count " + (1L << 40), "64 bytes remain");
    }

    @Test
    void stringArrayCountThatFitsAsBytesButNotAsStrings() {
        // 100 strings cannot fit in 100 bytes (each needs an 8-byte length): refused before allocating
        byte[] f = GgufBytes.header(3, 0, 1).key("tokenizer.ggml.tokens", GgufValueType.ARRAY)
                .u32(GgufValueType.STRING.id()).u64(100).zeros(100).bytes();
        assertMentions(refused(f), "'tokenizer.ggml.tokens'", "array count 100");
    }

    @Test
    void alignmentNotAPowerOfTwo() {
        byte[] f = GgufBytes.header(3, 0, 1).kvU32("general.alignment", 48).bytes();
        assertMentions(refused(f), "'general.alignment'", "48", "power of two");
    }

    @Test
    void alignmentZero() {
        byte[] f = GgufBytes.header(3, 0, 1).kvU32("general.alignment", 0).bytes();
        assertMentions(refused(f), "'general.alignment'", "0", "power of two");
    }

    @Test
    void alignmentOfTheWrongType() {
        byte[] f = GgufBytes.header(3, 0, 1).key("general.alignment", GgufValueType.UINT64).u64(32).bytes();
        assertMentions(refused(f), "'general.alignment'", "UINT32", "UINT64");
    }

    @Test
    void duplicateMetadataKey() {
        byte[] f = GgufBytes.header(3, 0, 2).kvU32("llama.block_count", 1).kvU32("llama.block_count", 2).bytes();
        assertMentions(refused(f), "duplicate metadata key 'llama.block_count'", "at byte 57");
    }

    @Test
    void duplicateTensorName() {
        byte[] f = GgufBytes.header(3, 2, 0).tensor("w", new long[] {8}, F32, 0).tensor("w", new long[] {8}, F32, 32)
                .padTo(32).zeros(64).bytes();
        assertMentions(refused(f), "duplicate tensor name 'w'");
    }

    @Test
    void overlappingTensorOffsets() {
        byte[] f = GgufBytes.header(3, 2, 0).tensor("a", new long[] {16}, F32, 0).tensor("b", new long[] {16}, F32, 32)
                .padTo(32).zeros(96).bytes();
        assertMentions(refused(f), "'a'", "'b'", "overlap");
    }

    @Test
    void misalignedTensorOffset() {
        byte[] f = validUpToTensors().tensor("t", new long[] {8}, F32, 4).padTo(32).zeros(64).bytes();
        assertMentions(refused(f), "tensor 't'", "data offset 4", "alignment 32");
    }

    @Test
    void moreThanFourDimensions() {
        byte[] f = validUpToTensors().tensor("t5", new long[] {8, 1, 1, 1, 1}, F32, 0).padTo(32).zeros(32).bytes();
        assertMentions(refused(f), "tensor 't5'", "n_dims 5");
    }

    @Test
    void zeroDimensions() {
        byte[] f = validUpToTensors().tensor("t0", new long[0], F32, 0).padTo(32).zeros(32).bytes();
        assertMentions(refused(f), "tensor 't0'", "n_dims 0");
    }

    @Test
    void rowLengthNotAWholeNumberOfBlocks() {
        byte[] f = validUpToTensors().tensor("q", new long[] {16, 2}, GgmlType.Q4_0.id(), 0).padTo(32).zeros(64).bytes();
        assertMentions(refused(f), "tensor 'q'", "ne0 = 16", "Q4_0", "32");
    }

    @Test
    void arraysNestedHundredThousandDeepDoNotOverflowTheStack() {
        GgufBytes b = GgufBytes.header(3, 0, 1).key("deep", GgufValueType.ARRAY);
        for (int i = 0; i < 100_000; i++) {
            b.u32(GgufValueType.ARRAY.id()).u64(1);
        }
        assertMentions(refused(b.bytes()), "'deep'", "nested deeper than");
    }

    @Test
    void headerThatWouldExhaustTheHeap() {
        // 100,000 empty strings: 800 kB in the file, several times that as Java objects. With a 1 MiB budget
        // it is refused; the real default (512 MiB) plays the same role for multi-GiB hostile files.
        GgufBytes b = GgufBytes.header(3, 0, 1).key("tokenizer.ggml.tokens", GgufValueType.ARRAY)
                .u32(GgufValueType.STRING.id()).u64(100_000);
        for (int i = 0; i < 100_000; i++) {
            b.u64(0);
        }
        byte[] f = b.bytes();
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> GgufFile.parse(MemorySegment.ofArray(f), "hostile.gguf", 1 << 20));
        assertMentions(e.getMessage(), "'tokenizer.ggml.tokens'", "more than 1 MiB");
        try (GgufFile ok = GgufFile.parse(MemorySegment.ofArray(f), "fine.gguf")) {
            assertEquals(100_000, ok.metadata().getStringArray("tokenizer.ggml.tokens").length);
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void boolByteOtherThanZeroOrOne() {
        byte[] f = GgufBytes.header(3, 0, 1).key("flag", GgufValueType.BOOL).u8(7).bytes();
        assertMentions(refused(f), "'flag'", "BOOL byte 7");
    }

    @Test
    void bigEndianFile() throws IOException {
        byte[] be = Files.readAllBytes(GgufRealFilesTest.STORIES);
        be[4] = 0; // version 3 written big-endian: 00 00 00 03
        be[7] = 3;
        assertMentions(refused(be), "big-endian", "0x3000000", "version 3");
    }

    @Test
    void bigEndianMagic() {
        byte[] f = valid();
        f[0] = 'F';
        f[1] = 'U';
        f[2] = 'G';
        f[3] = 'G';
        assertMentions(refused(f), "big-endian", "magic");
    }

    @Test
    void tensorOffsetNearTwoToThe63() {
        long huge = Long.MAX_VALUE - 31; // a multiple of 32
        byte[] f = validUpToTensors().tensor("t", new long[] {8}, F32, huge).padTo(32).zeros(32).bytes();
        assertMentions(refused(f), "tensor 't'", Long.toString(huge), "beyond 2^63", "leaves the file");
    }

    @Test
    void versionOneHeaderIsTooOld() {
        byte[] v1 = valid();
        v1[4] = 1;
        assertMentions(refused(v1), "version 1", "too old", "re-convert");
    }

    @Test
    void unknownFutureVersion() {
        byte[] v4 = valid();
        v4[4] = 4;
        assertMentions(refused(v4), "unsupported GGUF version 4", "supported: 2, 3");
    }

    @Test
    void dataRegionStartingPastTheEndOfTheFile() {
        byte[] f = validUpToTensors().tensor("t", new long[] {0}, F32, 0).bytes(); // no padding, no data
        assertFalse(f.length % 32 == 0);
        assertMentions(refused(f), "data region starts at byte", "past the end of the file");
    }

    @Test
    void missingFileIsAnIoErrorNotAFormatError() {
        assertThrows(NoSuchFileException.class, () -> GgufFile.open(dir.resolve("absent.gguf")));
        IOException e = assertThrows(IOException.class, () -> GgufFile.open(dir));
        assertFalse(e instanceof GgufFormatException);
    }
}
