package io.stellarchat.server.api.sessions;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Who owns what a request creates or reads. Until API keys are enforced, the owner is derived from the bearer
 * token the client sends (a SHA-256 prefix, so the token itself is never stored), or {@value #DEFAULT} without
 * one; the WebSocket chat uses the upgrade request's header the same way. One owner never sees another's sessions: the store answers as if they did not exist (404, not 403).
 */
public final class Owners {
    static final String DEFAULT = "default";

    private Owners() {}

    /** The owner of a request (or of a WebSocket upgrade request) from its Authorization header. */
    public static String of(Context ctx) {
        return fromAuthorization(ctx.header("Authorization"));
    }

    /** The owner named by an Authorization header value (null: none). */
    public static String fromAuthorization(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            return DEFAULT;
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
            return "key-" + HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
