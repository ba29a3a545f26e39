package io.stellarchat.server.api.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.engine.runtime.ContextOverflowException;
import io.stellarchat.engine.runtime.EngineOverloadedException;
import io.stellarchat.engine.runtime.GenerationEvent;
import io.stellarchat.engine.runtime.GenerationRequest;
import io.stellarchat.engine.runtime.GenerationResult;
import io.stellarchat.engine.runtime.RequestHandle;
import io.stellarchat.engine.runtime.StreamItem;
import io.stellarchat.engine.runtime.Usage;
import io.stellarchat.engine.template.TemplateException;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.api.openai.GenerationOptions;
import io.stellarchat.server.chat.AssistantReply;
import io.stellarchat.server.chat.ChatMessage;
import io.stellarchat.server.chat.ChatSession;
import io.stellarchat.server.chat.FinishReason;
import io.stellarchat.server.chat.HistoryStore;
import io.stellarchat.server.chat.HistoryWindow;
import io.stellarchat.server.chat.MessageRole;
import io.stellarchat.server.chat.MessageStatus;
import io.stellarchat.server.chat.NewMessage;
import io.stellarchat.server.chat.Page;
import io.stellarchat.server.chat.Timings;
import io.stellarchat.server.chat.TokenCounts;
import io.stellarchat.server.gateway.LocalModel;
import io.stellarchat.server.gateway.ModelMetrics;
import io.stellarchat.server.gateway.ModelRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One turn of a stored conversation: commit the user's message, choose the history window, generate the
 * reply on the session's model, commit the reply with its finish reason. Used by the sessions REST API and
 * the WebSocket chat.
 *
 * <p>Durability: the history window is chosen first, so a refused message (400) is not stored; then the user
 * message is committed before generation starts; an empty reply row with status
 * {@code generating} is committed next; the reply's text and finish reason are committed when generation ends
 * — {@code stop} (natural end or stopped by the user), {@code length}, {@code cancelled} (client gone),
 * {@code error}. After a crash, start-up marks left-over {@code generating} rows {@code interrupted}.
 *
 * <p>Concurrency: at most one turn per session at a time ({@link #busy}, a concurrent set: a second turn
 * gets 409 {@code session_busy}). A turn runs on its caller's (virtual) thread; the engine thread feeds it
 * through the request's bounded channel. {@link Control} may be used from any thread to stop the turn.
 */
public final class SessionTurns {
    private static final Logger log = LoggerFactory.getLogger(SessionTurns.class);
    /** Most recent messages read to build a window; older ones never fit a context anyway. */
    private static final int HISTORY_LIMIT = 1000;
    /** Reply budget when neither the request nor the session says. */
    private static final int DEFAULT_REPLY_TOKENS = 512;
    private static final Duration POLL = Duration.ofMillis(250);
    /** Id of the new user message while its window is chosen, before it is stored and gets its real id. */
    private static final String UNSAVED_ID = "unsaved";

    private final HistoryStore store;
    private final ModelRegistry models;
    private final ModelMetrics metrics;
    private final ObjectMapper json;
    /** Sessions with a running turn → that turn's token (so a turn only ever clears its own entry). */
    private final Map<String, Object> busy = new ConcurrentHashMap<>();

    public SessionTurns(HistoryStore store, ModelRegistry models, ModelMetrics metrics, ObjectMapper json) {
        this.store = store;
        this.models = models;
        this.metrics = metrics;
        this.json = json;
    }

    /** What a turn reports while it runs (on the turn's thread). */
    public interface Listener {
        /** The user message is committed and the reply row exists. */
        void onStart(ChatMessage user, ChatMessage reply, int truncatedMessages);

        /** A piece of reply text (complete UTF-8 characters). */
        void onDelta(String text);

        /** The reply is committed. */
        void onEnd(ChatMessage reply, Usage usage, int truncatedMessages);

        /** Nothing arrived for a while (streaming transports send a keep-alive; may detect a gone client). */
        default void onIdle() {
        }
    }

    /** Stops a running turn from another thread; records why, which becomes the stored finish reason. */
    public static final class Control {
        private final AtomicReference<FinishReason> reason = new AtomicReference<>();
        private volatile RequestHandle handle;

        /** The user asked to stop: the partial reply is stored with finish reason {@code stop}. */
        public void stop() {
            cancel(FinishReason.STOP);
        }

        /** The client went away: the partial reply is stored with finish reason {@code cancelled}. */
        public void clientGone() {
            cancel(FinishReason.CANCELLED);
        }

        private void cancel(FinishReason why) {
            reason.compareAndSet(null, why);
            RequestHandle h = handle;
            if (h != null) {
                h.cancel();
            }
        }

        boolean stopped() {
            return reason.get() != null;
        }
    }

    /**
     * Runs one turn to its end on this thread.
     *
     * @param overrides request fields overriding the session's sampling defaults (OpenAI names), may be empty
     * @throws ApiException 404 unknown session or model, 409 busy, 400 too long, 429/503 overloaded
     */
    public ChatMessage run(String owner, String sessionId, String content, ObjectNode overrides, Control control,
                           Listener listener) {
        ChatSession session = store.getSession(owner, sessionId).orElseThrow(() -> notFound(sessionId));
        Object token = new Object();
        if (busy.putIfAbsent(sessionId, token) != null) {
            throw new ApiException(409, ErrorType.INVALID_REQUEST, "session_busy", null,
                    "Session " + sessionId + " is already generating a reply; wait for it to finish or stop it.");
        }
        try {
            return runLocked(owner, session, content, overrides, control, listener, () -> busy.remove(sessionId, token));
        } finally {
            busy.remove(sessionId, token);
        }
    }

    private ChatMessage runLocked(String owner, ChatSession session, String content, ObjectNode overrides,
                                  Control control, Listener listener, Runnable release) {
        LocalModel model = models.find(session.model()).orElseThrow(() -> ApiException.notFound("model_not_found",
                "model", "The session's model '" + session.model() + "' is not loaded."));
        GenerationOptions opt = options(session, overrides);
        // The window is chosen with the new message in place but before it is stored: a message that is
        // refused (too long, template failure) leaves no row behind, so the 400 means "nothing happened".
        // Rendering reads only role and content, so the unsaved stand-in renders like the stored message.
        List<ChatMessage> history = history(owner, session.id());
        history.add(new ChatMessage(UNSAVED_ID, session.id(), MessageRole.USER, content, null, null, null,
                MessageStatus.COMPLETE, TokenCounts.NONE, Timings.NONE, Instant.EPOCH));
        int ctx = model.contextLength();
        int budget = opt.maxTokens() != null ? opt.maxTokens() : Math.min(DEFAULT_REPLY_TOKENS, ctx / 4);
        HistoryWindow.Window window;
        try {
            window = HistoryWindow.choose(history, msgs -> model.encodeChatPrompt(render(model, session, msgs)).length,
                    ctx, budget);
        } catch (HistoryWindow.DoesNotFitException e) {
            throw new ApiException(400, ErrorType.INVALID_REQUEST, "context_length_exceeded", "content",
                    "The message needs " + e.promptTokens() + " prompt tokens; with a reply budget of " + budget
                            + " tokens the model's context of " + ctx + " tokens cannot hold it.");
        } catch (TemplateRenderFailure e) {
            throw ApiException.invalidRequest("content", e.getMessage());
        }
        int[] prompt = model.encodeChatPrompt(render(model, session, window.messages()));

        ChatMessage user = store.appendMessage(owner, session.id(), new NewMessage(MessageRole.USER, content, null,
                null, null, TokenCounts.NONE, Timings.NONE)).orElseThrow(() -> notFound(session.id()));
        ChatMessage reply = store.startAssistantMessage(owner, session.id()).orElseThrow(() -> notFound(session.id()));
        long seed = opt.seed() != null ? opt.seed() : ThreadLocalRandom.current().nextLong();
        RequestHandle handle;
        ModelMetrics.TokenClock clock = metrics.startRequest(model.id());
        try {
            handle = model.engine().submit(new GenerationRequest(prompt, opt.sampling().withSeed(seed),
                    Math.min(budget, ctx - prompt.length), opt.stop(), opt.ignoreEos(), ctx));
        } catch (EngineOverloadedException | ContextOverflowException e) {
            finish(owner, reply, "", FinishReason.ERROR, null);
            if (e instanceof EngineOverloadedException o) {
                throw new ApiException(o.queueFull() ? 429 : 503, o.queueFull() ? ErrorType.RATE_LIMIT : ErrorType.UNAVAILABLE,
                        o.queueFull() ? "queue_full" : "queue_timeout", null, o.getMessage());
            }
            throw new ApiException(400, ErrorType.INVALID_REQUEST, "context_length_exceeded", "content", e.getMessage());
        }
        control.handle = handle;
        if (control.stopped()) {
            handle.cancel();
        }
        listener.onStart(user, reply, window.truncated());

        StringBuilder text = new StringBuilder();
        try {
            while (true) {
                StreamItem item = handle.poll(POLL);
                if (item == null) {
                    listener.onIdle();
                    continue;
                }
                switch (item) {
                    case StreamItem.Event(GenerationEvent.Token t) -> {
                        clock.token();
                        emit(text, t.text(), listener);
                    }
                    case StreamItem.Event(GenerationEvent.Tail t) -> emit(text, t.text(), listener);
                    case StreamItem.Finished(GenerationResult r) -> {
                        metrics.record(model.id(), r.usage());
                        FinishReason why = switch (r.finishReason()) {
                            case STOP_TOKEN, STOP_SEQUENCE -> FinishReason.STOP;
                            case LENGTH -> FinishReason.LENGTH;
                            case CANCELLED -> control.reason.get() != null ? control.reason.get() : FinishReason.CANCELLED;
                        };
                        ChatMessage done = finish(owner, reply, text.toString(), why, r.usage());
                        release.run(); // the session takes a new message as soon as the client hears the end
                        listener.onEnd(done, r.usage(), window.truncated());
                        return done;
                    }
                    case StreamItem.Failed(EngineOverloadedException o) -> {
                        // Waited past engine.max_wait: the same 503 as when submit refuses, not a server error.
                        finish(owner, reply, text.toString(), FinishReason.ERROR, null);
                        throw new ApiException(o.queueFull() ? 429 : 503, o.queueFull() ? ErrorType.RATE_LIMIT
                                : ErrorType.UNAVAILABLE, o.queueFull() ? "queue_full" : "queue_timeout", null, o.getMessage());
                    }
                    case StreamItem.Failed(RuntimeException e) -> {
                        log.error("generation for session {} failed", session.id(), e);
                        finish(owner, reply, text.toString(), FinishReason.ERROR, null);
                        throw new ApiException(500, ErrorType.SERVER, null, null, "The generation failed.");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.cancel();
            finish(owner, reply, text.toString(), FinishReason.CANCELLED, null);
            throw new ApiException(503, ErrorType.UNAVAILABLE, null, null, "The server is shutting down.");
        } catch (RuntimeException e) {
            handle.cancel();
            if (!(e instanceof ApiException)) {
                finish(owner, reply, text.toString(), control.stopped() ? control.reason.get() : FinishReason.CANCELLED, null);
            }
            throw e;
        }
    }

    private static void emit(StringBuilder text, String piece, Listener listener) {
        if (!piece.isEmpty()) {
            text.append(piece);
            listener.onDelta(piece);
        }
    }

    private ChatMessage finish(String owner, ChatMessage reply, String text, FinishReason why, Usage usage) {
        TokenCounts tokens = usage == null ? TokenCounts.NONE : new TokenCounts(usage.promptTokens(), usage.completionTokens());
        Timings timings = usage == null ? Timings.NONE
                : new Timings(usage.promptNanos() / 1_000_000, usage.generationNanos() / 1_000_000);
        try {
            return store.finishAssistantMessage(owner, reply.id(), AssistantReply.of(text, why, tokens, timings))
                    .orElse(reply);
        } catch (IllegalStateException e) {
            return reply; // already finished (e.g. an error path after the end was stored)
        }
    }

    /** The session's complete messages, oldest first (interrupted and generating replies are left out); mutable. */
    private List<ChatMessage> history(String owner, String sessionId) {
        Page<ChatMessage> page = store.listMessages(owner, sessionId, HISTORY_LIMIT, null)
                .orElseThrow(() -> notFound(sessionId));
        List<ChatMessage> out = new ArrayList<>();
        for (ChatMessage m : page.items()) {
            if (m.status() == MessageStatus.COMPLETE && m.role() != MessageRole.SYSTEM) {
                out.add(m);
            }
        }
        return out;
    }

    /** A template that cannot render the conversation (its own raise_exception, or a bug). */
    private static final class TemplateRenderFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRenderFailure(String message) {
            super(message, null, false, false);
        }
    }

    private static String render(LocalModel model, ChatSession session, List<ChatMessage> msgs) {
        List<Map<String, Object>> messages = new ArrayList<>();
        if (!session.systemPrompt().isEmpty()) {
            messages.add(Map.of("role", "system", "content", session.systemPrompt()));
        }
        for (ChatMessage m : msgs) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role().key());
            o.put("content", m.content());
            messages.add(o);
        }
        try {
            return model.renderChat(messages, Map.of());
        } catch (TemplateException e) {
            throw new TemplateRenderFailure(e.isRaised() ? e.getMessage()
                    : "The model's chat template could not render this conversation: " + e.getMessage());
        }
    }

    /** Session sampling defaults, overridden field by field by the request. */
    private GenerationOptions options(ChatSession session, ObjectNode overrides) {
        ObjectNode merged;
        try {
            JsonNode defaults = json.readTree(session.samplingJson());
            merged = defaults.isObject() ? (ObjectNode) defaults : json.createObjectNode();
        } catch (Exception e) {
            merged = json.createObjectNode();
        }
        if (overrides != null) {
            merged.setAll(overrides);
        }
        merged.remove(List.of("stream", "stream_options", "n", "logprobs", "top_logprobs"));
        return GenerationOptions.parse(merged, true);
    }

    private static ApiException notFound(String sessionId) {
        return ApiException.notFound("session_not_found", "session_id", "Session '" + sessionId + "' does not exist.");
    }
}
