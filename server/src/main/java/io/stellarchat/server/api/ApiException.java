package io.stellarchat.server.api;

import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.ProviderException;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request that fails with a client-visible error. Throw it from any handler (or anything a handler calls);
 * {@code ErrorMapping} turns it into the status and the body {@code {"error":{message,type,param,code}}}.
 * The message is shown to the client, so it must not contain secrets or internals.
 */
public final class ApiException extends RuntimeException {
    private static final Logger log = LoggerFactory.getLogger(ApiException.class);
    private final int status;
    private final ErrorType type;
    private final String code;
    private final String param;
    private final transient Duration retryAfter;

    /**
     * @param status  HTTP status, 400..599
     * @param type    error family
     * @param code    machine-readable code (e.g. {@code model_not_found}) or null
     * @param param   the request field at fault (e.g. {@code messages[0].role}) or null
     * @param message what went wrong and, where possible, what is allowed
     */
    public ApiException(int status, ErrorType type, String code, String param, String message) {
        this(status, type, code, param, message, null);
    }

    /** The same, with a {@code Retry-After} for the response (rounded up to whole seconds, at least 1). */
    public ApiException(int status, ErrorType type, String code, String param, String message, Duration retryAfter) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.retryAfter = retryAfter;
        if (status < 400 || status > 599) throw new IllegalArgumentException("not an error status: " + status);
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
        this.code = code;
        this.param = param;
    }

    /** 400 invalid_request_error about a request field. */
    public static ApiException invalidRequest(String param, String message) {
        return new ApiException(400, ErrorType.INVALID_REQUEST, null, param, message);
    }

    /** 404 for something named by the request (code e.g. {@code model_not_found}). */
    public static ApiException notFound(String code, String param, String message) {
        return new ApiException(404, ErrorType.INVALID_REQUEST, code, param, message);
    }

    /** 413: the body is over the configured limit. */
    public static ApiException tooLarge(long limit) {
        return new ApiException(413, ErrorType.INVALID_REQUEST, "request_too_large", null,
                "Request body is larger than the limit of " + limit + " bytes.");
    }

    /** 401: missing or unknown API key. */
    public static ApiException unauthorized(String message) {
        return new ApiException(401, ErrorType.AUTHENTICATION, "invalid_api_key", null, message);
    }

    /** 429: over a rate limit. */
    public static ApiException rateLimited(String message) {
        return new ApiException(429, ErrorType.RATE_LIMIT, "rate_limit_exceeded", null, message);
    }

    /** 503: cannot serve right now. */
    public static ApiException unavailable(String message) {
        return new ApiException(503, ErrorType.UNAVAILABLE, null, null, message);
    }

    /**
     * A model call's failure as this edge answers it: the one mapping from the wire-neutral taxonomy to HTTP
     * status and OpenAI's error {@code type}, used by plain responses, SSE error events and WebSocket frames.
     */
    public static ApiException from(ProviderException e) {
        ErrorType type = switch (e.kind()) {
            case INVALID_REQUEST, CONTEXT_LENGTH, NOT_FOUND -> ErrorType.INVALID_REQUEST;
            case AUTHENTICATION -> ErrorType.AUTHENTICATION;
            case PERMISSION -> ErrorType.PERMISSION;
            case RATE_LIMITED, OVERLOADED -> ErrorType.RATE_LIMIT;
            case UPSTREAM_ERROR, INTERNAL -> ErrorType.SERVER;
            case TIMEOUT -> ErrorType.TIMEOUT;
            case UNAVAILABLE -> ErrorType.UNAVAILABLE;
        };
        return new ApiException(e.status(), type, e.code(), e.param(), e.getMessage(), e.retryAfter());
    }

    /**
     * Any failure of a request as a client-visible error: ours as they are, a model call's through
     * {@link #from(ProviderException)}, anything else a 500 that names only its class (the trace is logged).
     */
    public static ApiException of(RuntimeException e) {
        if (e instanceof ApiException a) {
            return a;
        }
        if (e instanceof ProviderException p) {
            return from(p);
        }
        log.error("request failed", e);
        return new ApiException(500, ErrorType.SERVER, null, null, "The generation failed: " + e.getClass().getSimpleName());
    }

    /** When the client may try again, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** {@link #retryAfter()} as the header value: whole seconds, rounded up, at least 1; null when none. */
    public String retryAfterHeader() {
        if (retryAfter == null) {
            return null;
        }
        long ms = retryAfter.toMillis();
        return Long.toString(Math.max(1, (ms + 999) / 1000));
    }

    public int status() {
        return status;
    }

    public ErrorType type() {
        return type;
    }

    /** Machine-readable code, or null. */
    public String code() {
        return code;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }
}
