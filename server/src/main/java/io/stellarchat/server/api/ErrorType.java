package io.stellarchat.server.api;

/** The {@code type} field of an error body, as OpenAI spells them. */
public enum ErrorType {
    /** The request is malformed or names something that does not exist (400, 404, 405, 413, 415). */
    INVALID_REQUEST("invalid_request_error"),
    /** Missing or wrong API key (401). */
    AUTHENTICATION("authentication_error"),
    /** The key may not do this (403). */
    PERMISSION("permission_error"),
    /** Too many requests or tokens for this key (429). */
    RATE_LIMIT("rate_limit_error"),
    /** An upstream model server did not answer in time (504). */
    TIMEOUT("timeout_error"),
    /** Our fault, or an upstream's (500, 502). */
    SERVER("server_error"),
    /** Temporarily unable to serve: overloaded, not ready, shutting down (503). */
    UNAVAILABLE("service_unavailable_error");

    private final String wire;

    ErrorType(String wire) {
        this.wire = wire;
    }

    /** The value written in the JSON body. */
    public String wire() {
        return wire;
    }
}
