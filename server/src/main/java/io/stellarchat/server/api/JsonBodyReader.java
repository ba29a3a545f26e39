package io.stellarchat.server.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.javalin.http.Context;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads a request body as JSON, never more than the configured limit (also when the client sends no
 * {@code Content-Length}). Malformed JSON becomes a 400 {@code invalid_request_error} naming the problem and
 * its line and column; a body over the limit becomes a 413.
 */
public final class JsonBodyReader {
    private final ObjectMapper mapper;
    private final long maxBytes;

    public JsonBodyReader(ObjectMapper mapper, long maxBytes) {
        this.mapper = mapper;
        this.maxBytes = maxBytes;
    }

    /** The body as a JSON tree. */
    public JsonNode readTree(Context ctx) {
        byte[] body = readBytes(ctx);
        if (body.length == 0) throw ApiException.invalidRequest(null, "Request body is empty; expected JSON.");
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw invalidJson(e);
        } catch (CharConversionException e) {
            throw notText(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body bound to {@code type} (a record mirroring the wire schema). */
    public <T> T read(Context ctx, Class<T> type) {
        byte[] body = readBytes(ctx);
        if (body.length == 0) throw ApiException.invalidRequest(null, "Request body is empty; expected JSON.");
        try {
            return mapper.readValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.invalidRequest(e.getPropertyName(), "Unrecognized request argument supplied: "
                    + e.getPropertyName() + where(e.getLocation()));
        } catch (MismatchedInputException e) {
            String param = param(e);
            throw ApiException.invalidRequest(param, "Invalid value" + (param == null ? "" : " for '" + param + "'")
                    + ": " + e.getOriginalMessage() + where(e.getLocation()));
        } catch (JsonProcessingException e) {
            throw invalidJson(e);
        } catch (CharConversionException e) {
            throw notText(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The raw body, at most {@code maxBytes}. */
    public byte[] readBytes(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) throw ApiException.tooLarge(maxBytes);
        try (InputStream in = ctx.bodyInputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) throw ApiException.tooLarge(maxBytes);
            return bytes;
        } catch (org.eclipse.jetty.http.BadMessageException e) {
            // Jetty refused the body as it came: too slow (408), or malformed framing.
            throw e.getCode() == 408 ? tooSlow("The request body arrived too slowly.")
                    : ApiException.invalidRequest(null, "The request body could not be read: " + e.getReason());
        } catch (IOException e) {
            if (timedOut(e)) throw tooSlow("The request body stopped arriving (server.idle_timeout).");
            // The client went away in the middle of its body: nobody to answer, nothing to log as a failure.
            throw ApiException.invalidRequest(null, "The request body was cut off: the client closed the connection.");
        }
    }

    private static ApiException tooSlow(String message) {
        return new ApiException(408, ErrorType.TIMEOUT, "request_timeout", null, message);
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException) return true;
        }
        return false;
    }

    /** The JSON path of a binding error as OpenAI writes params: {@code messages[0].role}. */
    private static String param(MismatchedInputException e) {
        StringBuilder b = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!b.isEmpty()) b.append('.');
                b.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                b.append('[').append(ref.getIndex()).append(']');
            }
        }
        return b.isEmpty() ? null : b.toString();
    }

    private static ApiException invalidJson(JsonProcessingException e) {
        return ApiException.invalidRequest(null, "Invalid JSON in request body: " + e.getOriginalMessage()
                + where(e.getLocation()));
    }

    /**
     * Jackson guesses a byte body's encoding from its first bytes (JSON may be UTF-8, -16 or -32): a body that starts
     * with NUL bytes reads as UTF-32 and then fails as a {@link CharConversionException}, which is the client's bad
     * body, not an I/O failure of ours.
     */
    private static ApiException notText(CharConversionException e) {
        return ApiException.invalidRequest(null, "Invalid JSON in request body: not valid Unicode text ("
                + e.getMessage() + ").");
    }

    private static String where(JsonLocation at) {
        return at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }
}
