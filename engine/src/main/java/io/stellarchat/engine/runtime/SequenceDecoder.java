package io.stellarchat.engine.runtime;

import io.stellarchat.engine.sampling.GrammarMatcher;
import io.stellarchat.engine.sampling.SampledToken;
import io.stellarchat.engine.sampling.Sampler;
import io.stellarchat.engine.sampling.StopSequenceMatcher;
import io.stellarchat.engine.sampling.TokenBytes;
import io.stellarchat.engine.tokenizer.StreamingDetokenizer;
import io.stellarchat.engine.tokenizer.Tokenizer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The per-sequence side of generation, shared by the one-at-a-time {@link Generator} and the batching
 * engine: from each logits row of the sequence it samples a token, decides whether the generation ends
 * (token budget, end-of-generation token, stop sequence, context), turns tokens into text without splitting
 * a UTF-8 character or leaking a stop sequence, and at the end builds the result with usage.
 *
 * <p>All its state is this request's own (sampler and its random generator, penalty window, detokenizer,
 * stop matcher, grammar matcher, text); it survives a preemption untouched, so a recomputed sequence continues exactly as it
 * would have. Not thread-safe: one owner (the thread running the sequence).
 *
 * <p><b>Grammar.</b> When the request's sampling has a grammar, a {@link GrammarMatcher} of this sequence
 * fills a token mask before each draw (end-of-generation tokens allowed only where the grammar may end),
 * the sampler chooses among the allowed tokens only, the matcher advances with the chosen token, and the
 * sequence ends with {@link FinishReason#GRAMMAR_COMPLETE} as soon as nothing more can follow.
 *
 * <p>Use: {@link #sample} once per logits row of the sequence's last position; while it returns true, feed
 * {@link #lastToken()} at position {@link #nextPosition()}; then {@link #finish} once.
 */
final class SequenceDecoder {
    private final GenerationRequest request;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final StreamingDetokenizer detok;
    private final StopSequenceMatcher stops;
    private final GrammarMatcher grammar; // null without a grammar
    private final long[] allowed;         // mask scratch, (ceil(vocab / 64)); null without a grammar
    private final StringBuilder text = new StringBuilder();
    private final int promptLength;
    private final int capacity;
    private int generated;
    private int lastToken;
    private FinishReason reason;
    private long firstTokenNanos;

    /**
     * @throws ContextOverflowException when the prompt leaves no room in the request's context
     * @throws IllegalArgumentException when a prompt token is outside the vocabulary
     */
    SequenceDecoder(GenerationRequest request, Tokenizer tokenizer, int vocabSize) {
        this(request, tokenizer, vocabSize, Integer.MAX_VALUE, () -> TokenBytes.of(tokenizer));
    }

    /**
     * @param maxPositions positions the engine can give this sequence at most (its KV pool); the reply ends
     *                     with {@link FinishReason#LENGTH} there, as at the end of the context
     * @param vocab        the model's vocabulary as bytes, asked for only when the request has a grammar
     *                     (built once per model by the caller)
     */
    SequenceDecoder(GenerationRequest request, Tokenizer tokenizer, int vocabSize, int maxPositions,
                    Supplier<TokenBytes> vocab) {
        int[] prompt = request.promptTokens();
        if (prompt.length >= request.contextLength()) {
            throw new ContextOverflowException(prompt.length, request.contextLength());
        }
        for (int t : prompt) {
            if (t < 0 || t >= vocabSize) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
        this.request = request;
        this.tokenizer = tokenizer;
        this.promptLength = prompt.length;
        this.capacity = Math.min(capacity(request), maxPositions);
        if (capacity <= prompt.length - 1) {
            throw new IllegalArgumentException("the prompt of " + prompt.length + " tokens exceeds " + maxPositions
                    + " positions");
        }
        this.sampler = new Sampler(request.sampling(), vocabSize);
        sampler.acceptAll(prompt);
        this.detok = tokenizer.newDetokenizer();
        this.stops = new StopSequenceMatcher(request.stop());
        if (request.sampling().grammar() != null) {
            TokenBytes bytes = vocab.get();
            this.grammar = new GrammarMatcher(request.sampling().grammar(), bytes);
            this.allowed = new long[Math.max(bytes.maskWords(), (vocabSize + 63) >>> 6)];
        } else {
            this.grammar = null;
            this.allowed = null;
        }
    }

    /** Positions the sequence can use at most: prompt plus its reply budget, within the request's context. */
    static int capacity(GenerationRequest request) {
        return (int) Math.min(request.contextLength(),
                (long) request.promptTokens().length + Math.max(1, request.maxTokens()));
    }

    int capacity() {
        return capacity;
    }

    int generated() {
        return generated;
    }

    /** The token sampled by the last {@link #sample} that returned true. */
    int lastToken() {
        return lastToken;
    }

    /** Position at which {@link #lastToken()} is to be fed back. */
    int nextPosition() {
        return promptLength + generated - 1;
    }

    /** Why the generation ended, once {@link #sample} returned false (else null). */
    FinishReason finishReason() {
        return reason;
    }

    /**
     * Samples the next token from {@code logits} (one row, modified in place), emitting its text.
     *
     * @param nowNanos the time now (the first token's time splits usage into prompt and generation time)
     * @return true when the sequence goes on ({@link #lastToken()} is to be fed back), false when it ended
     *     ({@link #finishReason()} says why)
     */
    boolean sample(float[] logits, long nowNanos, Consumer<GenerationEvent> out) {
        if (reason != null) {
            throw new IllegalStateException("the sequence already ended (" + reason + ")");
        }
        if (generated >= request.maxTokens()) {
            reason = FinishReason.LENGTH;
            return false;
        }
        SampledToken s;
        if (grammar != null) {
            grammar.fillMask(allowed);
            if (request.ignoreEos()) {
                clearEndTokens();
            }
            s = sampler.sampleWithLogprobs(logits, allowed);
        } else {
            s = sampler.sampleWithLogprobs(logits);
        }
        int token = s.token();
        if (generated == 0) {
            firstTokenNanos = nowNanos;
        }
        generated++;
        sampler.accept(token);
        if (!request.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
            reason = FinishReason.STOP_TOKEN;
            return false;
        }
        if (grammar != null && !grammar.accept(token)) {
            throw new IllegalStateException("token " + token + " was sampled against the grammar's mask");
        }
        StopSequenceMatcher.Result r = stops.push(detok.push(token));
        text.append(r.text());
        out.accept(new GenerationEvent.Token(token, r.text(), s.logprob(), s.top()));
        if (r.stopped()) {
            reason = FinishReason.STOP_SEQUENCE;
            return false;
        }
        if (grammar != null && grammar.isComplete()) {
            reason = FinishReason.GRAMMAR_COMPLETE;
            return false;
        }
        if (promptLength + generated - 1 >= capacity || generated >= request.maxTokens()) {
            // no room to feed it back, or the budget is spent: the token is the last one
            reason = FinishReason.LENGTH;
            return false;
        }
        lastToken = token;
        return true;
    }

    private void clearEndTokens() {
        for (int t = 0; t < tokenizer.vocabSize(); t++) {
            if (tokenizer.isEndOfGeneration(t)) {
                allowed[t >>> 6] &= ~(1L << t);
            }
        }
    }

    /** Ends the sequence early (a cancel) or records how it ended. */
    void end(FinishReason why) {
        if (reason == null) {
            reason = why;
        }
    }

    /**
     * Releases held-back text (a partial stop-sequence prefix, an incomplete character) and builds the
     * result. Call once, after {@link #sample} returned false or {@link #end}.
     *
     * @param cachedTokens prompt tokens whose KV entries came from the prefix cache
     * @param startNanos   when prompt processing started
     */
    GenerationResult finish(int cachedTokens, long startNanos, long endNanos, Consumer<GenerationEvent> out) {
        if (reason == null) {
            throw new IllegalStateException("finish before the sequence ended");
        }
        if (reason != FinishReason.STOP_SEQUENCE) {
            StopSequenceMatcher.Result r = stops.push(detok.flush());
            String tail = r.stopped() ? r.text() : r.text() + stops.flush();
            if (r.stopped()) {
                reason = FinishReason.STOP_SEQUENCE;
            }
            if (!tail.isEmpty()) {
                text.append(tail);
                out.accept(new GenerationEvent.Tail(tail));
            }
        }
        long promptNanos = (generated > 0 ? firstTokenNanos : endNanos) - startNanos;
        long genNanos = generated > 0 ? endNanos - firstTokenNanos : 0;
        return new GenerationResult(reason, text.toString(),
                new Usage(promptLength, cachedTokens, generated, Math.max(0, promptNanos), Math.max(0, genNanos)));
    }
}
