package io.stellarchat.server.api;

import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.limits.KeyRing;
import io.stellarchat.server.limits.Scope;
import java.util.Set;

/**
 * Who is calling, before any handler runs: reads the key from {@code Authorization: Bearer <key>} or
 * {@code x-api-key: <key>} (Anthropic clients send that), has the {@link KeyRing} turn it into a
 * {@link Caller}, checks the scope the route needs, and leaves the caller on the request for the handlers. A
 * missing or bad key is 401 {@code invalid_api_key}; a key without the route's scope 403 {@code insufficient_scope}.
 * WebSocket upgrades are checked the same way before the upgrade.
 *
 * <p>{@code /health}, {@code /ready} and {@code /metrics} are open (probes and scrapers carry no keys), and so are
 * the web UI's pages and assets ({@code api.web}: a browser cannot attach a key to a page load; the API calls the
 * pages make carry one).
 *
 * <p>A browser cannot set headers on a WebSocket either: the web UI offers the key as a subprotocol
 * {@code stellar.key.<base64url of the key>} beside {@code stellar.v1} (never in the URL, which lands in logs);
 * it is read here only when neither header is present.
 */
public final class Authentication implements RouteGroup {
    /** Request attribute holding the {@link Caller}. */
    public static final String ATTRIBUTE = "stellar.caller";
    private static final Set<String> OPEN = Set.of("/health", "/ready", "/metrics");
    private final KeyRing keys;

    public Authentication(KeyRing keys) {
        this(keys, io.stellarchat.server.observe.Tracing.off());
    }

    /** @param tracing where the {@code authenticate} span of each request goes */
    public Authentication(KeyRing keys, io.stellarchat.server.observe.Tracing tracing) {
        this.keys = keys;
        this.tracing = tracing;
    }

    private final io.stellarchat.server.observe.Tracing tracing;

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.before(this::check);
        routes.wsBeforeUpgrade(this::check);
    }

    private void check(Context ctx) {
        String path = ctx.path();
        if (OPEN.contains(path) || io.stellarchat.server.api.web.WebRoutes.isWebPath(path)) return;
        Caller caller;
        io.opentelemetry.api.trace.Span span = tracing.start("authenticate", io.opentelemetry.api.trace.SpanKind.INTERNAL);
        try {
            caller = keys.authenticate(secret(ctx));
        } catch (KeyRing.KeyRejected e) {
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, "invalid_api_key");
            unreadBody(ctx);
            throw ApiException.unauthorized(e.getMessage());
        } finally {
            span.end();
        }
        Scope needed = scopeOf(path);
        if (needed != null && !caller.has(needed)) {
            unreadBody(ctx);
            throw new ApiException(403, ErrorType.PERMISSION, "insufficient_scope", null, "This API key"
                    + (caller.prefix().isEmpty() ? "" : " (" + caller.prefix() + "…)") + " does not have the '"
                    + needed.wire() + "' scope needed for " + path + ".");
        }
        ctx.attribute(ATTRIBUTE, caller);
    }

    /**
     * A refused request's body is never read: close the connection after the answer, so a client does not send
     * its next request on a connection the server is about to drop while discarding the unread body.
     */
    private static void unreadBody(Context ctx) {
        if (ctx.req().getContentLengthLong() != 0 && ctx.header("Upgrade") == null) ctx.header("Connection", "close");
    }

    /** The key a request presents, or null. */
    static String secret(Context ctx) {
        String auth = ctx.header("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && auth.length() > 7) {
            return auth.substring(7).trim();
        }
        String x = ctx.header("x-api-key");
        if (x != null && !x.isBlank()) return x.trim();
        return fromSubprotocol(ctx.header("Sec-WebSocket-Protocol"));
    }

    /** The prefix of the subprotocol that carries a browser's key on a WebSocket upgrade. */
    static final String KEY_PROTOCOL = "stellar.key.";

    /** The key in an offered {@code stellar.key.<base64url>} subprotocol, or null (none, or not base64url). */
    static String fromSubprotocol(String header) {
        if (header == null) return null;
        String[] offered = header.split(",");
        for (int i = 0; i < offered.length; i++) {
            String t = offered[i].trim();
            if (t.startsWith(KEY_PROTOCOL) && t.length() > KEY_PROTOCOL.length()) {
                if (i == 0) {
                    // The server selects the first offered protocol and sends it back: never the key.
                    throw ApiException.invalidRequest(null, "Offer the subprotocol 'stellar.v1' before the key "
                            + "('stellar.key.…'); the first offered protocol is the one selected and echoed.");
                }
                try {
                    return new String(java.util.Base64.getUrlDecoder().decode(t.substring(KEY_PROTOCOL.length())),
                            java.nio.charset.StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw ApiException.unauthorized("The key offered as WebSocket subprotocol is not base64url.");
                }
            }
        }
        return null;
    }

    /** The scope a path needs; null for paths any authenticated caller may use (the model list, unknown paths). */
    static Scope scopeOf(String path) {
        if (path.startsWith("/v1/admin/")) return Scope.ADMIN;
        if (path.startsWith("/v1/sessions") || path.equals("/v1/ws")) return Scope.SESSIONS;
        if (path.equals("/v1/embeddings") || path.equals("/api/embed") || path.equals("/api/embeddings")
                || path.equals("/v1/rerank") || path.equals("/v2/rerank") || path.equals("/rerank")) {
            return Scope.EMBEDDINGS;
        }
        if (path.equals("/api/chat") || path.equals("/api/generate")) return Scope.CHAT;
        if (path.equals("/api/pull") || path.equals("/api/delete") || path.equals("/api/copy") || path.equals("/api/create")
                || path.equals("/api/push")) {
            return Scope.ADMIN;
        }
        if (path.equals("/v1/chat/completions") || path.equals("/v1/completions") || path.equals("/tokenize")
                || path.equals("/detokenize") || path.equals("/apply-template") || path.equals("/v1/messages")
                || path.startsWith("/v1/messages/")) {
            return Scope.CHAT;
        }
        return null;
    }

    /**
     * The caller of a request (or of a WebSocket upgrade). Without the authentication group (tests of the frame)
     * every request is an anonymous caller with every scope.
     */
    public static Caller caller(Context ctx) {
        Caller c = ctx.attribute(ATTRIBUTE);
        return c != null ? c : ANONYMOUS;
    }

    private static final Caller ANONYMOUS = new Caller("anonymous", "", "default", Set.of(Scope.values()),
            Set.of(Caller.ANY_MODEL), io.stellarchat.server.limits.KeyLimits.NONE, true);
}
