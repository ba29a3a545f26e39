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

/** Regression tests for what fuzzing the upstream side found ({@link UpstreamSseFuzzTest}). */
class UpstreamFuzzFindingsTest {
    private static final HttpHeaders NO_HEADERS = HttpHeaders.of(Map.of(), (k, v) -> true);

    /**
     * Finding 1 (input {@code whitespace-only-error-body-finding1}): an upstream answering 409 with a body of one
     * U+001D — whitespace to Java — gave the client an error whose message was empty, since the body was shown
     * stripped and nothing was left. A blank body or a blank {@code message} field now never makes the message.
     * Finding 3 (input {@code blank-error-string-finding3}): the same through Ollama's {@code {"error":""}} shape.
     */
    @Test
    void upstreamErrorWithAWhitespaceOnlyBodyStillSaysWhyFinding1() {
        for (int status : List.of(400, 404, 409, 422)) {
            for (String body : List.of("\u001d", " \t\r\n", "{\"error\":{\"message\":\"  \"}}", "{\"error\":\"\u001d\"}",
                    "{\"error\":\"\"}", "{\"error\":\" \"} trailing")) {
                ProviderException e = UpstreamErrors.status("up", status, NO_HEADERS, body.getBytes(StandardCharsets.UTF_8));
                assertEquals(status, e.status());
                assertFalse(e.getMessage().isBlank(), status + " with body '" + body + "' has a blank message");
            }
        }
        ProviderException e = UpstreamErrors.status("up", 409, NO_HEADERS, "\u001d".getBytes(StandardCharsets.UTF_8));
        assertTrue(e.getMessage().contains("whitespace"), e.getMessage());
    }

    /**
     * Finding 2 (input {@code anthropic-delta-after-stop-reason-finding2}): an Anthropic stream that went on with
     * content blocks after {@code message_delta} gave its stop reason made the translator emit deltas after the
     * choice's end, which the OpenAI translator never does. They are dropped now.
     */
    @Test
    void anthropicContentAfterTheStopReasonIsDroppedFinding2() throws Exception {
        AnthropicEvents t = new AnthropicEvents("up");
        java.util.List<io.stellarchat.server.protocol.ChatEvent> out = new java.util.ArrayList<>();
        String[][] events = {
            {"message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}"},
            {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"late\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\" more\"}}"},
            {"message_stop", "{\"type\":\"message_stop\"}"}};
        boolean complete = false;
        for (String[] e : events) {
            complete = t.accept(new SseReader.Event(e[0], e[1]), out::add);
        }
        assertTrue(complete);
        assertEquals(3, out.size(), out.toString()); // the delta "Hi", the choice's end, done
        assertTrue(out.get(0) instanceof io.stellarchat.server.protocol.ChatEvent.Delta d && d.content().equals("Hi"), out.toString());
        assertTrue(out.get(1) instanceof io.stellarchat.server.protocol.ChatEvent.ChoiceEnd, out.toString());
        assertTrue(out.get(2) instanceof io.stellarchat.server.protocol.ChatEvent.Done, out.toString());
    }
}
