package io.stellarchat.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.engine.model.synth.SyntheticModelWriter;
import io.stellarchat.engine.model.synth.SyntheticShape;
import io.stellarchat.engine.model.synth.SyntheticType;
import io.stellarchat.engine.model.synth.SyntheticUnigramVocabulary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SentencePiece Unigram tokenizer ({@code tokenizer.ggml.model = t5}) against llama.cpp: the synthetic
 * XLM-R-style and plain Unigram vocabularies are written again from their seed, and every text of
 * {@code llamacpp-unigram-tokens.json} must tokenize to exactly the ids llama.cpp's {@code llama-tokenize} gave for
 * the same files (the file says how they were made). The texts cover leading, trailing and repeated spaces,
 * tabs and newlines, accents (precomposed and combining), CJK, Cyrillic, Greek, Korean, emoji, characters no
 * piece covers (runs of them become one unknown token), the charsmap's replacements and deletion, and the
 * user-defined, unused, byte and control pieces.
 */
class UnigramTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode reference;

    @TempDir
    static Path dir;

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = UnigramTokenizerTest.class.getResourceAsStream("llamacpp-unigram-tokens.json")) {
            reference = JSON.readTree(in);
        }
    }

    private static Path write(SyntheticUnigramVocabulary.Style style) throws IOException {
        Path file = dir.resolve("unigram-" + style + ".gguf");
        new SyntheticModelWriter("bert", SyntheticShape.of("bert", "tiny-rerank"), SyntheticType.parse("f32"),
                reference.get("seed").asLong()).writeWithUnigramVocabulary(style, file);
        return file;
    }

    @ParameterizedTest
    @EnumSource(SyntheticUnigramVocabulary.Style.class)
    void tokenizesExactlyAsLlamaCpp(SyntheticUnigramVocabulary.Style style) throws IOException {
        Tokenizer tok = TestVocab.tokenizer(write(style));
        JsonNode texts = reference.get("texts");
        JsonNode expected = reference.get("expected").get(style.name());
        assertEquals(texts.size(), expected.size());
        Set<Integer> seen = new HashSet<>();
        int mismatches = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i).asText();
            int[] want = new int[expected.get(i).size()];
            for (int k = 0; k < want.length; k++) {
                want[k] = expected.get(i).get(k).asInt();
                seen.add(want[k]);
            }
            int[] got = tok.encode(text, tok.addsBos(), true); // llama-tokenize adds specials iff the model adds BOS
            if (!java.util.Arrays.equals(want, got)) {
                mismatches++;
                report.append("\n  ").append(JSON.writeValueAsString(text)).append(": want ")
                        .append(java.util.Arrays.toString(want)).append(", got ").append(java.util.Arrays.toString(got));
            }
        }
        assertEquals(0, mismatches, style + ": " + mismatches + " texts differ from llama.cpp:" + report);
        // The vectors reach the interesting cases: unknown, user-defined and unused pieces.
        assertTrue(seen.contains(3), "some text has an unknown token");
        assertTrue(seen.contains(tok.encode("<url>", false, false)[0]), "some text has the user-defined piece");
    }

    @Test
    void xlmRobertaStyleSpecialsAndFlags() throws IOException {
        Path file = write(SyntheticUnigramVocabulary.Style.XLMR);
        Vocabulary v = TestVocab.load(file);
        assertEquals("t5", v.model());
        assertEquals(OptionalInt.of(0), v.special().bos());
        assertEquals(OptionalInt.of(2), v.special().eos());
        assertEquals(OptionalInt.of(3), v.special().unk());
        assertEquals(OptionalInt.of(2), v.special().sep());
        assertEquals(OptionalInt.of(1), v.special().pad());
        assertTrue(v.flags().addBos() && v.flags().addEos() && v.flags().addSpacePrefix()
                && v.flags().removeExtraWhitespaces());
        assertTrue(v.charsmap().length > 4);
        Tokenizer tok = Tokenizer.create(v);
        int[] ids = tok.encode("Hello world", true, false);
        assertEquals(0, ids[0]);
        assertEquals(2, ids[ids.length - 1]);
        assertEquals(" Hello world", tok.decode(ids, true), "llama.cpp keeps the space of the word after BOS");
        assertEquals("<s> Hello world</s>", tok.decode(ids, false));
        // Unknown characters in a row are one unknown token.
        int[] unk = tok.encode("QZX", false, false);
        assertEquals(3, unk[unk.length - 1]);
        assertEquals(1, java.util.Arrays.stream(unk).filter(t -> t == 3).count());
        // Each text fragment between special tokens is normalised alone (its own dummy prefix).
        int[] split = tok.encode("hello</s>hello", false, true);
        assertEquals(split[0], split[split.length - 1]);
    }

    @Test
    void plainStyleDefaultsOfT5() throws IOException {
        Vocabulary v = TestVocab.load(write(SyntheticUnigramVocabulary.Style.PLAIN));
        assertTrue(v.special().bos().isEmpty(), "t5 has no BOS by default");
        assertFalse(v.flags().addBos());
        assertTrue(v.flags().addEos(), "t5 adds EOS by default");
        assertFalse(v.flags().addSpacePrefix());
        assertEquals(0, v.charsmap().length);
        Tokenizer tok = Tokenizer.create(v);
        int[] ids = tok.encode("a", true, false);
        assertArrayEquals(new int[] {tok.encode("a", false, false)[0], 2}, ids, "EOS added, no BOS");
        String text = "  two  spaces ";
        assertEquals(text, tok.decode(tok.encode(text, false, false), false), "spaces survive without the charsmap");
    }

    @Test
    void malformedCharsmapIsAClearError() {
        byte[] blob = {(byte) 0xFF, 0x7F, 0, 0, 1, 2, 3};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new UnigramEncoder(new String[] {"<unk>", "a"}, new int[] {2, 1}, new float[] {0, -1}, 0,
                        true, true, blob));
        assertTrue(e.getMessage().contains("precompiled_charsmap"), e.getMessage());
        // An array whose root points outside itself: rejected when it is read, not a crash.
        byte[] outside = new byte[12];
        outside[0] = 4;
        outside[4 + 3] = 0x7F; // root base far beyond the one entry
        outside[8] = 'x';
        UnigramEncoder enc = new UnigramEncoder(new String[] {"<unk>", "a"}, new int[] {2, 1}, new float[] {0, -1}, 0,
                true, true, outside);
        IntList out = new IntList();
        enc.encode("a", out);
        assertArrayEquals(new int[] {0, 1}, out.toArray(), "▁ is not a piece: unknown, then a");
        assertEquals("\u2581a", new String(enc.normalize("a".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        // A charsmap with one key, "x": valid, it deletes x; with its replacement offset outside the strings it
        // is rejected at load, whatever text comes later.
        UnigramEncoder deleting = new UnigramEncoder(new String[] {"<unk>", "a"}, new int[] {2, 1}, new float[] {0, -1},
                0, false, false, charsmapOfX(0));
        assertEquals("ab", new String(deleting.normalize("xaxbx".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        e = assertThrows(IllegalArgumentException.class, () -> new UnigramEncoder.Charsmap(charsmapOfX(99)));
        assertTrue(e.getMessage().contains("replacement offset 99"), e.getMessage());
    }

    @Test
    void badUnigramMetadataIsAClearError() throws IOException {
        io.stellarchat.engine.gguf.GgufWriter w = tinyT5();
        w.putFloatArray("tokenizer.ggml.precompiled_charsmap", 1f, 2f);
        Path wrongType = dir.resolve("charsmap-floats.gguf");
        w.write(wrongType);
        io.stellarchat.engine.gguf.GgufFormatException f = assertThrows(
                io.stellarchat.engine.gguf.GgufFormatException.class, () -> TestVocab.tokenizer(wrongType));
        assertTrue(f.getMessage().contains("precompiled_charsmap"), f.getMessage());

        Path noUnk = dir.resolve("no-unk.gguf");
        tinyT5().write(noUnk); // two pieces: t5's default unknown id 2 is outside, and the file names none
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestVocab.tokenizer(noUnk));
        assertTrue(e.getMessage().contains("unknown_token_id"), e.getMessage());
    }

    private static io.stellarchat.engine.gguf.GgufWriter tinyT5() {
        io.stellarchat.engine.gguf.GgufWriter w = new io.stellarchat.engine.gguf.GgufWriter();
        w.putString("general.architecture", "bert");
        w.putString("tokenizer.ggml.model", "t5");
        w.putStringArray("tokenizer.ggml.tokens", "<pad>", "</s>");
        w.putFloatArray("tokenizer.ggml.scores", 0f, 0f);
        return w;
    }

    /** A double array whose only key is "x" (a leaf), its value entry pointing at {@code offset} of "\0\0". */
    private static byte[] charsmapOfX(int offset) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * 512 + 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 4 * 512);
        b.putInt(4, 256 << 10); // the root entry: its children at 256 ^ c
        int leaf = 256 ^ 'x';
        b.putInt(4 + 4 * leaf, ((leaf ^ 300) << 10) | (1 << 8) | 'x'); // label x, leaf, value entry at 300
        b.putInt(4 + 4 * 300, 0x80000000 | offset);
        return b.array();
    }
}
