package io.stellarchat.server.api.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.javalin.websocket.WsContext;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.api.sessions.Owners;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.conversation.SessionTurns;
import io.stellarchat.server.chat.AuditLog;
import io.stellarchat.server.chat.HistoryStore;
import io.stellarchat.server.gateway.Gateway;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * {@code GET /v1/ws}: the WebSocket chat (protocol in {@code docs/websocket.md}). Each accepted socket gets a
 * {@link ChatConnection}, kept here by Javalin's connection id from connect to close; the owner of its
 * sessions comes from the upgrade request's {@code Authorization} header, as for REST ({@link Owners}).
 * Text messages larger than {@code maxFrameBytes} make Jetty close the socket with status 1009.
 */
public final class ChatSocketRoutes implements RouteGroup {
    /** A socket with no frames either way for this long is closed by Jetty (clients send {@code ping}). */
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(5);

    /** What every connection uses; shared, thread-safe. */
    record Services(HistoryStore store, AuditLog audit, Gateway models, Admission admission, SessionTurns turns,
                    ObjectMapper json, ServerFrames frames, ThreadFactory threads) {}

    private final Services services;
    private final long maxFrameBytes;
    private final Map<String, ChatConnection> connections = new ConcurrentHashMap<>();

    /**
     * @param store         sessions, for creating one when a message names none
     * @param audit         where session creation is recorded
     * @param models        the loaded models (a new session's model must be one)
     * @param turns         runs the turns (shared with the REST API, so a session is busy across both)
     * @param json          the JSON mapper
     * @param maxFrameBytes largest text message accepted ({@code server.ws_max_frame_bytes})
     */
    public ChatSocketRoutes(HistoryStore store, AuditLog audit, Gateway models, SessionTurns turns,
                            ObjectMapper json, long maxFrameBytes) {
        this(store, audit, models, Admission.open(models), turns, json, maxFrameBytes);
    }

    /** @param admission model visibility and rate limits of the connecting key for every turn */
    public ChatSocketRoutes(HistoryStore store, AuditLog audit, Gateway models, Admission admission, SessionTurns turns,
                            ObjectMapper json, long maxFrameBytes) {
        if (maxFrameBytes < 1) throw new IllegalArgumentException("maxFrameBytes must be positive: " + maxFrameBytes);
        // ThreadFactory, not the builder: a factory may be used from several threads at once.
        this.services = new Services(store, audit, models, admission, turns, json, new ServerFrames(json),
                Thread.ofVirtual().name("ws-turn-", 0).factory());
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.ws("/v1/ws", ws -> {
            ws.onConnect(ctx -> {
                // Jetty checks frames and whole messages separately (64 KiB each by default): one limit for both.
                ctx.session.setMaxFrameSize(maxFrameBytes);
                ctx.session.setMaxTextMessageSize(maxFrameBytes);
                ctx.session.setMaxBinaryMessageSize(maxFrameBytes);
                ctx.session.setIdleTimeout(IDLE_TIMEOUT);
                // The caller was authenticated before the upgrade (api.Authentication); without that group in
                // front (tests of the socket alone), the owner comes from the header as before keys existed.
                Caller caller = ctx.attribute(Authentication.ATTRIBUTE);
                if (caller == null) {
                    caller = new Caller("anonymous", "", Owners.fromAuthorization(ctx.header("Authorization")),
                            java.util.EnumSet.allOf(io.stellarchat.server.limits.Scope.class),
                            java.util.Set.of(Caller.ANY_MODEL), io.stellarchat.server.limits.KeyLimits.NONE, true);
                }
                connections.put(ctx.sessionId(), new ChatConnection(services, ctx.session, caller));
            });
            ws.onMessage(ctx -> {
                ChatConnection c = connection(ctx);
                if (c != null) c.onText(ctx.message());
            });
            ws.onBinaryMessage(ctx -> {
                ChatConnection c = connection(ctx);
                if (c != null) c.onBinary();
            });
            ws.onClose(ctx -> {
                ChatConnection c = connections.remove(ctx.sessionId());
                if (c != null) c.gone();
            });
            ws.onError(ctx -> {
                ChatConnection c = connection(ctx);
                if (c != null) c.gone();
            });
        });
    }

    /** Connections open now (tests and diagnostics). */
    int openConnections() {
        return connections.size();
    }

    private ChatConnection connection(WsContext ctx) {
        return connections.get(ctx.sessionId());
    }
}
