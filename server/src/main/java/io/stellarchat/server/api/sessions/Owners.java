package io.stellarchat.server.api.sessions;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Who owns what a request creates or reads: the owner of the caller's API key ({@code api.Authentication}); a
 * static key or an unknown token where keys are optional owns by a SHA-256 prefix of the token (so the token
 * itself is never stored), no token at all is {@value #DEFAULT}. One owner never sees another's sessions: the store answers as if they did not exist (404, not 403).
 */
public final class Owners {
    static final String DEFAULT = "default";

    private Owners() {}

    /** The owner of a request: its authenticated caller's, else (no authentication in front) from its header. */
    public static String of(Context ctx) {
        io.stellarchat.server.limits.Caller c = ctx.attribute(io.stellarchat.server.api.Authentication.ATTRIBUTE);
        return c != null ? c.owner() : fromAuthorization(ctx.header("Authorization"));
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
