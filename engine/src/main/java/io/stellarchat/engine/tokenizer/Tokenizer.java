package io.stellarchat.engine.tokenizer;

import io.stellarchat.engine.gguf.GgufFormatException;
import io.stellarchat.engine.gguf.GgufMetadata;
import java.util.OptionalInt;

/**
 * Text ↔ token ids for one model, exactly as llama.cpp tokenizes and detokenizes (its {@code llama_tokenize},
 * {@code llama_token_to_piece} and {@code llama_detokenize}).
 *
 * <p>Implementations are immutable and thread-safe. Per-request decoding state lives in a
 * {@link StreamingDetokenizer}.
 */
public interface Tokenizer {

    /**
     * Builds the tokenizer a vocabulary describes.
     *
     * @throws IllegalArgumentException if the vocabulary has duplicate tokens, an unknown model or
     *                                  pre-tokenizer, or lacks what its model needs
     */
    static Tokenizer create(Vocabulary vocabulary) {
        return new GgufTokenizer(vocabulary);
    }

    /**
     * The tokenizer of a GGUF file: {@code create(Vocabulary.fromMetadata(metadata))}.
     *
     * @throws GgufFormatException      if a {@code tokenizer.*} key has the wrong type
     * @throws IllegalArgumentException if the vocabulary is missing, unsupported or inconsistent
     */
    static Tokenizer fromGguf(GgufMetadata metadata) throws GgufFormatException {
        return create(Vocabulary.fromMetadata(metadata));
    }

    /**
     * Token ids of {@code text}.
     *
     * @param addSpecial   add BOS / EOS as the metadata says ({@code add_bos_token}, {@code add_eos_token})
     * @param parseSpecial recognise the text of control tokens (e.g. {@code <|im_end|>}) as those tokens;
     *                     user-defined tokens are always recognised, as in llama.cpp
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * Text of {@code ids} as llama.cpp's {@code llama_detokenize(ids, remove_special, unparse_special)}.
     *
     * @param removeSpecial drop a leading BOS / trailing EOS the model adds; then control tokens render as
     *                      nothing. When false, control tokens render as their text
     * @throws IllegalArgumentException if an id is outside the vocabulary
     */
    default String decode(int[] ids, boolean removeSpecial) {
        return decode(ids, removeSpecial, !removeSpecial);
    }

    /**
     * The full form of {@link #decode(int[], boolean)}.
     *
     * @param renderSpecial control and unknown tokens render as their text instead of nothing
     */
    String decode(int[] ids, boolean removeSpecial, boolean renderSpecial);

    /** The bytes token {@code id} stands for, with control tokens as their text (llama.cpp's piece cache). */
    byte[] tokenBytes(int id);

    /** The token's text as stored in the vocabulary (e.g. {@code ▁the}, {@code Ġthe}, {@code <0x0A>}). */
    String tokenText(int id);

    int vocabSize();

    OptionalInt bos();

    OptionalInt eos();

    /** End of turn, from metadata or detected by text ({@code <|eot_id|>}, {@code <|im_end|>} …). */
    OptionalInt eot();

    OptionalInt eom();

    OptionalInt pad();

    boolean addsBos();

    /** Whether generation stops at {@code id}: EOS, EOT, EOM and tokens whose text llama.cpp treats as such. */
    boolean isEndOfGeneration(int id);

    /** Control tokens (type 3, or detected as such): rendered as nothing by default. */
    boolean isControl(int id);

    /** A fresh decoder for one stream of generated tokens; control tokens render as nothing. */
    default StreamingDetokenizer newDetokenizer() {
        return new StreamingDetokenizer(this, false);
    }

    /**
     * The bytes token {@code id} contributes to a generated stream: like {@link #tokenBytes(int)} but empty for
     * control and unknown tokens unless {@code renderSpecial}.
     */
    byte[] pieceBytes(int id, boolean renderSpecial);
}
