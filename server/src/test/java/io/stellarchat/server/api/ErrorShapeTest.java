package io.stellarchat.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.observe.LogContext;
import io.stellarchat.server.testing.CapturingAppender;
import io.stellarchat.server.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every failure comes back as {"error":{message,type,param,code}} with the right status. */
class ErrorShapeTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        JsonBodyReader bodies = new JsonBodyReader(TestServer.JSON, 1024);
        server = new TestServer(TestServer.smallConfig(), routes -> {
            routes.post("/test/echo", ctx -> ctx.json(bodies.readTree(ctx)));
            routes.post("/test/bind", ctx -> ctx.json(bodies.read(ctx, Point.class)));
            routes.get("/test/boom", ctx -> {
                throw new IllegalStateException("secret internal detail");
            });
            routes.get("/test/missing", ctx -> {
                throw ApiException.notFound("model_not_found", "model", "The model 'nope' does not exist.");
            });
        });
    }

    record Point(int x, int y) {}

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Asserts the exact OpenAI error shape and returns the inner object. */
    static JsonNode assertError(HttpResponse<String> r, int status, String type) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode body = TestServer.json(r);
        assertEquals(List.of("error"), fieldNames(body));
        JsonNode error = body.get("error");
        assertEquals(List.of("message", "type", "param", "code"), fieldNames(error));
        assertEquals(type, error.get("type").asText());
        assertTrue(error.get("message").isTextual() && !error.get("message").asText().isBlank());
        return error;
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void unknownRouteIs404() throws Exception {
        JsonNode e = assertError(server.get("/no/such/route"), 404, "invalid_request_error");
        assertTrue(e.get("message").asText().contains("GET /no/such/route"), e.toString());
        assertTrue(e.get("param").isNull());
    }

    /** Sends raw bytes (requests java.net.http refuses to build) and returns status line and body. */
    static String[] raw(String request) throws Exception {
        try (var socket = new java.net.Socket("127.0.0.1", server.port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return new String[] {response.lines().findFirst().orElse(""),
                    response.substring(response.indexOf("\r\n\r\n") + 4)};
        }
    }

    @Test
    void requestsJettyRejectsBeforeRoutingUseTheSameShape() throws Exception {
        String[] badUri = raw("GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(badUri[0].startsWith("HTTP/1.1 400"), badUri[0]);
        JsonNode e = TestServer.JSON.readTree(badUri[1]).get("error");
        assertEquals("invalid_request_error", e.get("type").asText());
        assertEquals(List.of("message", "type", "param", "code"), fieldNames(e));

        String[] bigHeader = raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n");
        assertTrue(bigHeader[0].startsWith("HTTP/1.1 431"), bigHeader[0]);
        assertEquals("invalid_request_error", TestServer.JSON.readTree(bigHeader[1]).get("error").get("type").asText());
    }

    /**
     * Fuzz finding 1 of {@code RequestBodyFuzzTest} (input {@code nul-prefixed-body-finding1}): a body that starts
     * with NUL bytes makes Jackson read it as UTF-32, which then fails with a CharConversionException — an
     * IOException, not a JSON error — and the request ended as a 500. It is the client's bad body: a 400.
     */
    @Test
    void bodyThatStartsWithNulBytesIsA400NotA500Finding1() throws Exception {
        byte[] body = new byte[24];
        byte[] json = "{\"model\": \"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(json, 0, body, 7, json.length); // NULs, then JSON not aligned to UTF-32 units
        for (String path : List.of("/test/echo", "/test/bind")) {
            var r = server.send(server.request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
            JsonNode e = assertError(r, 400, "invalid_request_error");
            assertTrue(e.get("message").asText().startsWith("Invalid JSON in request body"), e.toString());
        }
    }

    @Test
    void wrongMethodIs405NamingAllowedMethods() throws Exception {
        var r = server.send(server.request("/health").DELETE());
        JsonNode e = assertError(r, 405, "invalid_request_error");
        assertTrue(e.get("message").asText().contains("GET"), e.toString());
    }

    @Test
    void invalidJsonIs400WithLineAndColumn() throws Exception {
        var r = server.send(server.request("/test/echo")
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\": 1,\n  \"b\": }")));
        JsonNode e = assertError(r, 400, "invalid_request_error");
        String msg = e.get("message").asText();
        assertTrue(msg.contains("line 2") && msg.contains("column"), msg);
        assertTrue(msg.contains("Unexpected character"), msg);
    }

    @Test
    void validJsonPassesThrough() throws Exception {
        var r = server.send(server.request("/test/echo").POST(HttpRequest.BodyPublishers.ofString("{\"a\":[1,2]}")));
        assertEquals(200, r.statusCode());
        assertEquals("{\"a\":[1,2]}", r.body());
    }

    @Test
    void wrongFieldTypeNamesTheParam() throws Exception {
        var r = server.send(server.request("/test/bind")
                .POST(HttpRequest.BodyPublishers.ofString("{\"x\": 1, \"y\": \"north\"}")));
        JsonNode e = assertError(r, 400, "invalid_request_error");
        assertEquals("y", e.get("param").asText());
    }

    @Test
    void emptyBodyIs400() throws Exception {
        var r = server.send(server.request("/test/echo").POST(HttpRequest.BodyPublishers.noBody()));
        assertError(r, 400, "invalid_request_error");
    }

    @Test
    void bodyOverLimitWithContentLengthIs413() throws Exception {
        var r = server.send(server.request("/test/echo").POST(HttpRequest.BodyPublishers.ofString("x".repeat(1025))));
        JsonNode e = assertError(r, 413, "invalid_request_error");
        assertTrue(e.get("message").asText().contains("1024"), e.toString());
        assertTrue(r.headers().firstValue("X-Request-Id").isPresent(), "rejected requests still get an id");
    }

    @Test
    void chunkedBodyOverLimitIs413() throws Exception {
        byte[] big = ("[" + "1,".repeat(2000) + "1]").getBytes();
        var r = server.send(server.request("/test/echo")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
        assertError(r, 413, "invalid_request_error");
    }

    @Test
    void bodyAtTheLimitIsAccepted() throws Exception {
        String exact = "[ " + "1,".repeat(510) + "1]"; // 1024 bytes
        assertEquals(1024, exact.length());
        var r = server.send(server.request("/test/echo").POST(HttpRequest.BodyPublishers.ofString(exact)));
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void apiExceptionKeepsItsFields() throws Exception {
        JsonNode e = assertError(server.get("/test/missing"), 404, "invalid_request_error");
        assertEquals("model", e.get("param").asText());
        assertEquals("model_not_found", e.get("code").asText());
        assertEquals("The model 'nope' does not exist.", e.get("message").asText());
    }

    @Test
    void unexpectedFailureIs500WithRequestIdAndNoInternals() throws Exception {
        try (var log = new CapturingAppender(ErrorMapping.class.getName())) {
            var r = server.send(server.request("/test/boom").header("X-Request-Id", "boom-req-1"));
            JsonNode e = assertError(r, 500, "server_error");
            String msg = e.get("message").asText();
            assertTrue(msg.contains("boom-req-1"), msg);
            assertEquals("boom-req-1", r.headers().firstValue("X-Request-Id").orElseThrow());
            assertFalse(r.body().contains("secret internal detail"), r.body());
            assertFalse(r.body().contains("IllegalStateException"), r.body());
            assertFalse(r.body().contains("\tat "), r.body());
            ILoggingEvent logged = log.await(ev -> "boom-req-1".equals(ev.getMDCPropertyMap().get(LogContext.REQUEST_ID)));
            assertNotNull(logged.getThrowableProxy(), "stack trace goes to the log");
            assertEquals("secret internal detail", logged.getThrowableProxy().getMessage());
        }
    }
}
