package io.stellarchat.engine.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Turns the token ids of one generation, one at a time, into text that never ends inside a UTF-8 character.
 *
 * <p>State: the bytes of tokens pushed so far that do not yet form complete characters (at most three: the
 * start of a multi-byte sequence whose continuation bytes have not arrived). {@link #push} appends the token's
 * bytes and returns every complete character; invalid bytes become U+FFFD at once, as a UTF-8 decoder does.
 * {@link #flush} ends the stream: a dangling partial sequence becomes U+FFFD. Pieces are llama.cpp's
 * {@code llama_token_to_piece} (no leading-space removal, no clean-up), so the concatenation of all returned
 * strings is the generation's text.
 *
 * <p>One instance per request; not thread-safe.
 */
public final class StreamingDetokenizer {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes received but not yet decoded; in read mode between calls. */
    private ByteBuffer pending = ByteBuffer.allocate(64).flip();
    private boolean flushed;

    /**
     * @param renderSpecial control tokens render as their text (e.g. to show {@code <|im_end|>}) instead of
     *                      nothing
     */
    public StreamingDetokenizer(Tokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.renderSpecial = renderSpecial;
    }

    /**
     * Adds one token; returns the text completed by it (possibly empty).
     *
     * @throws IllegalArgumentException if the id is outside the vocabulary
     * @throws IllegalStateException    after {@link #flush()}
     */
    public String push(int token) {
        if (flushed) {
            throw new IllegalStateException("push after flush");
        }
        byte[] bytes = tokenizer.pieceBytes(token, renderSpecial);
        if (bytes.length == 0) {
            return "";
        }
        append(bytes);
        return decode(false);
    }

    /**
     * Ends the stream: returns U+FFFD for an incomplete trailing sequence, or "" if there is none. Idempotent.
     */
    public String flush() {
        if (flushed) {
            return "";
        }
        flushed = true;
        String rest = decode(true);
        CharBuffer tail = CharBuffer.allocate(4);
        decoder.flush(tail);
        return rest + tail.flip();
    }

    private void append(byte[] bytes) {
        if (pending.capacity() - pending.remaining() < bytes.length) {
            ByteBuffer bigger = ByteBuffer.allocate(pending.remaining() + bytes.length + 64);
            bigger.put(pending);
            pending = bigger;
        } else {
            pending.compact();
        }
        pending.put(bytes).flip();
    }

    private String decode(boolean endOfInput) {
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        CoderResult r = decoder.decode(pending, out, endOfInput);
        if (r.isOverflow()) {
            throw new IllegalStateException("UTF-8 decoder overflow with room for every byte");
        }
        return out.flip().toString();
    }
}
