package io.stellarchat.server.chat;

/**
 * How long a reply took, in milliseconds; zero where not measured.
 *
 * @param promptMillis     prompt processing, up to the first generated token
 * @param generationMillis generation after the first token
 */
public record Timings(long promptMillis, long generationMillis) {
    public static final Timings NONE = new Timings(0, 0);

    public Timings {
        if (promptMillis < 0 || generationMillis < 0) {
            throw new IllegalArgumentException("timings must not be negative: " + promptMillis + ", " + generationMillis);
        }
    }
}
