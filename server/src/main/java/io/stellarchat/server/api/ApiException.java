package io.stellarchat.server.api;

import java.util.Objects;

/**
 * A request that fails with a client-visible error. Throw it from any handler (or anything a handler calls);
 * {@code ErrorMapping} turns it into the status and the body {@code {"error":{message,type,param,code}}}.
 * The message is shown to the client, so it must not contain secrets or internals.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final ErrorType type;
    private final String code;
    private final String param;

    /**
     * @param status  HTTP status, 400..599
     * @param type    error family
     * @param code    machine-readable code (e.g. {@code model_not_found}) or null
     * @param param   the request field at fault (e.g. {@code messages[0].role}) or null
     * @param message what went wrong and, where possible, what is allowed
     */
    public ApiException(int status, ErrorType type, String code, String param, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
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
