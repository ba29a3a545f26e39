package io.stellarchat.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.stellarchat.engine.tensor.Tensor;
import io.stellarchat.engine.tokenizer.Tokenizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;

/**
 * Coverage-guided fuzzing of the GGUF reader (Jazzer): any bytes parsed as a GGUF file either load — and then
 * every metadata value and every tensor slice can be read, and the vocabulary, if any, builds or is refused
 * with an {@link IllegalArgumentException} — or are refused with a {@link GgufFormatException} naming the source.
 * Never another exception, an {@link OutOfMemoryError}, a hang, or an allocation out of proportion to the input.
 *
 * <p>Seeds: {@code src/test/resources/io/stellarchat/engine/gguf/GgufReaderFuzzTestInputs/}, small files with
 * every value type, nested arrays, tensors of several types and a tiny vocabulary (written by
 * {@link GgufFuzzSeeds}). Without {@code JAZZER_FUZZ} the seeds run as a regression test; {@code ./stellar fuzz
 * gguf --time 30m} fuzzes.
 *
 * <p>{@link GgufFuzzTest} is the seeded-random mutation test over the real model files; this one is guided by
 * coverage and starts from small files so that it reaches every branch of the reader quickly.
 */
class GgufReaderFuzzTest {

    /**
     * The reader's heap budget for these inputs: small, so that the budget check itself is exercised (an input
     * of a few KiB cannot reach the default 512 MiB).
     */
    static final long HEAP_BUDGET = 256L << 10;
    /**
     * Most bytes one parse may allocate on the heap: a fixed allowance (the header's lists and maps, exception
     * messages, and the first use of a code path — class loading and call-site linking, which the fuzzer's
     * instrumentation makes costlier) plus a multiple of the input's size. The reader checks every count against
     * the bytes left before it allocates, so this holds for any input; a count trusted before validation (an
     * array of 2^31 entries from a 4 KiB file) breaks it by orders of magnitude.
     */
    static final long ALLOCATION_BASE = 32L << 20;
    static final long ALLOCATION_PER_INPUT_BYTE = 256;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static {
        // Load and initialise the reader's classes once (the seeds reach all of them), so that what is measured
        // below is the parse's own allocation rather than the JVM's (and the fuzzer's instrumentation's) first use
        // of a class.
        try {
            for (byte[] seed : GgufFuzzSeeds.seeds().values()) {
                try (GgufFile f = GgufFile.parse(MemorySegment.ofArray(seed), "warm-up", HEAP_BUDGET)) {
                    touchEverything(f);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void anyBytesLoadOrFailWithAFormatException(byte[] input) {
        GgufFile f;
        try {
            f = parse(input);
        } catch (GgufFormatException e) {
            assertTrue(e.getMessage() != null && e.getMessage().startsWith("fuzz: "),
                    "a format error names its source: " + e.getMessage());
            return;
        }
        try (f) {
            touchEverything(f);
        }
    }

    /** Parses {@code input}, checking that the parse allocated no more than its bound, whatever its outcome. */
    private static GgufFile parse(byte[] input) throws GgufFormatException {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            return GgufFile.parse(MemorySegment.ofArray(input), "fuzz", HEAP_BUDGET);
        } finally {
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            long bound = ALLOCATION_BASE + ALLOCATION_PER_INPUT_BYTE * input.length;
            assertTrue(allocated <= bound, "parsing " + input.length + " bytes allocated " + allocated + " bytes (bound " + bound + ")");
        }
    }

    /** Reads every value and tensor of a file that loaded: none may fail. */
    private static void touchEverything(GgufFile f) {
        GgufMetadata metadata = f.metadata();
        for (String key : metadata.keys()) {
            try {
                metadata.raw(key);
            } catch (GgufFormatException e) {
                fail("a value of a file that loaded cannot be read: " + e.getMessage(), e);
            }
        }
        for (GgufTensorInfo t : f.tensors()) {
            Tensor x = f.tensor(t);
            assertEquals(t.byteSize(), x.data().byteSize());
            if (t.byteSize() > 0) {
                x.data().get(ValueLayout.JAVA_BYTE, 0);
                x.data().get(ValueLayout.JAVA_BYTE, t.byteSize() - 1);
            }
        }
        if (metadata.has("tokenizer.ggml.model")) {
            try {
                Tokenizer tok = Tokenizer.fromGguf(metadata);
                tok.decode(tok.encode("Hi <s> there", true, true), false);
            } catch (IllegalArgumentException e) {
                // an unsupported or inconsistent vocabulary: refused precisely, as Tokenizer.create documents
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a vocabulary error says why");
            } catch (GgufFormatException e) {
                // a tokenizer.* key of the wrong type, as Tokenizer.fromGguf documents: the message names the key
                assertTrue(e.getMessage().contains("tokenizer."), "a type error names the key: " + e.getMessage());
            }
        }
    }
}
