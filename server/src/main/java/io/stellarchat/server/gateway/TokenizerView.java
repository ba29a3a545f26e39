package io.stellarchat.server.gateway;

/**
 * The vocabulary of one local model, for llama.cpp's {@code /tokenize} and {@code /detokenize}.
 */
public interface TokenizerView {
    /** The model's id. */
    String model();

    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** A token's text: the UTF-8 decoding of its bytes. */
    String piece(int token);

    /** Ids to text; every id must be below {@link #vocabSize()}. */
    String decode(int[] ids);

    int vocabSize();
}
