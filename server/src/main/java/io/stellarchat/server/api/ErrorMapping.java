package io.stellarchat.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.protocol.ProviderException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every failure in the one error shape. {@link ApiException} keeps its status and fields; Javalin's
 * own responses (no route → 404, wrong method → 405, body too large → 413) are translated; anything else is a
 * 500 whose message carries the request id and nothing else; the stack trace goes to the log, whose line
 * carries the same id. A path covered by a route group's {@link ErrorDialect} gets that dialect's body instead
 * (same status and headers).
 */
final class ErrorMapping {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);
    private final ObjectMapper mapper;
    private final long maxBodyBytes;
    private final java.util.List<ErrorDialect> dialects;

    ErrorMapping(ObjectMapper mapper, long maxBodyBytes, java.util.List<ErrorDialect> dialects) {
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
        this.dialects = java.util.List.copyOf(dialects);
    }

    void register(JavalinDefaultRoutingApi routes) {
        routes.exception(ApiException.class, (e, ctx) -> write(ctx, e));
        routes.exception(ProviderException.class, (e, ctx) -> write(ctx, ApiException.from(e)));
        routes.exception(HttpResponseException.class, (e, ctx) -> write(ctx, translate(e, ctx)));
        routes.exception(Exception.class, (e, ctx) -> {
            String id = RequestTracking.requestId(ctx);
            log.error("unexpected failure serving {} {} (request id {})", ctx.method(), ctx.path(), id, e);
            write(ctx, internal(id));
        });
    }

    static ApiException internal(String requestId) {
        return new ApiException(500, ErrorType.SERVER, null, null,
                "The server had an error while processing your request. Retry, or report request id "
                        + requestId + " if the error persists.");
    }

    private ApiException translate(HttpResponseException e, Context ctx) {
        return switch (e.getStatus()) {
            case 404 -> new ApiException(404, ErrorType.INVALID_REQUEST, "unknown_url", null,
                    "Invalid URL (" + ctx.method() + " " + ctx.path() + ")");
            case 405 -> new ApiException(405, ErrorType.INVALID_REQUEST, "method_not_allowed", null,
                    "Method " + ctx.method() + " is not allowed for " + ctx.path()
                            + allowed(e.getDetails().get("availableMethods")));
            case 413 -> ApiException.tooLarge(maxBodyBytes);
            default -> {
                int status = e.getStatus() >= 400 && e.getStatus() <= 599 ? e.getStatus() : 500;
                yield new ApiException(status, status < 500 ? ErrorType.INVALID_REQUEST : ErrorType.SERVER,
                        null, null, e.getMessage());
            }
        };
    }

    private static String allowed(String methods) {
        return methods == null || methods.isBlank() ? "" : "; allowed: " + methods.replaceAll("[\\[\\]]", "");
    }

    /** Writes {@code e} as the response: its status and the JSON error body. */
    void write(Context ctx, ApiException e) {
        String retry = e.retryAfterHeader();
        if (retry != null) {
            ctx.header("Retry-After", retry);
        }
        ctx.status(e.status()).contentType("application/json").result(bytes(ctx.path(), e));
    }

    private byte[] bytes(String path, ApiException e) {
        try {
            for (ErrorDialect d : dialects) {
                if (d.covers(path)) return mapper.writeValueAsBytes(d.body(mapper, e));
            }
            return mapper.writeValueAsBytes(ErrorBody.of(e));
        } catch (JsonProcessingException ex) {
            // cannot happen for a record of strings; keep the shape anyway
            return ("{\"error\":{\"message\":\"internal error\",\"type\":\"server_error\",\"param\":null,"
                    + "\"code\":null}}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
