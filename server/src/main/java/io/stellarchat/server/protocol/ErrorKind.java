package io.stellarchat.server.protocol;

/**
 * The families of failure every dialect maps to its own error shape. Each has the HTTP status it is answered
 * with unless the failure names another (an upstream's 409 or 422 passed through keeps its status).
 */
public enum ErrorKind {
    /** The request is malformed, or asks for something the model cannot do (400). */
    INVALID_REQUEST(400),
    /** The prompt (plus the reply budget) does not fit the model's context (400, code {@code context_length_exceeded}). */
    CONTEXT_LENGTH(400),
    /** Missing or wrong credentials (401). */
    AUTHENTICATION(401),
    /** The caller may not do this (403). */
    PERMISSION(403),
    /** The model, session or other named thing does not exist (404). */
    NOT_FOUND(404),
    /** Too many requests for a caller's limits (429). */
    RATE_LIMITED(429),
    /** No capacity right now: a full queue, a full provider (429, with a retry-after). */
    OVERLOADED(429),
    /** An upstream answered with a server error, or an invalid answer (502). */
    UPSTREAM_ERROR(502),
    /** An upstream did not answer in time: connect, first token, idle between chunks, or total (504). */
    TIMEOUT(504),
    /** Nothing can answer now: every upstream failed or is open, the model is offline, the engine waited too long (503). */
    UNAVAILABLE(503),
    /** Our own fault (500). */
    INTERNAL(500);

    private final int status;

    ErrorKind(int status) {
        this.status = status;
    }

    /** The HTTP status this kind is answered with by default. */
    public int status() {
        return status;
    }
}
