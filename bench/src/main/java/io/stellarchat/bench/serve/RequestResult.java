package io.stellarchat.bench.serve;

/**
 * How one streamed chat completion went, seen from the client.
 *
 * @param outcome          how it ended
 * @param status           the HTTP status (or the status an in-stream error event stands for); 0 when no
 *                         response arrived (timeout before the headers, connection failure)
 * @param detail           the error message, empty for a reply
 * @param startNanos       when the request was sent ({@link System#nanoTime()})
 * @param endNanos         when it ended
 * @param chunkNanos       arrival of each content chunk, nanoseconds after {@code startNanos}: one per
 *                         generated token whose text is final (a server may hold back part of a character)
 * @param promptTokens     {@code usage.prompt_tokens} (0 without a usage chunk)
 * @param cachedTokens     {@code usage.prompt_tokens_details.cached_tokens} (0 when absent)
 * @param completionTokens {@code usage.completion_tokens}, else the number of content chunks
 * @param text             the reply's text
 */
record RequestResult(Outcome outcome, int status, String detail, long startNanos, long endNanos, long[] chunkNanos,
                     int promptTokens, int cachedTokens, int completionTokens, String text) {

    /** How a request ended. */
    enum Outcome {
        /** A complete reply ({@code [DONE]} after the content). */
        REPLY,
        /** 429: the server's queue was full. */
        REJECTED_429,
        /** 503: the request waited too long for the model (or the server is shutting down). */
        UNAVAILABLE_503,
        /** The client's deadline passed first. */
        TIMEOUT,
        /** Any other HTTP status, an error event in the stream, or a broken connection. */
        ERROR
    }

    RequestResult {
        chunkNanos = chunkNanos.clone();
    }

    @Override
    public long[] chunkNanos() {
        return chunkNanos.clone();
    }

    int chunks() {
        return chunkNanos.length;
    }

    /** Seconds from sending to the first content; NaN without content. */
    double ttftSeconds() {
        return chunkNanos.length == 0 ? Double.NaN : chunkNanos[0] / 1e9;
    }

    /** Seconds between consecutive content chunks. */
    double[] interTokenSeconds() {
        double[] gaps = new double[Math.max(0, chunkNanos.length - 1)];
        for (int i = 0; i < gaps.length; i++) {
            gaps[i] = (chunkNanos[i + 1] - chunkNanos[i]) / 1e9;
        }
        return gaps;
    }

    /** Decode rate of this stream after its first token, tokens/s; NaN below two chunks. */
    double streamTokensPerSecond() {
        if (chunkNanos.length < 2 || completionTokens < 2) {
            return Double.NaN;
        }
        long span = chunkNanos[chunkNanos.length - 1] - chunkNanos[0];
        return span <= 0 ? Double.NaN : (completionTokens - 1) * 1e9 / span;
    }
}
