package io.stellarchat.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The error shape for failures Jetty answers before Javalin sees the request: a malformed request line or
 * URI (400), headers too large (431), and the like. Without this Jetty would answer with an HTML page.
 * Jetty's message is a fixed reason phrase; the exception, if any, is never written.
 */
final class JettyErrorBodies extends ErrorHandler {
    private final ObjectMapper mapper;

    JettyErrorBodies(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws JsonProcessingException {
        boolean client = code >= 400 && code < 500;
        String text = client
                ? "Malformed HTTP request: " + (message == null || message.isBlank() ? "status " + code : message)
                : "The server could not process the request (status " + code + ").";
        ApiException e = new ApiException(code >= 400 && code <= 599 ? code : 500,
                client ? ErrorType.INVALID_REQUEST : ErrorType.SERVER, null, null, text);
        byte[] body = mapper.writeValueAsBytes(ErrorBody.of(e));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
