package io.stellarchat.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The streaming detokenizer never emits half a character. */
class StreamingDetokenizerTest {

    private static final Tokenizer SPM = VocabVectorsTest.tokenizer("ggml-vocab-llama-spm.gguf");

    /** The byte-fallback token of byte {@code b} in the Llama-2 vocabulary ({@code <0xNN>} = id 3 + b). */
    private static int byteToken(int b) {
        int id = 3 + b;
        assertEquals(String.format("<0x%02X>", b), SPM.tokenText(id));
        return id;
    }

    @Test
    void holdsAnEmojiSplitOverByteTokensUntilItIsComplete() {
        byte[] llama = "🦙".getBytes(StandardCharsets.UTF_8);
        StreamingDetokenizer d = SPM.newDetokenizer();
        assertEquals("", d.push(byteToken(llama[0] & 0xFF)));
        assertEquals("", d.push(byteToken(llama[1] & 0xFF)));
        assertEquals("", d.push(byteToken(llama[2] & 0xFF)));
        assertEquals("🦙", d.push(byteToken(llama[3] & 0xFF)));
        assertEquals("", d.flush());
    }

    @Test
    void streamsTheSameTextAsTheWholeDecodeForByteFallbackHeavyInput() {
        String text = "🚀 (normal) 😶‍🌫️ ✅ 🦙🦙 កាន់តែពិសេសអាច 我想在apple工作";
        int[] ids = SPM.encode(text, false, false);
        StreamingDetokenizer d = SPM.newDetokenizer();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String piece = d.push(id);
            assertEquals(piece, new String(piece.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
            out.append(piece);
        }
        out.append(d.flush());
        assertEquals(" " + text, out.toString(), "streamed pieces keep the SentencePiece space of the first word");
    }

    @Test
    void flushTurnsADanglingSequenceIntoOneReplacementCharacter() {
        StreamingDetokenizer d = SPM.newDetokenizer();
        assertEquals("", d.push(byteToken(0xF0)));
        assertEquals("", d.push(byteToken(0x9F)));
        assertEquals("\uFFFD", d.flush());
        assertEquals("", d.flush(), "flush is idempotent");
        assertThrows(IllegalStateException.class, () -> d.push(byteToken('a')));
    }

    @Test
    void invalidBytesBecomeReplacementCharactersAtOnce() {
        StreamingDetokenizer d = SPM.newDetokenizer();
        assertEquals("\uFFFD", d.push(byteToken(0xFF)));
        assertEquals("", d.push(byteToken(0xE2)));
        assertEquals("\uFFFDA", d.push(byteToken('A')), "a lead byte followed by ASCII is malformed");
    }

    @Test
    void controlTokensRenderOnlyWhenAsked() {
        Tokenizer qwen = VocabVectorsTest.tokenizer("qwen2-bpe-vocab.rebuilt.gguf");
        assertEquals("", qwen.newDetokenizer().push(151645));
        assertEquals("<|im_end|>", new StreamingDetokenizer(qwen, true).push(151645));
        assertEquals("<tool_call>", qwen.newDetokenizer().push(151657), "user-defined tokens always render");
    }

    @Test
    void twoStreamsDoNotShareState() {
        byte[] e = "é".getBytes(StandardCharsets.UTF_8);
        StreamingDetokenizer a = SPM.newDetokenizer();
        StreamingDetokenizer b = SPM.newDetokenizer();
        assertEquals("", a.push(byteToken(e[0] & 0xFF)));
        assertEquals("x", b.push(byteToken('x')));
        assertEquals("é", a.push(byteToken(e[1] & 0xFF)));
    }
}
