package io.stellarchat.server.gateway.local;

import io.stellarchat.engine.runtime.EngineOverloadedException;
import io.stellarchat.engine.runtime.GenerationEvent;
import io.stellarchat.engine.runtime.GenerationResult;
import io.stellarchat.engine.runtime.RequestHandle;
import io.stellarchat.engine.runtime.StreamItem;
import io.stellarchat.engine.sampling.TokenLogprob;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.TokenLogprob.Alternative;
import io.stellarchat.server.protocol.Usage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answer of the local engine to one request: the choices' engine channels read one after another, in
 * index order (index = prompt * n + choice), each choice's tokens turned into {@link ChatEvent.Delta}s, its end
 * into a {@link ChatEvent.ChoiceEnd}, and the last into {@link ChatEvent.Done} with the whole request's usage.
 * This is the one loop that reads an engine channel.
 *
 * <p>Threads: the engine thread produces into each handle's bounded channel; the request's thread is the only
 * caller of {@link #next} and owns every field but the handles' cancel flags; {@link #cancel()} (any thread)
 * only sets those flags, which the engine reads before its next step.
 */
final class LocalChatStream implements ChatStream {
    private static final Logger log = LoggerFactory.getLogger(LocalChatStream.class);

    private final LocalModel model;
    private final String reportedModel;
    private final List<RequestHandle> handles;
    private final int n;
    private final boolean logprobs;
    private final ModelMetrics metrics;
    /** Token timing of the first choice only: later choices are read after it, so their buffered tokens would time the reader. */
    private final ModelMetrics.TokenClock clock;
    private final List<io.stellarchat.engine.runtime.Usage> usages = new ArrayList<>();
    private int current;
    private boolean done;
    /** Splits each choice's text into content, reasoning and tool calls; null: text as it comes (completions). */
    private final java.util.function.Supplier<OutputParser> parsers;
    private OutputParser parser;
    /** Events made from one engine event but not yet handed out (a parser may turn one token into several). */
    private final java.util.ArrayDeque<ChatEvent> queued = new java.util.ArrayDeque<>();

    LocalChatStream(LocalModel model, String reportedModel, List<RequestHandle> handles, int n, boolean logprobs,
                    ModelMetrics metrics, ModelMetrics.TokenClock clock, java.util.function.Supplier<OutputParser> parsers,
                    Runnable release) {
        this.parsers = parsers;
        this.release = release;
        this.model = model;
        this.reportedModel = reportedModel;
        this.handles = List.copyOf(handles);
        this.n = n;
        this.logprobs = logprobs;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public ChatEvent next(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            heldBack = false;
            ChatEvent e = nextOnce(timeout);
            if (e != null || !heldBack) return e;
            // The parser held a token's text back (a marker may be starting): wait on for the next one.
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            timeout = Duration.ofNanos(left);
        }
    }

    private boolean heldBack;
    /** Ends this request's count on its model (once): at the end, on failure, or when cancelled. */
    private final Runnable release;
    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

    private void released() {
        if (release != null && released.compareAndSet(false, true)) release.run();
    }

    private ChatEvent nextOnce(Duration timeout) throws InterruptedException {
        if (done) {
            throw new IllegalStateException("the stream has ended");
        }
        if (!queued.isEmpty()) return queued.poll();
        if (current == handles.size()) {
            done = true;
            released();
            return new ChatEvent.Done(combine(usages, n));
        }
        RequestHandle h = handles.get(current);
        StreamItem item;
        try {
            item = h.poll(timeout);
        } catch (InterruptedException e) {
            cancel();
            throw e;
        }
        if (item == null) {
            return null;
        }
        return switch (item) {
            case StreamItem.Event(GenerationEvent.Token t) -> {
                if (current == 0 && clock != null) {
                    clock.token();
                }
                List<io.stellarchat.server.protocol.TokenLogprob> lp = logprobs ? List.of(logprob(t)) : List.of();
                yield parsed(t.text(), lp);
            }
            case StreamItem.Event(GenerationEvent.Tail t) -> parsed(t.text(), List.of());
            case StreamItem.Finished(GenerationResult r) -> {
                if (metrics != null) {
                    metrics.record(model.id(), r.usage());
                }
                usages.add(r.usage());
                FinishReason why = finish(r.finishReason());
                OutputParser p = parser();
                if (p != null) {
                    pieces(p.finish());
                    if (p.calls() > 0 && why == FinishReason.STOP) why = FinishReason.TOOL_CALLS;
                    parser = null;
                }
                queued.add(new ChatEvent.ChoiceEnd(current++, why));
                callIndex = 0;
                yield queued.poll();
            }
            case StreamItem.Failed(RuntimeException e) -> {
                cancel();
                done = true;
                released();
                throw failure(e);
            }
        };
    }

    private OutputParser parser() {
        if (parsers == null) return null;
        if (parser == null) {
            OutputParser p = parsers.get();
            if (p.passThrough()) return null;
            parser = p;
        }
        return parser;
    }

    /** A token's text through the choice's parser: zero or more events (null: nothing to hand out yet). */
    private ChatEvent parsed(String text, List<io.stellarchat.server.protocol.TokenLogprob> lp) {
        OutputParser p = parser();
        if (p == null) return new ChatEvent.Delta(current, text, "", List.of(), lp);
        pieces(p.feed(text));
        heldBack = queued.isEmpty() && lp.isEmpty();
        if (!lp.isEmpty()) {
            // Log-probabilities belong to the token even when the parser holds its text back.
            ChatEvent first = queued.poll();
            if (first instanceof ChatEvent.Delta d) {
                queued.addFirst(new ChatEvent.Delta(d.index(), d.content(), d.reasoning(), d.toolCalls(), lp));
            } else {
                if (first != null) queued.addFirst(first);
                queued.addFirst(new ChatEvent.Delta(current, "", "", List.of(), lp));
            }
        }
        return queued.poll();
    }

    private void pieces(List<OutputParser.Piece> pieces) {
        for (OutputParser.Piece x : pieces) {
            queued.add(switch (x) {
                case OutputParser.Piece.Content c -> ChatEvent.Delta.text(current, c.text());
                case OutputParser.Piece.Reasoning r -> new ChatEvent.Delta(current, "", r.text(), List.of(), List.of());
                case OutputParser.Piece.Call c -> {
                    int index = callIndex++;
                    String id = "call_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 24);
                    yield new ChatEvent.Delta(current, "", "",
                            List.of(new io.stellarchat.server.protocol.ToolCallDelta(index, id, c.name(), c.arguments())), List.of());
                }
            });
        }
    }

    private int callIndex;

    /** An engine failure in the wire-neutral taxonomy: waiting too long or a full queue is capacity, anything else our fault. */
    static ProviderException failure(RuntimeException e) {
        if (e instanceof EngineOverloadedException o) {
            return overloaded(o);
        }
        log.error("generation failed in the engine", e);
        return ProviderException.of(ErrorKind.INTERNAL, null, null,
                "The generation failed: " + e.getClass().getSimpleName());
    }

    /** The engine's refusal: a full queue is 429 {@code queue_full}, waiting past {@code engine.max_wait} 503 {@code queue_timeout}. */
    static ProviderException overloaded(EngineOverloadedException o) {
        Duration retry = o.retryAfter().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : o.retryAfter();
        return o.queueFull() ? ProviderException.overloaded("queue_full", o.getMessage(), retry)
                : ProviderException.unavailable("queue_timeout", o.getMessage(), retry);
    }

    private io.stellarchat.server.protocol.TokenLogprob logprob(GenerationEvent.Token t) {
        List<Alternative> top = new ArrayList<>(t.top().size());
        for (TokenLogprob alt : t.top()) {
            byte[] b = model.model().tokenizer().tokenBytes(alt.token());
            top.add(new Alternative(new String(b, StandardCharsets.UTF_8), alt.logprob(), b));
        }
        byte[] bytes = model.model().tokenizer().tokenBytes(t.token());
        return new io.stellarchat.server.protocol.TokenLogprob(new String(bytes, StandardCharsets.UTF_8), t.logprob(),
                bytes, top);
    }

    static FinishReason finish(io.stellarchat.engine.runtime.FinishReason r) {
        return switch (r) {
            case STOP_TOKEN, STOP_SEQUENCE, GRAMMAR_COMPLETE -> FinishReason.STOP;
            case LENGTH -> FinishReason.LENGTH;
            case CANCELLED -> FinishReason.CANCELLED;
        };
    }

    /**
     * The usage of a whole request from its choices' engine usages (index = prompt * n + choice). Prompt tokens
     * count each prompt once however many choices it has, and so do its cached tokens: those of the first
     * choice of each prompt, the one that met the prefix cache as the request found it (the others find the
     * first one's blocks, which is no saving the client made). Timings are the first choice's.
     */
    static Usage combine(List<io.stellarchat.engine.runtime.Usage> choices, int n) {
        int prompt = 0;
        int completion = 0;
        int cached = 0;
        for (int i = 0; i < choices.size(); i++) {
            io.stellarchat.engine.runtime.Usage u = choices.get(i);
            completion += u.completionTokens();
            if (i % n == 0) {
                prompt += u.promptTokens();
                cached += u.cachedTokens();
            }
        }
        Usage.Timings timings = null;
        if (!choices.isEmpty()) {
            io.stellarchat.engine.runtime.Usage first = choices.getFirst();
            timings = new Usage.Timings(first.promptNanos() / 1e6, first.promptTokensPerSecond(),
                    first.generationNanos() / 1e6, first.generationTokensPerSecond());
        }
        return new Usage(prompt, completion, cached, 0, timings);
    }

    /** Set by the provider: what the grammar's compiler ignored in a non-strict schema. */
    private List<String> warnings = List.of();

    LocalChatStream withWarnings(List<String> w) {
        this.warnings = List.copyOf(w);
        return this;
    }

    @Override
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public void cancel() {
        handles.forEach(RequestHandle::cancel);
        released();
    }

    @Override
    public String model() {
        return reportedModel;
    }

    @Override
    public String upstream() {
        return LocalProvider.ID + "/" + model.id();
    }
}
