package io.stellarchat.server.api;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.JavalinDefaultRoutingApi;
import java.util.List;
import java.util.Set;

/**
 * Cross-origin calls from browsers ({@code server.cors_allowed_origins}). Off by default: with no origin
 * configured this group is not registered and no response carries a CORS header, so a page on another site can
 * read nothing it makes a browser send here (the web UI is same-origin and needs none).
 *
 * <p>With origins configured, a request whose {@code Origin} is one of them (or any, for {@code *}) gets
 * {@code Access-Control-Allow-Origin} with that origin (plus {@code Vary: Origin}) and the headers a client needs to
 * read ({@code X-Request-Id}, {@code Retry-After}, the rate-limit headers); a preflight ({@code OPTIONS} with
 * {@code Access-Control-Request-Method}) from it is answered here with 204, before authentication (a browser sends
 * no key on a preflight), with the methods the API has and the request headers the browser asked for. A request from
 * another origin gets no CORS header, and its preflight falls through to the usual answer (401 or 405), which the
 * browser treats as a refusal. Credentials (cookies) are never allowed: keys travel in headers.
 *
 * <p>Registered before {@link Authentication}; runs on the request's thread and keeps no state but the
 * immutable origin set.
 */
public final class Cors implements RouteGroup {
    static final String METHODS = "GET, POST, PATCH, DELETE, OPTIONS";
    static final String EXPOSED = "X-Request-Id, Retry-After, X-Stellar-Cache, X-Stellar-Upstream, X-Stellar-Warning, "
            + "x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, "
            + "x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens";
    private final Set<String> origins;
    private final boolean any;

    /** @param origins {@code server.cors_allowed_origins}: origins, or {@code *} */
    public Cors(List<String> origins) {
        this.origins = Set.copyOf(origins);
        this.any = origins.contains("*");
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.before(this::apply);
    }

    private void apply(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || !(any || origins.contains(origin))) return;
        ctx.header("Access-Control-Allow-Origin", any ? "*" : origin);
        if (!any) ctx.header("Vary", "Origin");
        String wanted = ctx.header("Access-Control-Request-Method");
        if (ctx.method() == HandlerType.OPTIONS && wanted != null) {
            ctx.header("Access-Control-Allow-Methods", METHODS);
            String headers = ctx.header("Access-Control-Request-Headers");
            // Echo what the browser asks for (SDKs add their own x-… headers): the origin is trusted by configuration.
            if (headers != null && headers.matches("[A-Za-z0-9!#$%&'*+.^_`|~, -]{1,1000}")) {
                ctx.header("Access-Control-Allow-Headers", headers);
            }
            ctx.header("Access-Control-Max-Age", "600");
            ctx.status(204);
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.header("Access-Control-Expose-Headers", EXPOSED);
    }
}
