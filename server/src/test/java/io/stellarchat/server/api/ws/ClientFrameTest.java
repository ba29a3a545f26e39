package io.stellarchat.server.api.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.api.ApiException;
import org.junit.jupiter.api.Test;

/** The rules for what a client may send, field by field (the socket test covers the wire). */
class ClientFrameTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static ClientFrame parse(String text) throws Exception {
        return ClientFrame.parse(JSON.readTree(text));
    }

    static ApiException refused(String text, String param) {
        ApiException e = assertThrows(ApiException.class, () -> parse(text), text);
        assertEquals(400, e.status());
        assertEquals(param, e.param(), e.getMessage());
        return e;
    }

    @Test
    void messageForANewSessionCarriesTheModelAndParams() throws Exception {
        var m = assertInstanceOf(ClientFrame.Message.class, parse(
                "{\"type\":\"message\",\"request_id\":\"r\",\"model\":\"m\",\"content\":\"hi\",\"params\":{\"seed\":1}}"));
        assertEquals("r", m.requestId());
        assertNull(m.sessionId());
        assertEquals("m", m.model());
        assertEquals("hi", m.content());
        assertEquals(1, m.params().get("seed").asInt());
    }

    @Test
    void messageForASessionHasEmptyParamsWhenNoneAreGiven() throws Exception {
        var m = assertInstanceOf(ClientFrame.Message.class, parse(
                "{\"type\":\"message\",\"request_id\":\"r\",\"session_id\":\"s\",\"content\":\"\"}"));
        assertEquals("s", m.sessionId());
        assertNull(m.model());
        assertEquals("", m.content(), "an empty message is a message");
        assertTrue(m.params().isEmpty());
    }

    @Test
    void messageFieldsAreCheckedAndTheFieldAtFaultIsNamed() {
        refused("{\"type\":\"message\",\"request_id\":\"r\",\"content\":\"hi\"}", "model");
        refused("{\"type\":\"message\",\"request_id\":\"r\",\"model\":\" \",\"content\":\"hi\"}", "model");
        refused("{\"type\":\"message\",\"request_id\":\"r\",\"session_id\":\"s\",\"model\":\"m\",\"content\":\"hi\"}", "model");
        refused("{\"type\":\"message\",\"request_id\":\"r\",\"session_id\":\"\",\"content\":\"hi\"}", "session_id");
        refused("{\"type\":\"message\",\"request_id\":\"r\",\"session_id\":7,\"content\":\"hi\"}", "session_id");
        refused("{\"type\":\"message\",\"request_id\":\"r\",\"session_id\":\"s\"}", "content");
        refused("{\"type\":\"message\",\"request_id\":\"r\",\"session_id\":\"s\",\"content\":[\"hi\"]}", "content");
        refused("{\"type\":\"message\",\"request_id\":\"r\",\"session_id\":\"s\",\"content\":\"hi\",\"params\":[]}", "params");
        refused("{\"type\":\"message\",\"session_id\":\"s\",\"content\":\"hi\"}", "request_id");
        refused("{\"type\":\"message\",\"request_id\":12,\"session_id\":\"s\",\"content\":\"hi\"}", "request_id");
        refused("{\"type\":\"message\",\"request_id\":\"" + "x".repeat(ClientFrame.MAX_REQUEST_ID + 1)
                + "\",\"session_id\":\"s\",\"content\":\"hi\"}", "request_id");
    }

    @Test
    void stopNeedsARequestIdAndPingNeedsNothing() throws Exception {
        assertEquals(new ClientFrame.Stop("r"), parse("{\"type\":\"stop\",\"request_id\":\"r\"}"));
        refused("{\"type\":\"stop\"}", "request_id");
        assertEquals(new ClientFrame.Ping(), parse("{\"type\":\"ping\",\"extra\":1}"));
    }

    @Test
    void typeMustBeAKnownString() {
        assertEquals("unknown_frame_type", refused("{\"type\":\"pong\"}", "type").code());
        assertEquals("invalid_frame", refused("{\"type\":3}", "type").code());
        assertEquals("invalid_frame", refused("{}", "type").code());
        assertEquals("invalid_frame", refused("\"message\"", null).code());
    }

    @Test
    void errorsAboutAFrameAreTaggedWithItsRequestIdOnlyWhenItIsUsable() throws Exception {
        assertEquals("r", ClientFrame.requestIdOrNull(JSON.readTree("{\"request_id\":\"r\"}")));
        assertNull(ClientFrame.requestIdOrNull(JSON.readTree("{\"request_id\":5}")));
        assertNull(ClientFrame.requestIdOrNull(JSON.readTree("{\"request_id\":\" \"}")));
        assertNull(ClientFrame.requestIdOrNull(JSON.readTree("[]")));
    }
}
