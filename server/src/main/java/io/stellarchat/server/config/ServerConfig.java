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
 * @param connections  how long a connection may be silent, take for its headers, or for its body
 */
public record ServerConfig(String host, int port, long maxBodyBytes, Duration drainTimeout, List<Secret> apiKeys,
                           long wsMaxFrameBytes, List<String> corsAllowedOrigins, ConnectionTimeouts connections) {
    /**
     * The limits that drop hostile or broken connections (slowloris).
     *
     * @param idle        a connection with no byte read or written for this long is closed (Jetty's idle timeout)
     * @param headers     a request's headers must be complete this long after its first byte arrived, else the
     *                    connection is closed
     * @param body        a request's body must be complete this long after its headers, else the connection is closed
     */
    public record ConnectionTimeouts(Duration idle, Duration headers, Duration body) {
        /** {@code server.idle_timeout}, {@code server.header_timeout} and {@code server.body_timeout}'s defaults. */
        public static final ConnectionTimeouts DEFAULTS = new ConnectionTimeouts(Duration.ofSeconds(30),
                Duration.ofSeconds(10), Duration.ofSeconds(30));

        public ConnectionTimeouts {
            Objects.requireNonNull(idle, "idle");
            Objects.requireNonNull(headers, "headers");
            if (idle.isNegative() || idle.isZero()) throw new IllegalArgumentException("idle timeout must be positive: " + idle);
            if (headers.isNegative() || headers.isZero()) throw new IllegalArgumentException("header timeout must be positive: " + headers);
            Objects.requireNonNull(body, "body");
            if (body.isNegative() || body.isZero()) throw new IllegalArgumentException("body timeout must be positive: " + body);
        }
    }

    public ServerConfig {
        Objects.requireNonNull(connections, "connections");
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

    /** A listener without CORS and with the default connection timeouts. */
    public ServerConfig(String host, int port, long maxBodyBytes, Duration drainTimeout, List<Secret> apiKeys,
                        long wsMaxFrameBytes) {
        this(host, port, maxBodyBytes, drainTimeout, apiKeys, wsMaxFrameBytes, List.of(), ConnectionTimeouts.DEFAULTS);
    }

    /** A listener with the default connection timeouts. */
    public ServerConfig(String host, int port, long maxBodyBytes, Duration drainTimeout, List<Secret> apiKeys,
                        long wsMaxFrameBytes, List<String> corsAllowedOrigins) {
        this(host, port, maxBodyBytes, drainTimeout, apiKeys, wsMaxFrameBytes, corsAllowedOrigins,
                ConnectionTimeouts.DEFAULTS);
    }

    /** A listener without CORS. */
    public ServerConfig(String host, int port, long maxBodyBytes, Duration drainTimeout, List<Secret> apiKeys,
                        long wsMaxFrameBytes, ConnectionTimeouts connections) {
        this(host, port, maxBodyBytes, drainTimeout, apiKeys, wsMaxFrameBytes, List.of(), connections);
    }

    /** A copy with other connection timeouts. */
    public ServerConfig withConnections(ConnectionTimeouts newTimeouts) {
        return new ServerConfig(host, port, maxBodyBytes, drainTimeout, apiKeys, wsMaxFrameBytes, corsAllowedOrigins,
                newTimeouts);
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
        return new ServerConfig(host, newPort, maxBodyBytes, drainTimeout, apiKeys, wsMaxFrameBytes, corsAllowedOrigins, connections);
    }

    /** A copy with another body limit. */
    public ServerConfig withMaxBodyBytes(long newLimit) {
        return new ServerConfig(host, port, newLimit, drainTimeout, apiKeys, wsMaxFrameBytes, corsAllowedOrigins, connections);
    }

    /** A copy with another WebSocket message limit. */
    public ServerConfig withWsMaxFrameBytes(long newLimit) {
        return new ServerConfig(host, port, maxBodyBytes, drainTimeout, apiKeys, newLimit, corsAllowedOrigins, connections);
    }

    /** A copy with other CORS origins. */
    public ServerConfig withCorsAllowedOrigins(List<String> origins) {
        return new ServerConfig(host, port, maxBodyBytes, drainTimeout, apiKeys, wsMaxFrameBytes, origins, connections);
    }

    /** A copy with another drain timeout. */
    public ServerConfig withDrainTimeout(Duration newTimeout) {
        return new ServerConfig(host, port, maxBodyBytes, newTimeout, apiKeys, wsMaxFrameBytes, corsAllowedOrigins, connections);
    }
}
