package io.stellarchat.server.gateway.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.protocol.ErrorKind;
import io.stellarchat.server.protocol.ProviderException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The one mapping from what an upstream did (an HTTP status and error body, a failed connection, a missed deadline,
 * a broken stream) to the wire-neutral {@link ProviderException}. Messages name the provider id, never its URL
 * (which may hold credentials) nor our API key.
 *
 * <p>Codes: {@code upstream_connect_error}, {@code connect_timeout}, {@code upstream_rate_limited},
 * {@code upstream_error}, {@code upstream_overloaded}, {@code upstream_stream_error} (the body broke or ended early),
 * {@code upstream_bad_response} (an answer we cannot read), {@code first_token_timeout}, {@code idle_timeout},
 * {@code total_timeout}; a 4xx keeps the upstream's own code when it gave one.
 */
final class UpstreamErrors {
    /** How much of an error body is read (the rest is dropped with the connection). */
    static final int MAX_ERROR_BODY = 64 * 1024;
    /** How much of an unparsable error body is shown. */
    private static final int SHOWN_BODY = 300;

    private UpstreamErrors() {}

    /** The connection could not be opened or was closed before a response came. */
    static ProviderException connectFailure(String provider, Throwable cause) {
        if (cause instanceof HttpConnectTimeoutException) {
            return new ProviderException(ErrorKind.TIMEOUT, 504, "connect_timeout", null,
                    "Upstream " + provider + " did not accept a connection in time", null);
        }
        String what = cause instanceof ConnectException ? "refused the connection"
                : cause instanceof ClosedChannelException ? "closed the connection before answering"
                : "closed or reset the connection before answering";
        return new ProviderException(ErrorKind.UPSTREAM_ERROR, 502, "upstream_connect_error", null,
                "Upstream " + provider + " " + what, null);
    }

    /** The response body failed or ended before the answer was complete. */
    static ProviderException streamBroken(String provider, String what) {
        return new ProviderException(ErrorKind.UPSTREAM_ERROR, 502, "upstream_stream_error", null,
                "Upstream " + provider + " " + what, null);
    }

    /** The upstream answered something we cannot read. */
    static ProviderException badResponse(String provider, String what) {
        return new ProviderException(ErrorKind.UPSTREAM_ERROR, 502, "upstream_bad_response", null,
                "Upstream " + provider + " sent an answer we cannot read: " + what, null);
    }

    /** A deadline of {@link io.stellarchat.server.config.ProviderConfig.Timeouts} passed. */
    static ProviderException timeout(String provider, Deadline which, Duration limit) {
        return new ProviderException(ErrorKind.TIMEOUT, 504, which.code, null,
                "Upstream " + provider + " " + which.text + " " + limit.toMillis() + " ms", null);
    }

    /** The deadlines of one call, each reported as its own kind of timeout. */
    enum Deadline {
        FIRST_TOKEN("first_token_timeout", "sent no answer within"),
        IDLE("idle_timeout", "sent nothing more within"),
        TOTAL("total_timeout", "did not finish within");

        final String code;
        final String text;

        Deadline(String code, String text) {
            this.code = code;
            this.text = text;
        }
    }

    /** An error status and (the start of) its body. */
    static ProviderException status(String provider, int status, HttpHeaders headers, byte[] body) {
        UpstreamError e = parseBody(body);
        Duration retryAfter = headers.firstValue("retry-after").map(UpstreamErrors::retryAfter).orElse(null);
        String detail = e.message != null ? e.message : shown(body);
        String answered = "Upstream " + provider + " answered " + status + ": " + detail;
        return switch (status) {
            case 400, 409, 413, 422 -> {
                if ("context_length_exceeded".equals(e.code)) {
                    yield new ProviderException(ErrorKind.CONTEXT_LENGTH, 400, e.code, e.param, detail, null, status);
                }
                yield new ProviderException(ErrorKind.INVALID_REQUEST, status, e.code, e.param, detail, null, status);
            }
            case 404 -> new ProviderException(ErrorKind.NOT_FOUND, 404, e.code, e.param, detail, null, status);
            case 401 -> new ProviderException(ErrorKind.AUTHENTICATION, 401, "upstream_authentication", null,
                    "Upstream " + provider + " refused our credentials (401): " + detail, null, status);
            case 403 -> new ProviderException(ErrorKind.PERMISSION, 403, "upstream_permission", null,
                    "Upstream " + provider + " refused the request (403): " + detail, null, status);
            case 408 -> new ProviderException(ErrorKind.TIMEOUT, 504, "upstream_timeout", null, answered, retryAfter,
                    status);
            case 429 -> new ProviderException(ErrorKind.RATE_LIMITED, 429, "upstream_rate_limited", null, answered,
                    retryAfter, status);
            case 529 -> new ProviderException(ErrorKind.UNAVAILABLE, 503, "upstream_overloaded", null, answered,
                    retryAfter, status);
            default -> status >= 500
                    ? new ProviderException(ErrorKind.UPSTREAM_ERROR, 502, "upstream_error", null, answered, retryAfter,
                            status)
                    : new ProviderException(ErrorKind.INVALID_REQUEST, status >= 400 ? status : 502, e.code, e.param,
                            answered, null, status);
        };
    }

    /**
     * An error an upstream reported inside a stream that had begun: Anthropic's {@code event: error}
     * ({@code {"type":"error","error":{"type":"overloaded_error","message":...}}}) or an OpenAI-compatible server's
     * {@code {"error":{...}}} chunk.
     */
    static ProviderException inStream(String provider, JsonNode payload) {
        UpstreamError e = fromJson(payload);
        String type = e.type == null ? "" : e.type;
        String message = "Upstream " + provider + " failed the answer" + (type.isEmpty() ? "" : " (" + type + ")") + ": "
                + (e.message != null ? e.message : "no message");
        return switch (type) {
            case "overloaded_error" -> new ProviderException(ErrorKind.UNAVAILABLE, 503, "upstream_overloaded", null,
                    message, null);
            case "rate_limit_error" -> new ProviderException(ErrorKind.RATE_LIMITED, 429, "upstream_rate_limited", null,
                    message, null);
            case "invalid_request_error", "request_too_large" -> new ProviderException(ErrorKind.INVALID_REQUEST, 400,
                    e.code, e.param, e.message != null ? e.message : message, null);
            default -> new ProviderException(ErrorKind.UPSTREAM_ERROR, 502, "upstream_error", null, message, null);
        };
    }

    /** What an error body said; any field may be null. */
    record UpstreamError(String message, String type, String code, String param) {}

    static UpstreamError parseBody(byte[] body) {
        if (body == null || body.length == 0) return new UpstreamError(null, null, null, null);
        try {
            return fromJson(RemoteJson.MAPPER.readTree(body));
        } catch (IOException | RuntimeException notJson) {
            return new UpstreamError(null, null, null, null);
        }
    }

    /**
     * Reads the error shapes model servers use: OpenAI's and llama.cpp's {@code {"error":{"message","type","param",
     * "code"}}}, Anthropic's {@code {"type":"error","error":{"type","message"}}}, vLLM's older
     * {@code {"object":"error","message",...}} and Ollama's {@code {"error":"text"}}.
     */
    static UpstreamError fromJson(JsonNode root) {
        if (root == null || !root.isObject()) return new UpstreamError(null, null, null, null);
        JsonNode err = root.get("error");
        if (err != null && err.isTextual()) return new UpstreamError(err.asText().isBlank() ? null : err.asText(), null, null, null);
        JsonNode src = err != null && err.isObject() ? err : root;
        return new UpstreamError(text(src, "message"), text(src, "type"), text(src, "code"), text(src, "param"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || v.isContainerNode()) return null;
        String s = v.asText();
        return s.isBlank() ? null : s; // a blank message says nothing: fall back to the body or the status
    }

    private static String shown(byte[] body) {
        if (body == null || body.length == 0) return "(no body)";
        String s = new String(body, 0, Math.min(body.length, SHOWN_BODY * 4), StandardCharsets.UTF_8).strip()
                .replaceAll("\\s+", " ");
        if (s.isEmpty()) return "(a body of whitespace only)"; // never an error with an empty message
        return s.length() > SHOWN_BODY ? s.substring(0, SHOWN_BODY) + "…" : s;
    }

    /** {@code Retry-After} (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; null when neither. */
    static Duration retryAfter(String value) {
        String v = value.strip();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }
}
