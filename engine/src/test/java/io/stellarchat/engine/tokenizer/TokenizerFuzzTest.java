package io.stellarchat.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Coverage-guided fuzzing of encode and decode (Jazzer) over the real vocabularies of the shared small models —
 * stories260K's 512-token SentencePiece, Llama-2's 32k SentencePiece, GPT-2's byte-level BPE, BERT's WordPiece —
 * and the Llama-3 and Qwen2 byte-level BPE vocabularies (their regex pre-tokenizers) of the shared test data.
 *
 * <p>One input is: a byte choosing the vocabulary and the flags, then the text — as UTF-8 (malformed bytes become
 * U+FFFD) or, with one flag, as UTF-16 code units, so that unpaired surrogates reach the tokenizer too. For every
 * input:
 * <ul>
 *   <li>encode never throws and every id is inside the vocabulary;</li>
 *   <li>round trip where it is defined (a tokenizer that does not normalize text, special tokens not parsed):
 *       decoding the ids gives the text back — its UTF-8 form, with llama.cpp's space clean-up where the vocabulary
 *       asks for it, and with SentencePiece's space symbol U+2581 read back as a space;</li>
 *   <li>the streaming detokenizer gives, piece by piece, well-formed text that adds up to the UTF-8 decoding of
 *       the ids' bytes;</li>
 *   <li>the same bytes read as token ids decode without error when inside the vocabulary, and are refused with an
 *       {@link IllegalArgumentException} when not.</li>
 * </ul>
 *
 * <p>Seeds: {@code src/test/resources/io/stellarchat/engine/tokenizer/TokenizerFuzzTestInputs/}. {@code ./stellar
 * fuzz tokenizer --time 30m} fuzzes.
 */
class TokenizerFuzzTest {
    static final Path SHARED = VocabVectorsTest.SHARED;
    /** The vocabularies, in the order the first input byte picks them. */
    static final List<Tokenizer> VOCABS = List.of(
            load(SHARED.resolve("models/stories260K.gguf")),
            load(SHARED.resolve("models/vocab/ggml-vocab-llama-spm.gguf")),
            load(SHARED.resolve("models/vocab/ggml-vocab-gpt-2.gguf")),
            load(SHARED.resolve("models/vocab/ggml-vocab-bert-bge.gguf")),
            load(VocabVectorsTest.VOCABS.resolve("llama3-bpe-vocab.rebuilt.gguf")),
            load(VocabVectorsTest.VOCABS.resolve("qwen2-bpe-vocab.rebuilt.gguf")));

    /** VOCABS below this index are SentencePiece vocabularies. */
    private static final int SENTENCE_PIECE = 2;
    private static final int ADD_SPECIAL = 1 << 3;
    private static final int PARSE_SPECIAL = 1 << 4;
    private static final int UTF16 = 1 << 5;
    private static final int RENDER_SPECIAL = 1 << 6;

    private static Tokenizer load(Path file) {
        try {
            return Tokenizer.create(TestVocab.load(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void encodeDecodeRoundTripsAndNeverFails(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int flags = input[0] & 0xFF;
        Tokenizer tok = VOCABS.get((flags & 7) % VOCABS.size());
        String text = (flags & UTF16) != 0
                ? new String(input, 1, (input.length - 1) & ~1, StandardCharsets.UTF_16LE)
                : new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
        boolean addSpecial = (flags & ADD_SPECIAL) != 0;
        boolean parseSpecial = (flags & PARSE_SPECIAL) != 0;

        int[] ids = tok.encode(text, addSpecial, parseSpecial);
        for (int id : ids) {
            assertTrue(id >= 0 && id < tok.vocabSize(), "id " + id + " outside the vocabulary of " + tok.vocabSize());
        }
        String decoded = tok.decode(ids, true, (flags & RENDER_SPECIAL) != 0);

        GgufTokenizer g = (GgufTokenizer) tok;
        if (!parseSpecial && !addSpecial && !g.normalizesText()) {
            String utf8 = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            if ((flags & 7) % VOCABS.size() < SENTENCE_PIECE) {
                // SentencePiece writes a space as U+2581 and reads every U+2581 back as a space (as llama.cpp and
                // sentencepiece do): a literal U+2581 in the text comes back as a space.
                utf8 = utf8.replace('\u2581', ' ');
            }
            String want = g.cleansSpaces()
                    ? new String(GgufTokenizer.cleanUpSpaces(utf8.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)
                    : utf8;
            assertEquals(want, decoded, "round trip");
        }
        streamsTheSameText(tok, ids, (flags & RENDER_SPECIAL) != 0);

        // The same bytes as token ids (u16 little-endian): inside the vocabulary they decode, outside they are refused.
        ByteBuffer b = ByteBuffer.wrap(input, 1, input.length - 1).order(ByteOrder.LITTLE_ENDIAN);
        int[] raw = new int[b.remaining() / 2];
        boolean inside = true;
        for (int i = 0; i < raw.length; i++) {
            raw[i] = b.getShort() & 0xFFFF;
            inside &= raw[i] < tok.vocabSize();
        }
        if (inside) {
            tok.decode(raw, (flags & 1) != 0, (flags & RENDER_SPECIAL) != 0);
            streamsTheSameText(tok, raw, (flags & RENDER_SPECIAL) != 0);
        } else {
            assertThrows(IllegalArgumentException.class, () -> tok.decode(raw, true));
        }
    }

    /** Streamed pieces are well-formed and add up to the UTF-8 decoding of all the pieces' bytes. */
    private static void streamsTheSameText(Tokenizer tok, int[] ids, boolean renderSpecial) {
        StreamingDetokenizer d = new StreamingDetokenizer(tok, renderSpecial);
        StringBuilder streamed = new StringBuilder();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            String piece = d.push(id);
            for (int i = 0; i < piece.length(); i++) {
                char c = piece.charAt(i);
                if (Character.isHighSurrogate(c)) {
                    assertTrue(i + 1 < piece.length() && Character.isLowSurrogate(piece.charAt(i + 1)),
                            "a streamed piece ends inside a character");
                    i++;
                } else {
                    assertTrue(!Character.isLowSurrogate(c), "a streamed piece starts inside a character");
                }
            }
            streamed.append(piece);
            bytes.writeBytes(tok.pieceBytes(id, renderSpecial));
        }
        streamed.append(d.flush());
        assertEquals(new String(bytes.toByteArray(), StandardCharsets.UTF_8), streamed.toString(), "streamed text");
    }
}
