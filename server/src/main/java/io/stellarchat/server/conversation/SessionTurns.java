package io.stellarchat.server.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.chat.AssistantReply;
import io.stellarchat.server.chat.ChatMessage;
import io.stellarchat.server.chat.ChatSession;
import io.stellarchat.server.chat.HistoryStore;
import io.stellarchat.server.chat.HistoryWindow;
import io.stellarchat.server.chat.MessageRole;
import io.stellarchat.server.chat.MessageStatus;
import io.stellarchat.server.chat.NewMessage;
import io.stellarchat.server.chat.Page;
import io.stellarchat.server.chat.PartialReplyWriter;
import io.stellarchat.server.chat.Timings;
import io.stellarchat.server.chat.TokenCounts;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Message;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Role;
import io.stellarchat.server.protocol.Tool;
import io.stellarchat.server.protocol.ToolCall;
import io.stellarchat.server.protocol.ToolCallDelta;
import io.stellarchat.server.protocol.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One turn of a stored conversation: commit the user's message, choose the history window, have the gateway
 * answer on the session's model, commit the reply with its finish reason. Used by the sessions REST API and
 * the WebSocket chat; it knows neither dialect (failures are {@link ProviderException}s, formatted at the edge).
 *
 * <p>Durability: the history window is chosen first, so a refused message (400) is not stored; then the user
 * message is committed before generation starts; an empty reply row with status {@code generating} is
 * committed next; while the answer is generated its text so far is handed to the {@link PartialReplyWriter}
 * every few pieces or half second (written by that writer's thread: this thread never waits for the database);
 * the reply's whole text and finish reason are committed when the answer ends — {@code stop}
 * (natural end or stopped by the user), {@code length}, {@code tool_calls}, {@code cancelled} (client gone),
 * {@code error} (the answer failed, also after it had begun: what was produced is kept). After a crash,
 * start-up marks left-over {@code generating} rows {@code interrupted}, keeping the text last written.
 *
 * <p>Concurrency: at most one turn per session at a time: a second turn gets 409 {@code session_busy}. On this
 * replica {@link #busy} (a concurrent map) decides; across replicas sharing the database, a generating reply of
 * the session run by another instance that holds a valid lease ({@code chat.InstanceLease}) makes it busy. The
 * cross-replica check is read early (before admission), and made again atomically when the turn's rows are
 * stored ({@link HistoryStore#startTurn} serializes on the session's row), so of two turns sent to two replicas
 * at the same moment exactly one starts. A turn runs on its caller's (virtual) thread, reading its answer's stream;
 * {@link Control} may be used from any thread to stop the turn (it cancels the stream).
 */
public final class SessionTurns {
    /** Most recent messages read to build a window; older ones never fit a context anyway. */
    private static final int HISTORY_LIMIT = 1000;
    /** Reply budget when neither the request nor the session says. */
    private static final int DEFAULT_REPLY_TOKENS = 512;
    /** Context assumed for a model whose context is not known (a remote one without {@code context_length}). */
    private static final int UNKNOWN_CONTEXT = 1 << 30;
    private static final Duration POLL = Duration.ofMillis(250);
    /** Id of the new user message while its window is chosen, before it is stored and gets its real id. */
    private static final String UNSAVED_ID = "unsaved";

    private final HistoryStore store;
    private final Gateway gateway;
    private final Function<String, GenerationParams> storedSampling;
    /** Sessions with a running turn → that turn's token (so a turn only ever clears its own entry). */
    private final Map<String, Object> busy = new ConcurrentHashMap<>();

    /**
     * @param store          the history
     * @param gateway        answers the turns
     * @param storedSampling reads a session's stored sampling defaults (the text the sessions API stored; its
     *                       format belongs to that API)
     */
    public SessionTurns(HistoryStore store, Gateway gateway, Function<String, GenerationParams> storedSampling) {
        this(store, gateway, storedSampling, e -> { });
    }

    /** @param events where a {@code session_turn} event goes when each turn's reply is stored */
    public SessionTurns(HistoryStore store, Gateway gateway, Function<String, GenerationParams> storedSampling,
                        java.util.function.Consumer<io.stellarchat.server.observe.TelemetryEvent> events) {
        this(store, gateway, storedSampling, events, PartialReplyWriter.disabled());
    }

    /** @param partials writes each reply's text while it is generated (its own thread; the turn never waits) */
    public SessionTurns(HistoryStore store, Gateway gateway, Function<String, GenerationParams> storedSampling,
                        java.util.function.Consumer<io.stellarchat.server.observe.TelemetryEvent> events,
                        PartialReplyWriter partials) {
        this.store = store;
        this.gateway = gateway;
        this.storedSampling = storedSampling;
        this.events = events;
        this.partials = partials;
    }

    private final PartialReplyWriter partials;

    private final java.util.function.Consumer<io.stellarchat.server.observe.TelemetryEvent> events;

    /**
     * Admission of a turn, supplied by the edge (rate limits of the caller): asked after the prompt is measured
     * and before anything is stored, so a refused turn leaves no row behind.
     */
    public interface Gate {
        /** Admits everything. */
        Gate OPEN = (model, request, promptTokens) -> java.util.function.Supplier::get;

        /**
         * Admits a turn or throws (the exception reaches the caller of {@link #run} unchanged).
         *
         * @return how to start the answer: wraps the gateway call (to settle what was reserved when it ends)
         */
        Admitted admit(ModelInfo model, ChatRequest request, int promptTokens);
    }

    /** A turn the gate admitted. */
    public interface Admitted {
        ChatStream start(java.util.function.Supplier<ChatStream> call);

        /** The turn will not start (it lost the race for the session): release what was reserved, now. */
        default void abandon() {
        }
    }

    /**
     * The message that starts a turn: the user's text, or a tool's result answering a call of the last reply;
     * with the tools the model may call in its reply.
     *
     * @param role       {@link MessageRole#USER} or {@link MessageRole#TOOL}
     * @param content    the text (a tool's result as the tool gave it)
     * @param toolCallId the call a tool result answers (tool messages only)
     * @param tools      functions the model may call in this turn's reply
     * @param toolChoice {@code auto}, {@code none}, {@code required} or a named function (null: auto)
     */
    public record Input(MessageRole role, String content, String toolCallId, List<Tool> tools, JsonNode toolChoice) {
        public Input {
            if (role != MessageRole.USER && role != MessageRole.TOOL) {
                throw new IllegalArgumentException("a turn starts with a user or tool message, not " + role);
            }
            tools = List.copyOf(tools);
        }

        /** A user's message without tools. */
        public static Input user(String content) {
            return new Input(MessageRole.USER, content, null, List.of(), null);
        }
    }

    /** What a turn reports while it runs (on the turn's thread). */
    public interface Listener {
        /** The user message is committed and the reply row exists. */
        void onStart(ChatMessage user, ChatMessage reply, int truncatedMessages);

        /** A piece of reply text (complete UTF-8 characters). */
        void onDelta(String text);

        /** The reply called a tool (reported when the reply's choice ended, calls in index order). */
        default void onToolCall(int index, ToolCall call) {
        }

        /** The reply is committed. */
        void onEnd(ChatMessage reply, Usage usage, int truncatedMessages);

        /** Nothing arrived for a while (streaming transports send a keep-alive; may detect a gone client). */
        default void onIdle() {
        }
    }

    /** Stops a running turn from another thread; records why, which becomes the stored finish reason. */
    public static final class Control {
        private final AtomicReference<FinishReason> reason = new AtomicReference<>();
        private volatile ChatStream stream;

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
            ChatStream s = stream;
            if (s != null) {
                s.cancel();
            }
        }

        private void attach(ChatStream s) {
            stream = s;
            if (reason.get() != null) {
                s.cancel(); // stopped while the answer was being started
            }
        }

        boolean stopped() {
            return reason.get() != null;
        }
    }

    /**
     * Runs one turn to its end on this thread.
     *
     * @param overrides generation settings of this message, overriding the session's defaults field by field
     * @throws ProviderException 404 unknown session or model, 409 busy, 400 too long, 429/503 overloaded, and
     *                           any failure of the answer (the partial reply is stored first)
     */
    public ChatMessage run(String owner, String sessionId, String content, GenerationParams overrides, Control control,
                           Listener listener) {
        return run(owner, sessionId, content, overrides, control, Gate.OPEN, listener);
    }

    /** The same, admitted by {@code gate} first. */
    public ChatMessage run(String owner, String sessionId, String content, GenerationParams overrides, Control control,
                           Gate gate, Listener listener) {
        return run(owner, sessionId, Input.user(content), overrides, control, gate, listener);
    }

    /** A turn started by a user message or a tool result, admitted by {@code gate} first. */
    public ChatMessage run(String owner, String sessionId, Input input, GenerationParams overrides, Control control,
                           Gate gate, Listener listener) {
        ChatSession session = store.getSession(owner, sessionId).orElseThrow(() -> notFound(sessionId));
        Object token = new Object();
        if (!claim(sessionId, token)) {
            throw busy(sessionId);
        }
        try {
            return runLocked(owner, session, input, overrides, control, listener, () -> busy.remove(sessionId, token), gate);
        } finally {
            busy.remove(sessionId, token);
        }
    }

    /**
     * Deletes a message and everything after it in the session (regenerate, edit and resend), holding the
     * session's turn lock so it never races a running turn.
     *
     * @return how many messages were deleted
     * @throws ProviderException 404 unknown session or message, 409 while the session is generating
     */
    public int truncate(String owner, String sessionId, String messageId) {
        store.getSession(owner, sessionId).orElseThrow(() -> notFound(sessionId));
        Object token = new Object();
        if (!claim(sessionId, token)) {
            throw busyHistory(sessionId);
        }
        try {
            return store.deleteMessagesFrom(owner, sessionId, messageId).orElseThrow(() -> ProviderException.notFound(
                    "message_not_found", "message_id", "Session " + sessionId + " has no message '" + messageId + "'."));
        } catch (io.stellarchat.server.chat.SessionBusyException e) {
            // A turn started on another replica between the early check and the delete.
            throw busyHistory(sessionId);
        } finally {
            busy.remove(sessionId, token);
        }
    }

    /**
     * Takes the session for a turn (or a truncation): free here (the in-memory map) and not generating on another
     * replica (a generating reply of the session run by an instance with a valid lease). On failure nothing is held.
     */
    private boolean claim(String sessionId, Object token) {
        if (busy.putIfAbsent(sessionId, token) != null) return false;
        boolean elsewhere;
        try {
            elsewhere = store.generatingOnAnotherInstance(sessionId);
        } catch (RuntimeException e) {
            busy.remove(sessionId, token);
            throw e;
        }
        if (elsewhere) busy.remove(sessionId, token);
        return !elsewhere;
    }

    private ChatMessage runLocked(String owner, ChatSession session, Input input, GenerationParams overrides,
                                  Control control, Listener listener, Runnable release, Gate gate) {
        String content = input.content();
        ModelInfo model = gateway.find(session.model()).orElseThrow(() -> ProviderException.notFound("model_not_found",
                "model", "The session's model '" + session.model() + "' is not available."));
        GenerationParams params = storedSampling.apply(session.samplingJson()).overriddenBy(overrides);
        // The window is chosen with the new message in place but before it is stored: a message that is
        // refused (too long, template failure) leaves no row behind, so the 400 means "nothing happened".
        List<ChatMessage> history = history(owner, session.id());
        history.add(new ChatMessage(UNSAVED_ID, session.id(), input.role(), content, null, input.toolCallId(), null,
                MessageStatus.COMPLETE, TokenCounts.NONE, Timings.NONE, Instant.EPOCH));
        int ctx = model.contextLength() > 0 ? model.contextLength() : UNKNOWN_CONTEXT;
        int budget = params.maxTokens() != null ? params.maxTokens() : Math.min(DEFAULT_REPLY_TOKENS, ctx / 4);
        HistoryWindow.Window window;
        try {
            window = HistoryWindow.choose(history, msgs -> gateway.promptTokens(model.id(), messages(session, msgs)),
                    ctx, budget);
        } catch (HistoryWindow.DoesNotFitException e) {
            throw ProviderException.contextLength("content", "The message needs " + e.promptTokens()
                    + " prompt tokens; with a reply budget of " + budget + " tokens the model's context of " + ctx
                    + " tokens cannot hold it.");
        } catch (ProviderException e) {
            if (e.kind() == ErrorKind.INVALID_REQUEST) {
                throw ProviderException.invalid("content", e.getMessage()); // the template refused the conversation
            }
            throw e;
        }
        int replyBudget = model.contextLength() > 0 ? Math.min(budget, ctx - window.promptTokens()) : budget;
        ChatRequest request = new ChatRequest(model.id(), messages(session, window.messages()),
                params.withMaxTokens(replyBudget), input.tools(), input.toolChoice(), null, false, false, null);
        Admitted admitted = gate.admit(model, request, window.promptTokens());

        HistoryStore.StartedTurn started;
        try {
            started = store.startTurn(owner, session.id(), new NewMessage(input.role(), content, null,
                    input.toolCallId(), null, TokenCounts.NONE, Timings.NONE)).orElseThrow(() -> notFound(session.id()));
        } catch (io.stellarchat.server.chat.SessionBusyException e) {
            // Lost the race with a turn started on another replica in the same moment (the early check passed):
            // give back the concurrency slot and tokens the gate reserved, or they stay held until their lease
            // in the limiter expires.
            admitted.abandon();
            throw busy(session.id());
        }
        ChatMessage user = started.first();
        ChatMessage reply = started.reply();
        ChatStream stream;
        try {
            stream = admitted.start(() -> gateway.chat(request));
        } catch (RuntimeException e) {
            finish(owner, reply, "", FinishReason.ERROR, null);
            throw e;
        }
        control.attach(stream);
        listener.onStart(user, reply, window.truncated());

        StringBuilder text = new StringBuilder();
        ToolCalls calls = new ToolCalls();
        FinishReason why = null;
        PartialReplyWriter.Progress progress = partials.track(reply.id()); // this thread's
        try (stream) {
            while (true) {
                ChatEvent event = stream.next(POLL);
                switch (event) {
                    case null -> {
                        progress.onIdle(text);
                        listener.onIdle();
                    }
                    case ChatEvent.Delta d -> {
                        if (!d.content().isEmpty()) {
                            text.append(d.content());
                            progress.onText(text); // hands the text over, never waits for the database
                            listener.onDelta(d.content());
                        }
                        calls.add(d.toolCalls());
                    }
                    case ChatEvent.ChoiceEnd e -> {
                        why = e.reason();
                        List<ToolCall> made = calls.calls();
                        for (int i = 0; i < made.size(); i++) listener.onToolCall(i, made.get(i));
                    }
                    case ChatEvent.Done done -> {
                        if (why == null || why == FinishReason.CANCELLED) {
                            why = control.reason.get() != null ? control.reason.get() : FinishReason.CANCELLED;
                        }
                        progress.end();
                        ChatMessage stored = finish(owner, reply, text.toString(), why, done.usage(), calls.json(),
                                control.reason.get() == FinishReason.STOP);
                        release.run(); // the session takes a new message as soon as the client hears the end
                        listener.onEnd(stored, done.usage(), window.truncated());
                        return stored;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            progress.end();
            finish(owner, reply, text.toString(), FinishReason.CANCELLED, null);
            throw ProviderException.unavailable("shutting_down", "The server is shutting down.", null);
        } catch (ProviderException e) {
            // The answer failed after it began: keep what was produced.
            progress.end();
            finish(owner, reply, text.toString(), FinishReason.ERROR, null);
            throw e;
        } catch (RuntimeException e) {
            // The listener failed (a transport problem): the reply is stored as the client left it.
            progress.end();
            finish(owner, reply, text.toString(), control.stopped() ? control.reason.get() : FinishReason.CANCELLED, null,
                    null, control.reason.get() == FinishReason.STOP);
            throw e;
        }
    }

    private ChatMessage finish(String owner, ChatMessage reply, String text, FinishReason why, Usage usage) {
        return finish(owner, reply, text, why, usage, null, false);
    }

    /** @param userStopped whether the user's stop ended the reply (stored as {@code stopped}) */
    private ChatMessage finish(String owner, ChatMessage reply, String text, FinishReason why, Usage usage,
                               String toolCallsJson, boolean userStopped) {
        TokenCounts tokens = usage == null ? TokenCounts.NONE : new TokenCounts(usage.promptTokens(), usage.completionTokens());
        Timings timings = usage == null || usage.timings() == null ? Timings.NONE
                : new Timings((long) usage.timings().promptMs(), (long) usage.timings().predictedMs());
        ChatMessage stored;
        try {
            stored = store.finishAssistantMessage(owner, reply.id(), new AssistantReply(text, why, tokens, timings,
                    toolCallsJson, why == FinishReason.STOP && userStopped)).orElse(reply);
        } catch (IllegalStateException e) {
            return reply; // already finished (e.g. an error path after the end was stored)
        }
        Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("session_id", reply.sessionId());
        data.put("message_id", reply.id());
        data.put("finish_reason", why.key());
        data.put("prompt_tokens", tokens.prompt());
        data.put("completion_tokens", tokens.completion());
        data.put("tool_calls", toolCallsJson != null);
        events.accept(io.stellarchat.server.observe.TelemetryEvent.of(io.stellarchat.server.observe.TelemetryEvent.Type.SESSION_TURN,
                owner, null, data));
        return stored;
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

    /** The conversation as the model reads it: the session's system prompt, then the window. */
    private static List<Message> messages(ChatSession session, List<ChatMessage> msgs) {
        List<Message> out = new ArrayList<>(msgs.size() + 1);
        if (!session.systemPrompt().isEmpty()) {
            out.add(Message.text(Role.SYSTEM, session.systemPrompt()));
        }
        for (ChatMessage m : msgs) {
            List<ToolCall> made = ToolCalls.parse(m.toolCallsJson());
            out.add(new Message(Role.valueOf(m.role().name()),
                    List.of(new io.stellarchat.server.protocol.ContentPart.Text(m.content())), null, made, m.toolCallId()));
        }
        return out;
    }

    /**
     * The tool calls of one reply as its deltas assemble them (by index: the first piece names the call, later
     * ones append arguments), and their stored form: OpenAI's {@code tool_calls} array.
     */
    static final class ToolCalls {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final java.util.TreeMap<Integer, String[]> byIndex = new java.util.TreeMap<>();
        private final java.util.Map<Integer, StringBuilder> args = new java.util.HashMap<>();

        void add(List<ToolCallDelta> deltas) {
            for (ToolCallDelta t : deltas) {
                String[] c = byIndex.computeIfAbsent(t.index(), i -> new String[2]);
                if (t.id() != null) c[0] = t.id();
                if (t.name() != null) c[1] = t.name();
                if (t.arguments() != null) args.computeIfAbsent(t.index(), i -> new StringBuilder()).append(t.arguments());
            }
        }

        List<ToolCall> calls() {
            List<ToolCall> out = new ArrayList<>();
            byIndex.forEach((i, c) -> out.add(new ToolCall(c[0] == null ? "call_" + i : c[0], c[1] == null ? "" : c[1],
                    args.containsKey(i) ? args.get(i).toString() : "")));
            return out;
        }

        /** The calls as stored, or null when there are none. */
        String json() {
            if (byIndex.isEmpty()) return null;
            ArrayNode arr = JSON.createArrayNode();
            for (ToolCall c : calls()) {
                ObjectNode o = arr.addObject();
                o.put("id", c.id());
                o.put("type", "function");
                o.putObject("function").put("name", c.name()).put("arguments", c.arguments());
            }
            return arr.toString();
        }

        /** Stored calls back as records (none for null or unreadable text). */
        static List<ToolCall> parse(String json) {
            if (json == null) return List.of();
            try {
                List<ToolCall> out = new ArrayList<>();
                for (JsonNode o : JSON.readTree(json)) {
                    JsonNode fn = o.path("function");
                    out.add(new ToolCall(o.path("id").asText(), fn.path("name").asText(), fn.path("arguments").asText()));
                }
                return out;
            } catch (java.io.IOException e) {
                return List.of();
            }
        }
    }

    private static ProviderException busyHistory(String sessionId) {
        return new ProviderException(ErrorKind.INVALID_REQUEST, 409, "session_busy", null,
                "Session " + sessionId + " is generating a reply; stop it or wait before changing its history.", null);
    }

    private static ProviderException busy(String sessionId) {
        return new ProviderException(ErrorKind.INVALID_REQUEST, 409, "session_busy", null,
                "Session " + sessionId + " is already generating a reply; wait for it to finish or stop it.", null);
    }

    private static ProviderException notFound(String sessionId) {
        return ProviderException.notFound("session_not_found", "session_id", "Session '" + sessionId + "' does not exist.");
    }
}
