package io.stellarchat.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The HTTP listener.
 *
 * @param host         interface to bind; loopback by default, anything else is an explicit choice
 * @param port         TCP port, 0 picks a free one (tests)
 * @param maxBodyBytes largest request body accepted; bigger bodies get 413
 * @param drainTimeout how long shutdown waits for in-flight requests before closing them
 * @param apiKeys      accepted API keys (secret; empty means no authentication)
 * @param wsMaxFrameBytes largest WebSocket text message accepted; a bigger one closes the connection with 1009
 * @param corsAllowedOrigins browser origins ({@code https://app.example.com}, or {@code *} for any) that may call
 *                           the API from another site; empty (the default): CORS is off, no CORS header is sent
 */
public record ServerConfig(String host, int port, long maxBodyBytes, Duration drainTimeout, List<Secret> apiKeys,
                           long wsMaxFrameBytes, List<String> corsAllowedOrigins) {
    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        apiKeys = List.copyOf(apiKeys);
        corsAllowedOrigins = List.copyOf(corsAllowedOrigins);
        for (String o : corsAllowedOrigins) {
            if (!isOrigin(o)) throw new IllegalArgumentException("not an origin (scheme://host[:port] or *): " + o);
        }
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port out of range: " + port);
        if (maxBodyBytes < 1) throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
        if (wsMaxFrameBytes < 1) throw new IllegalArgumentException("wsMaxFrameBytes must be positive: " + wsMaxFrameBytes);
        if (drainTimeout.isNegative()) throw new IllegalArgumentException("drainTimeout is negative: " + drainTimeout);
    }

    /** The WebSocket message limit when none is given ({@code server.ws_max_frame_bytes}'s default, 1 MiB). */
    public static final long DEFAULT_WS_MAX_FRAME_BYTES = 1L << 20;

    /** A listener without CORS. */
    public ServerConfig(String host, int port, long maxBodyBytes, Duration drainTimeout, List<Secret> apiKeys,
                        long wsMaxFrameBytes) {
        this(host, port, maxBodyBytes, drainTimeout, apiKeys, wsMaxFrameBytes, List.of());
    }

    /**
     * Whether {@code o} is {@code *} or a browser origin as the {@code Origin} header carries it: http or https,
     * a host, an optional port, no path, no trailing slash.
     */
    public static boolean isOrigin(String o) {
        return o.equals("*") || o.matches("https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|https?://\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");
    }

    /** A listener with the default WebSocket message limit. */
    public ServerConfig(String host, int port, long maxBodyBytes, Duration drainTimeout, List<Secret> apiKeys) {
        this(host, port, maxBodyBytes, drainTimeout, apiKeys, DEFAULT_WS_MAX_FRAME_BYTES);
    }

    /** True when {@link #host} names only this machine (localhost, 127.0.0.0/8, ::1). */
    public boolean isLoopbackOnly() {
        if (host.equalsIgnoreCase("localhost")) return true;
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A copy listening on another port. */
    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, maxBodyBytes, drainTimeout, apiKeys, wsMaxFrameBytes, corsAllowedOrigins);
    }

    /** A copy with another body limit. */
    public ServerConfig withMaxBodyBytes(long newLimit) {
        return new ServerConfig(host, port, newLimit, drainTimeout, apiKeys, wsMaxFrameBytes, corsAllowedOrigins);
    }

    /** A copy with another WebSocket message limit. */
    public ServerConfig withWsMaxFrameBytes(long newLimit) {
        return new ServerConfig(host, port, maxBodyBytes, drainTimeout, apiKeys, newLimit, corsAllowedOrigins);
    }

    /** A copy with other CORS origins. */
    public ServerConfig withCorsAllowedOrigins(List<String> origins) {
        return new ServerConfig(host, port, maxBodyBytes, drainTimeout, apiKeys, wsMaxFrameBytes, origins);
    }

    /** A copy with another drain timeout. */
    public ServerConfig withDrainTimeout(Duration newTimeout) {
        return new ServerConfig(host, port, maxBodyBytes, newTimeout, apiKeys, wsMaxFrameBytes, corsAllowedOrigins);
    }
}
