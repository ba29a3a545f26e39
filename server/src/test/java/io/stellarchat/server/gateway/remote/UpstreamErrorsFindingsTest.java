package io.stellarchat.server.gateway.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stellarchat.server.protocol.ProviderException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Regression tests for what fuzzing {@link UpstreamErrors} found ({@link UpstreamSseFuzzTest}). */
class UpstreamErrorsFindingsTest {
    private static final HttpHeaders NO_HEADERS = HttpHeaders.of(Map.of(), (k, v) -> true);

    /**
     * Finding 1 (input {@code whitespace-only-error-body-finding1}): an upstream answering 409 with a body of one
     * U+001D — whitespace to Java — gave the client an error whose message was empty, since the body was shown
     * stripped and nothing was left. A blank body or a blank {@code message} field now never makes the message.
     */
    @Test
    void upstreamErrorWithAWhitespaceOnlyBodyStillSaysWhyFinding1() {
        for (int status : List.of(400, 404, 409, 422)) {
            for (String body : List.of("\u001d", " \t\r\n", "{\"error\":{\"message\":\"  \"}}", "{\"error\":\"\u001d\"}")) {
                ProviderException e = UpstreamErrors.status("up", status, NO_HEADERS, body.getBytes(StandardCharsets.UTF_8));
                assertEquals(status, e.status());
                assertFalse(e.getMessage().isBlank(), status + " with body '" + body + "' has a blank message");
            }
        }
        ProviderException e = UpstreamErrors.status("up", 409, NO_HEADERS, "\u001d".getBytes(StandardCharsets.UTF_8));
        assertTrue(e.getMessage().contains("whitespace"), e.getMessage());
    }
}
