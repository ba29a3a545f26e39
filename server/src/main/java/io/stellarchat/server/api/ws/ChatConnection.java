package io.stellarchat.server.api.ws;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.api.GenerationFields;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Usage;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.conversation.SessionTurns;
import io.stellarchat.server.chat.ChatMessage;
import io.stellarchat.server.chat.ChatSession;
import io.stellarchat.server.chat.NewSession;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection of the chat: reads the client's frames, runs each {@code message} as a session turn
 * on its own virtual thread, and sends the turns' frames back.
 *
 * <p>Threads and state. Jetty delivers frames one at a time on its thread ({@link #onText}); that thread only
 * parses, answers {@code ping}/{@code stop} and starts turn threads, never waits for a turn. Each turn runs on
 * a virtual thread ({@link SessionTurns#run}, which blocks until the reply is stored). {@link #running} maps the
 * client's {@code request_id} to the turn's {@link SessionTurns.Control}; an entry is added by the Jetty thread
 * before the turn thread starts (so a {@code stop} right behind a {@code message} finds it) and removed by the
 * turn thread just before it sends its last frame ({@code end} or {@code error}), so a request id may be
 * reused as soon as that frame arrives.
 *
 * <p>Sending. Jetty's session must not be given a second message while one is being written, so every send
 * holds {@link #sendLock} until Jetty reports the frame written (or {@link #SEND_TIMEOUT} passes). Frames of
 * one request therefore arrive in order; frames of different requests interleave.
 *
 * <p>States: OPEN → GONE ({@link #gone}, volatile, set once). The connection becomes GONE when Jetty reports
 * it closed or failed, or when a send fails or times out (a client that stopped reading). Going GONE cancels
 * every running turn with {@link SessionTurns.Control#clientGone()} (stored {@code cancelled}); turns started
 * afterwards are cancelled as they start; sends after it are dropped.
 */
final class ChatConnection {
    private static final Logger log = LoggerFactory.getLogger(ChatConnection.class);
    /** How long a send may wait for the client to take the frame before the connection is given up. */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    /** Turns one connection may run at once; more get a {@code too_many_requests} error. */
    static final int MAX_RUNNING = 16;

    private final ChatSocketRoutes.Services services;
    private final Session socket;
    private final String owner;
    private final io.stellarchat.server.limits.Caller caller;
    private final ObjectReader reader;
    private final Map<String, SessionTurns.Control> running = new ConcurrentHashMap<>();
    private final ReentrantLock sendLock = new ReentrantLock();
    private volatile boolean gone;

    ChatConnection(ChatSocketRoutes.Services services, Session socket, io.stellarchat.server.limits.Caller caller) {
        this.services = services;
        this.socket = socket;
        this.caller = caller;
        this.owner = caller.owner();
        this.reader = services.json().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** A text frame from the client (Jetty's thread). */
    void onText(String text) {
        JsonNode root;
        try {
            root = reader.readTree(text);
        } catch (JacksonException e) {
            send(services.frames().error(null, new ApiException(400, ErrorType.INVALID_REQUEST, "invalid_json",
                    null, "The frame is not valid JSON: " + e.getOriginalMessage())));
            return;
        }
        ClientFrame frame;
        try {
            frame = root == null ? ClientFrame.parse(services.json().missingNode()) : ClientFrame.parse(root);
        } catch (ApiException e) {
            send(services.frames().error(root == null ? null : ClientFrame.requestIdOrNull(root), e));
            return;
        }
        switch (frame) {
            case ClientFrame.Ping p -> send(services.frames().pong());
            case ClientFrame.Stop s -> stop(s.requestId());
            case ClientFrame.Message m -> start(m);
        }
    }

    /** A binary frame: not part of the protocol. */
    void onBinary() {
        send(services.frames().error(null, new ApiException(400, ErrorType.INVALID_REQUEST, "invalid_frame", null,
                "Binary frames are not supported; send JSON text frames.")));
    }

    /** The socket closed or failed (Jetty's thread), or a send failed: cancel every running turn. Idempotent. */
    void gone() {
        gone = true;
        running.values().forEach(SessionTurns.Control::clientGone);
    }

    /** Turns running now (tests and diagnostics). */
    int runningTurns() {
        return running.size();
    }

    private void stop(String requestId) {
        SessionTurns.Control control = running.get(requestId);
        if (control == null) {
            send(services.frames().error(requestId, new ApiException(404, ErrorType.INVALID_REQUEST,
                    "request_not_running", "request_id", "No request '" + requestId + "' is running on this "
                    + "connection (it may have just ended).")));
            return;
        }
        control.stop();
    }

    private void start(ClientFrame.Message m) {
        if (running.size() >= MAX_RUNNING) {
            send(services.frames().error(m.requestId(), new ApiException(429, ErrorType.RATE_LIMIT,
                    "too_many_requests", null, "This connection already runs " + MAX_RUNNING
                    + " requests; wait for one to end.")));
            return;
        }
        SessionTurns.Control control = new SessionTurns.Control();
        if (running.putIfAbsent(m.requestId(), control) != null) {
            send(services.frames().error(m.requestId(), new ApiException(409, ErrorType.INVALID_REQUEST,
                    "duplicate_request_id", "request_id", "Request '" + m.requestId()
                    + "' is still running on this connection; use a new request_id.")));
            return;
        }
        if (gone) {
            control.clientGone(); // closed while we were starting: the turn stores an empty cancelled reply
        }
        try {
            services.threads().newThread(() -> runTurn(m, control)).start();
        } catch (RuntimeException e) {
            running.remove(m.requestId(), control);
            log.error("cannot start a WebSocket turn thread", e);
            send(services.frames().error(m.requestId(), ApiException.unavailable("The server cannot start the request now.")));
        }
    }

    /** One turn, on its own virtual thread; ends with exactly one {@code end} or {@code error} frame. */
    private void runTurn(ClientFrame.Message m, SessionTurns.Control control) {
        String requestId = m.requestId();
        ChatMessage[] done = new ChatMessage[1];
        Usage[] usage = new Usage[1];
        int[] truncated = new int[1];
        try {
            String sessionId = m.sessionId();
            if (sessionId == null) {
                sessionId = createSession(m.model()).id();
                send(services.frames().session(requestId, sessionId));
            }
            String sid = sessionId;
            services.turns().run(owner, sid, m.input(), GenerationFields.forSession(m.params()), control,
                    services.admission().gate(null, caller), new SessionTurns.Listener() {
                @Override
                public void onStart(ChatMessage user, ChatMessage reply, int truncatedMessages) {
                    send(services.frames().start(requestId, sid, user, reply, truncatedMessages));
                }

                @Override
                public void onDelta(String text) {
                    send(services.frames().delta(requestId, text));
                }

                @Override
                public void onToolCall(int index, io.stellarchat.server.protocol.ToolCall call) {
                    send(services.frames().toolCall(requestId, index, call));
                }

                @Override
                public void onEnd(ChatMessage reply, Usage u, int truncatedMessages) {
                    // Sent after run() returns: by then the session is no longer busy, so a client may send
                    // its next message for the session as soon as it sees this end.
                    done[0] = reply;
                    usage[0] = u;
                    truncated[0] = truncatedMessages;
                }
            });
            running.remove(requestId, control);
            send(services.frames().end(requestId, done[0], usage[0], truncated[0]));
        } catch (ApiException | ProviderException e) {
            running.remove(requestId, control);
            send(services.frames().error(requestId, ApiException.of(e)));
        } catch (RuntimeException e) {
            running.remove(requestId, control);
            log.error("WebSocket request {} failed", requestId, e);
            send(services.frames().error(requestId, new ApiException(500, ErrorType.SERVER, null, null,
                    "The request failed on the server.")));
        } finally {
            running.remove(requestId, control);
        }
    }

    private ChatSession createSession(String model) {
        services.admission().model(caller, model, "model");
        ChatSession s = services.store().createSession(NewSession.of(owner, model));
        services.audit().append(owner, "session.create", s.id(), "");
        return s;
    }

    /**
     * Sends one frame and waits until Jetty has written it. Never throws: a failed or timed-out send makes the
     * connection GONE (which cancels its turns) and later sends are dropped.
     */
    private void send(ObjectNode frame) {
        if (gone) {
            return;
        }
        String text = frame.toString();
        sendLock.lock();
        try {
            if (gone) {
                return;
            }
            Callback.Completable written = new Callback.Completable();
            socket.sendText(text, written);
            written.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.debug("WebSocket send failed; treating the client as gone", e);
            gone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            gone();
        } finally {
            sendLock.unlock();
        }
    }
}
