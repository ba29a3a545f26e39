package io.stellarchat.server.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * A failure of a model call, in the wire-neutral taxonomy: thrown by providers, the gateway and streams, and
 * formatted by each dialect at the edge (one mapping per dialect). The message is shown to the client, so it
 * must not hold secrets or internals.
 */
public final class ProviderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final int status;
    private final String code;
    private final String param;
    private final transient Duration retryAfter;
    private final int upstreamStatus;

    /**
     * @param kind       the family
     * @param status     the HTTP status to answer with (usually {@code kind.status()})
     * @param code       machine-readable code (e.g. {@code model_not_found}), or null
     * @param param      the request field at fault, or null
     * @param message    what went wrong, for the client
     * @param retryAfter when trying again may help, or null
     */
    public ProviderException(ErrorKind kind, int status, String code, String param, String message, Duration retryAfter) {
        this(kind, status, code, param, message, retryAfter, 0);
    }

    /**
     * A failure seen at a remote upstream.
     *
     * @param upstreamStatus the HTTP status the upstream answered with (e.g. 503 while {@code status} is 502), or 0
     *                       when no upstream answered (connect failures, timeouts, local failures)
     */
    public ProviderException(ErrorKind kind, int status, String code, String param, String message, Duration retryAfter,
                             int upstreamStatus) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
        if (status < 400 || status > 599) throw new IllegalArgumentException("not an error status: " + status);
        this.status = status;
        this.code = code;
        this.param = param;
        this.retryAfter = retryAfter;
        if (upstreamStatus != 0 && (upstreamStatus < 100 || upstreamStatus > 599)) {
            throw new IllegalArgumentException("not an HTTP status: " + upstreamStatus);
        }
        this.upstreamStatus = upstreamStatus;
    }

    public static ProviderException of(ErrorKind kind, String code, String param, String message) {
        return new ProviderException(kind, kind.status(), code, param, message, null);
    }

    public static ProviderException invalid(String param, String message) {
        return of(ErrorKind.INVALID_REQUEST, null, param, message);
    }

    public static ProviderException notFound(String code, String param, String message) {
        return of(ErrorKind.NOT_FOUND, code, param, message);
    }

    public static ProviderException contextLength(String param, String message) {
        return of(ErrorKind.CONTEXT_LENGTH, "context_length_exceeded", param, message);
    }

    /** No capacity now; {@code code} e.g. {@code queue_full}. */
    public static ProviderException overloaded(String code, String message, Duration retryAfter) {
        return new ProviderException(ErrorKind.OVERLOADED, 429, code, null, message, retryAfter);
    }

    /** Cannot answer now; {@code code} e.g. {@code model_unavailable}. */
    public static ProviderException unavailable(String code, String message, Duration retryAfter) {
        return new ProviderException(ErrorKind.UNAVAILABLE, 503, code, null, message, retryAfter);
    }

    public ErrorKind kind() {
        return kind;
    }

    public int status() {
        return status;
    }

    /** Machine-readable code, or null. */
    public String code() {
        return code;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }

    /** When to try again, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /**
     * The HTTP status a remote upstream answered with, or 0 when none did. Lets retries and breakers tell an
     * upstream's 503 from its 500 although both reach the client as 502.
     */
    public int upstreamStatus() {
        return upstreamStatus;
    }
}
