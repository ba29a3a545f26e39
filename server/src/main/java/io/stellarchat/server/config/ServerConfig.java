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
 */
public record ServerConfig(String host, int port, long maxBodyBytes, Duration drainTimeout, List<Secret> apiKeys) {
    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        apiKeys = List.copyOf(apiKeys);
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port out of range: " + port);
        if (maxBodyBytes < 1) throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
        if (drainTimeout.isNegative()) throw new IllegalArgumentException("drainTimeout is negative: " + drainTimeout);
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
        return new ServerConfig(host, newPort, maxBodyBytes, drainTimeout, apiKeys);
    }

    /** A copy with another body limit. */
    public ServerConfig withMaxBodyBytes(long newLimit) {
        return new ServerConfig(host, port, newLimit, drainTimeout, apiKeys);
    }

    /** A copy with another drain timeout. */
    public ServerConfig withDrainTimeout(Duration newTimeout) {
        return new ServerConfig(host, port, maxBodyBytes, newTimeout, apiKeys);
    }
}
