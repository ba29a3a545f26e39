package io.stellarchat.server.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script run atomically on the Redis server, addressed by its SHA-1 ({@code EVALSHA}) so its text
 * crosses the wire only the first time a server sees it.
 *
 * @param source the Lua text
 * @param sha    its SHA-1, lower-case hex
 */
public record RedisScript(String source, String sha) {
    /** A script from its text. */
    public static RedisScript of(String source) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new RedisScript(source, HexFormat.of().formatHex(d));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from the JDK", e);
        }
    }
}
