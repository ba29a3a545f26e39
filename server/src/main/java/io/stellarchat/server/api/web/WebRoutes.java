package io.stellarchat.server.api.web;

import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.RouteGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /} (the playground), {@code GET /console} (the operator console) and {@code GET /ui/{name}} (their
 * scripts, styles and icon), read once from the jar's {@code web/} folder at start-up and kept in memory (a few
 * tens of KiB).
 *
 * <p>Every answer carries a strong {@code ETag} (a SHA-256 prefix of the bytes) and {@code Cache-Control:
 * no-cache}, so a browser revalidates each time and gets {@code 304 Not Modified} until the jar changes. Every
 * answer also carries a strict {@code Content-Security-Policy}: scripts, styles, images and connections from
 * this origin only, no inline script or style, no plugins, no framing — the pages show model output, which is
 * untrusted, and the service often runs where nothing outside may be fetched.
 *
 * <p>The pages themselves are open (a browser cannot attach a key to a page load); every API call they make
 * carries the key the user typed, and is checked as any other ({@code api.Authentication}).
 */
public final class WebRoutes implements RouteGroup {
    /** What the pages may load and where they may connect. {@code 'self'} covers same-origin WebSockets. */
    static final String CSP = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'");
    /** The files under {@code web/} that are served under {@code /ui/}; nothing else in the jar is reachable. */
    static final List<String> ASSETS = List.of("app.css", "icon.svg", "api.js", "dom.js", "markdown.js",
            "highlight.js", "chart.js", "shell.js", "playground.js", "console.js");

    /** One file: its bytes, media type and entity tag. */
    record Asset(byte[] body, String contentType, String etag) {}

    private final Map<String, Asset> assets; // by URL path; immutable after construction

    public WebRoutes() {
        Map<String, Asset> m = new LinkedHashMap<>();
        m.put("/", load("index.html"));
        m.put("/console", load("console.html"));
        for (String name : ASSETS) m.put("/ui/" + name, load(name));
        this.assets = Map.copyOf(m);
    }

    /** Whether {@code path} is one of the open web paths (no key needed to fetch it). */
    public static boolean isWebPath(String path) {
        return path.equals("/") || path.equals("/console") || path.startsWith("/ui/");
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.get("/", ctx -> serve(ctx, "/"));
        routes.get("/console", ctx -> serve(ctx, "/console"));
        routes.get("/ui/{name}", ctx -> serve(ctx, "/ui/" + ctx.pathParam("name")));
    }

    private void serve(Context ctx, String path) {
        Asset a = assets.get(path);
        if (a == null) {
            throw ApiException.notFound("asset_not_found", null, "No web asset '" + path + "'.");
        }
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY"); // frame-ancestors for browsers that predate CSP 2
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", a.etag());
        if (matches(ctx.header("If-None-Match"), a.etag())) {
            ctx.status(304);
            return;
        }
        ctx.contentType(a.contentType()).result(a.body());
    }

    /** {@code If-None-Match}: a list of entity tags or {@code *}. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) return false;
        for (String t : ifNoneMatch.split(",")) {
            String tag = t.trim();
            if (tag.startsWith("W/")) tag = tag.substring(2);
            if (tag.equals("*") || tag.equals(etag)) return true;
        }
        return false;
    }

    private static Asset load(String name) {
        try (InputStream in = WebRoutes.class.getClassLoader().getResourceAsStream("web/" + name)) {
            if (in == null) throw new IllegalStateException("web asset missing from the jar: web/" + name);
            byte[] body = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return new Asset(body, contentType(name), "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read web asset " + name, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) return "text/html; charset=utf-8";
        if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
        if (name.endsWith(".css")) return "text/css; charset=utf-8";
        if (name.endsWith(".svg")) return "image/svg+xml";
        return "application/octet-stream";
    }
}
