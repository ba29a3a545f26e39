package io.stellarchat.server.api.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.GenerationFields;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Coverage-guided fuzzing of the WebSocket chat's client-frame parser (Jazzer): the path a text frame takes in
 * {@link ChatConnection#onText} — JSON with no trailing tokens, then {@link ClientFrame#parse} (and, for a
 * {@code message}, the turn's tool inputs and the sampling overrides the turn thread reads with
 * {@link GenerationFields#forSession}). Any text is either a frame (ping, stop or message, whose fields keep
 * the documented invariants) or an {@link ApiException} with a 4xx status, which {@link ServerFrames#error} turns
 * into the documented {@code error} frame. Never another exception: one would escape Jetty's frame callback
 * and close the socket without telling the client why.
 *
 * <p>Seeds: {@code src/test/resources/io/stellarchat/server/api/ws/ClientFrameFuzzTestInputs/}, the frames of
 * {@code docs/websocket.md}. {@code ./stellar fuzz ws-frames --time 30m} fuzzes.
 */
class ClientFrameFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper(); // what StellarService hands the routes
    private static final ObjectReader READER = JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ServerFrames FRAMES = new ServerFrames(JSON);

    @FuzzTest(maxDuration = "10s")
    void anyTextFrameIsAFrameOrAnErrorFrame(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = READER.readTree(text);
        } catch (JacksonException e) {
            return; // ChatConnection answers invalid_json with the parser's message
        }
        try {
            ClientFrame frame = root == null ? ClientFrame.parse(JSON.missingNode()) : ClientFrame.parse(root);
            switch (frame) {
                case ClientFrame.Ping p -> assertNotNull(p);
                case ClientFrame.Stop s -> assertRequestId(s.requestId());
                case ClientFrame.Message m -> {
                    assertRequestId(m.requestId());
                    assertTrue(m.sessionId() == null ^ m.model() == null, "exactly one of session_id and model");
                    assertNotNull(m.content());
                    assertNotNull(m.params());
                    assertNotNull(m.input());
                    // the turn thread reads the sampling overrides next; a bad one is an error frame too
                    assertNotNull(GenerationFields.forSession(m.params()));
                }
            }
        } catch (ApiException e) {
            assertTrue(e.status() >= 400 && e.status() < 500, "status " + e.status());
            String requestId = root == null ? null : ClientFrame.requestIdOrNull(root);
            ObjectNode frame = FRAMES.error(requestId, e);
            assertEquals("error", frame.get("type").asText());
            JsonNode error = frame.get("error");
            assertTrue(error.get("message").isTextual() && !error.get("message").asText().isBlank(), frame.toString());
            assertTrue(error.get("type").isTextual(), frame.toString());
            assertEquals(e.status(), error.get("status").asInt());
            List<String> fields = List.of("message", "type", "param", "code", "status");
            error.fieldNames().forEachRemaining(f -> assertTrue(fields.contains(f), "unexpected field " + f));
        }
    }

    private static void assertRequestId(String id) {
        assertTrue(id != null && !id.isBlank() && id.length() <= ClientFrame.MAX_REQUEST_ID, "request_id " + id);
    }
}
