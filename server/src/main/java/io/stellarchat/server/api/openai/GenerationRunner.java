package io.stellarchat.server.api.openai;

import io.javalin.http.Context;
import io.stellarchat.engine.runtime.ContextOverflowException;
import io.stellarchat.engine.runtime.EngineOverloadedException;
import io.stellarchat.engine.runtime.GenerationEvent;
import io.stellarchat.engine.runtime.GenerationRequest;
import io.stellarchat.engine.runtime.GenerationResult;
import io.stellarchat.engine.runtime.RequestHandle;
import io.stellarchat.engine.runtime.StreamItem;
import io.stellarchat.engine.sampling.SamplingParams;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.gateway.LocalModel;
import io.stellarchat.server.gateway.ModelMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs the choices of one request on a model's engine and hands their tokens to the caller: collected
 * (non-streaming) or as they come (streaming). Owns cancellation: if the client goes away or anything
 * fails, every choice still queued or running is cancelled.
 *
 * <p>Threads: runs on the request's (virtual) thread; the engine thread produces into each handle's channel.
 */
final class GenerationRunner {
    /** A non-streaming request gives up when its choice produces nothing for this long. */
    private static final Duration STALL = Duration.ofMinutes(5);

    /** How often a non-streamed request checks that its client is still connected. */
    private static final Duration CLIENT_CHECK = Duration.ofMillis(250);

    private final Duration keepAlive;
    private final ModelMetrics metrics;

    /** The client of a non-streamed request closed its connection; the generation was cancelled. */
    static final class ClientGone extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClientGone() {
            super("client disconnected", null, false, false);
        }
    }

    GenerationRunner(Duration keepAlive, ModelMetrics metrics) {
        this.keepAlive = keepAlive.isZero() ? Duration.ofSeconds(5) : keepAlive;
        this.metrics = metrics;
    }

    /** Receives a streamed choice's pieces; may throw to signal the client is gone. */
    interface ChoiceListener {
        void onStart(int index) throws SseWriter.ClientGoneException;

        void onToken(int index, ChoiceResult.TokenInfo token, String text) throws SseWriter.ClientGoneException;

        void onFinish(ChoiceResult result) throws SseWriter.ClientGoneException;

        void onIdle() throws SseWriter.ClientGoneException;
    }

    /**
     * The choices of one request as submitted to the engine.
     *
     * @param handles one per choice, index = prompt * n + choice
     * @param clock   token timing of the first choice, started at submission: the latency histograms sample
     *                that one only, since later choices are read after it and their buffered tokens would
     *                show the reader's wait, not the engine's
     */
    record Submission(List<RequestHandle> handles, ModelMetrics.TokenClock clock) {
        Submission {
            handles = List.copyOf(handles);
        }

        /** Cancels every choice (a no-op for finished ones). */
        void cancel() {
            handles.forEach(RequestHandle::cancel);
        }
    }

    /**
     * Validates the context budget and submits {@code n} choices per prompt (prompt-major order).
     *
     * @param promptParam the request field holding the prompt ({@code messages} or {@code prompt}), named by a
     *                    context-length error
     * @return the handles, index = prompt * n + choice
     */
    Submission submit(Context ctx, LocalModel model, List<int[]> prompts, GenerationOptions opt,
                               String promptParam) {
        int ctxLen = model.contextLength();
        int vocab = model.model().config().vocabSize();
        for (int token : opt.sampling().logitBias().keySet()) {
            // Checked here, where the model is known: the sampler would only fail at the first token (a 500,
            // or an error event after a 200 when streaming).
            if (token >= vocab) {
                throw ApiException.invalidRequest("logit_bias", "Invalid 'logit_bias': token id " + token
                        + " is not in this model's vocabulary (ids 0 to " + (vocab - 1) + ").");
            }
        }
        for (int[] p : prompts) {
            // long: max_tokens may be as large as Integer.MAX_VALUE, and the sum must not wrap around.
            long completion = opt.maxTokens() == null ? 1 : opt.maxTokens();
            long want = p.length + completion;
            if (p.length >= ctxLen || want > ctxLen) {
                throw new ApiException(400, ErrorType.INVALID_REQUEST, "context_length_exceeded", promptParam,
                        "This model's maximum context length is " + ctxLen + " tokens. However, you requested "
                                + want + " tokens (" + p.length + " in the " + promptParam + ", " + completion
                                + " in the completion). Please reduce the length of the " + promptParam + " or completion.");
            }
        }
        long baseSeed = opt.seed() != null ? opt.seed() : ThreadLocalRandom.current().nextLong();
        List<RequestHandle> handles = new ArrayList<>();
        ModelMetrics.TokenClock clock = metrics.startRequest(model.id());
        try {
            int k = 0;
            for (int[] p : prompts) {
                int budget = opt.maxTokens() != null ? opt.maxTokens() : ctxLen - p.length;
                for (int i = 0; i < opt.n(); i++) {
                    SamplingParams s = opt.sampling().withSeed(baseSeed + k++);
                    handles.add(model.engine().submit(new GenerationRequest(p, s, budget, opt.stop(), opt.ignoreEos(), ctxLen)));
                }
            }
        } catch (EngineOverloadedException e) {
            handles.forEach(RequestHandle::cancel);
            long secs = Math.max(1, e.retryAfter().toSeconds());
            ctx.header("Retry-After", Long.toString(secs));
            throw new ApiException(e.queueFull() ? 429 : 503, e.queueFull() ? ErrorType.RATE_LIMIT : ErrorType.UNAVAILABLE,
                    e.queueFull() ? "queue_full" : "queue_timeout", null, e.getMessage());
        } catch (ContextOverflowException e) {
            handles.forEach(RequestHandle::cancel);
            throw new ApiException(400, ErrorType.INVALID_REQUEST, "context_length_exceeded", promptParam, e.getMessage());
        } catch (RuntimeException e) {
            handles.forEach(RequestHandle::cancel);
            throw e;
        }
        return new Submission(handles, clock);
    }

    /** Waits for every choice and returns them in index order. */
    List<ChoiceResult> collect(Context ctx, LocalModel model, Submission submitted, boolean logprobs) {
        List<ChoiceResult> out = new ArrayList<>();
        List<RequestHandle> handles = submitted.handles();
        try {
            for (int i = 0; i < handles.size(); i++) {
                out.add(drain(ctx, model, i, handles.get(i), logprobs, null, i == 0 ? submitted.clock() : null));
            }
            return out;
        } catch (SseWriter.ClientGoneException e) {
            throw new IllegalStateException("unreachable: no listener", e);
        } finally {
            submitted.cancel(); // no-op for finished ones
        }
    }

    /** Streams every choice to {@code listener}, in index order. */
    List<ChoiceResult> stream(Context ctx, LocalModel model, Submission submitted, boolean logprobs,
                              ChoiceListener listener) throws SseWriter.ClientGoneException {
        List<ChoiceResult> out = new ArrayList<>();
        List<RequestHandle> handles = submitted.handles();
        try {
            for (int i = 0; i < handles.size(); i++) {
                listener.onStart(i);
                ChoiceResult r = drain(ctx, model, i, handles.get(i), logprobs, listener, i == 0 ? submitted.clock() : null);
                listener.onFinish(r);
                out.add(r);
            }
            return out;
        } finally {
            submitted.cancel();
        }
    }

    /** Reads one choice's channel to its end; {@code clock}, when not null, is told of each token. */
    private ChoiceResult drain(Context ctx, LocalModel model, int index, RequestHandle h, boolean logprobs,
                               ChoiceListener listener, ModelMetrics.TokenClock clock)
            throws SseWriter.ClientGoneException {
        List<ChoiceResult.TokenInfo> tokens = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        long idleSince = System.nanoTime();
        ClientWatch watch = listener == null ? ClientWatch.of(ctx) : null;
        long nextCheck = System.nanoTime() + CLIENT_CHECK.toNanos();
        while (true) {
            if (watch != null && System.nanoTime() >= nextCheck) {
                nextCheck = System.nanoTime() + CLIENT_CHECK.toNanos();
                if (watch.clientGone()) {
                    h.cancel();
                    throw new ClientGone();
                }
            }
            StreamItem item;
            try {
                item = h.poll(listener == null ? CLIENT_CHECK : keepAlive);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                h.cancel();
                throw new ApiException(503, ErrorType.UNAVAILABLE, null, null, "The server is shutting down.");
            }
            if (item == null) {
                if (listener != null) {
                    listener.onIdle();
                } else if (System.nanoTime() - idleSince > STALL.toNanos()) {
                    h.cancel();
                    throw new ApiException(503, ErrorType.UNAVAILABLE, null, null,
                            "The model produced nothing for " + STALL.toMinutes() + " minutes; the request was cancelled.");
                }
                continue;
            }
            idleSince = System.nanoTime();
            switch (item) {
                case StreamItem.Event(GenerationEvent.Token t) -> {
                    if (clock != null) {
                        clock.token();
                    }
                    ChoiceResult.TokenInfo info = logprobs
                            ? new ChoiceResult.TokenInfo(t.token(), piece(model, t.token()), t.logprob(), t.top()) : null;
                    if (info != null) {
                        tokens.add(info);
                    }
                    text.append(t.text());
                    if (listener != null && (!t.text().isEmpty() || info != null)) {
                        listener.onToken(index, info, t.text());
                    }
                }
                case StreamItem.Event(GenerationEvent.Tail t) -> {
                    text.append(t.text());
                    if (listener != null) {
                        listener.onToken(index, null, t.text());
                    }
                }
                case StreamItem.Finished(GenerationResult r) -> {
                    metrics.record(model.id(), r.usage());
                    return new ChoiceResult(index, text.toString(), r.finishReason(), r.usage(), List.copyOf(tokens));
                }
                case StreamItem.Failed(RuntimeException e) -> throw failure(ctx, e);
            }
        }
    }

    private static RuntimeException failure(Context ctx, RuntimeException e) {
        if (e instanceof EngineOverloadedException o) {
            ctx.header("Retry-After", Long.toString(Math.max(1, o.retryAfter().toSeconds())));
            return new ApiException(o.queueFull() ? 429 : 503, o.queueFull() ? ErrorType.RATE_LIMIT : ErrorType.UNAVAILABLE,
                    o.queueFull() ? "queue_full" : "queue_timeout", null, o.getMessage());
        }
        return e;
    }

    /** The text of one token as the client should see it in logprobs. */
    static String piece(LocalModel model, int token) {
        return new String(model.model().tokenizer().tokenBytes(token), java.nio.charset.StandardCharsets.UTF_8);
    }
}
