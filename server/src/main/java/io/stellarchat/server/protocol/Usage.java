package io.stellarchat.server.protocol;

/**
 * Token counts of one answer (all its choices).
 *
 * @param promptTokens     prompt tokens, each prompt counted once however many choices it has
 * @param completionTokens tokens generated, over all choices
 * @param cachedTokens     prompt tokens whose computation was reused (prefix cache, upstream prompt cache)
 * @param reasoningTokens  of the completion tokens, those spent reasoning (0 when unknown)
 * @param timings          llama.cpp-style timings when the answering engine measured them, else null
 */
public record Usage(int promptTokens, int completionTokens, int cachedTokens, int reasoningTokens, Timings timings) {

    public static final Usage NONE = new Usage(0, 0, 0, 0, null);

    public int totalTokens() {
        return promptTokens + completionTokens;
    }

    /**
     * Engine timings of the first choice.
     *
     * @param promptMs           time to process the prompt
     * @param promptPerSecond    prompt tokens (less cached ones) per second
     * @param predictedMs        time generating after the first token
     * @param predictedPerSecond tokens per second after the first
     */
    public record Timings(double promptMs, double promptPerSecond, double predictedMs, double predictedPerSecond) {}
}
