package io.stellarchat.engine.sampling;

/**
 * Applies one request's {@link StopConditions} to its tokens as they are generated and says, for each,
 * which text to emit and whether generation ends.
 *
 * <p><b>Ownership.</b> One per request, fed by that request's generation only; not thread-safe.
 *
 * <p><b>Order of checks for each token</b> (vLLM's order): a stop token first (its text is not emitted,
 * text held back for a possible stop sequence is released), then the stop sequences on the token's text,
 * then the token count. So a last allowed token that completes a stop sequence reports
 * {@link Outcome#STOP_SEQUENCE}, not {@link Outcome#LENGTH}.
 *
 * <p><b>States.</b> RUNNING → ENDED at the first outcome other than {@link Outcome#CONTINUE}; after that,
 * {@link #onToken} throws {@link IllegalStateException}. A caller that ends generation for another reason
 * (cancellation) calls {@link #flush} for the held-back text, if it wants to emit it.
 */
public final class StopChecker {

    /** What one token did to the generation. */
    public enum Outcome {
        /** Keep generating. */
        CONTINUE,
        /** The token is a stop token (finish reason "stop"). */
        STOP_TOKEN,
        /** A stop sequence completed (finish reason "stop"). */
        STOP_SEQUENCE,
        /** {@code maxTokens} were generated (finish reason "length"). */
        LENGTH;

        /** True for every outcome that ends generation. */
        public boolean ends() {
            return this != CONTINUE;
        }
    }

    /** The text safe to emit for this token (possibly empty), and the outcome. */
    public record Step(String text, Outcome outcome) {
        public Step {
            if (text == null || outcome == null) {
                throw new IllegalArgumentException("text and outcome must not be null");
            }
        }
    }

    private final StopConditions conditions;
    private final StopSequenceMatcher matcher;
    private int generated;
    private boolean ended;

    public StopChecker(StopConditions conditions) {
        if (conditions == null) {
            throw new IllegalArgumentException("conditions must not be null");
        }
        this.conditions = conditions;
        this.matcher = new StopSequenceMatcher(conditions.stopSequences());
    }

    /**
     * Takes the next generated token and its detokenized text piece (possibly empty, e.g. an incomplete
     * UTF-8 character the detokenizer is still holding).
     */
    public Step onToken(int token, String piece) {
        if (piece == null) {
            throw new IllegalArgumentException("piece must not be null");
        }
        if (ended) {
            throw new IllegalStateException("generation already ended; no more tokens are accepted");
        }
        generated++;
        if (conditions.stopTokens().contains(token)) {
            ended = true;
            return new Step(matcher.flush(), Outcome.STOP_TOKEN);
        }
        StopSequenceMatcher.Result r = matcher.push(piece);
        if (r.stopped()) {
            ended = true;
            return new Step(r.text(), Outcome.STOP_SEQUENCE);
        }
        if (generated >= conditions.maxTokens()) {
            ended = true;
            return new Step(r.text() + matcher.flush(), Outcome.LENGTH);
        }
        return new Step(r.text(), Outcome.CONTINUE);
    }

    /** The text held back for a possible stop sequence; "" after a stop sequence matched. */
    public String flush() {
        return matcher.flush();
    }

    /** Tokens taken so far, stop token included. */
    public int generated() {
        return generated;
    }

    /** The stop sequence that ended generation, if one did. */
    public java.util.Optional<String> matchedStop() {
        return matcher.matchedStop();
    }
}
