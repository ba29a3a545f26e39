package io.stellarchat.server.gateway.remote;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ProviderException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Coverage-guided fuzzing of what a hostile or broken upstream can send the gateway (Jazzer): the server-sent
 * events body of a streamed answer, read by {@link SseReader} and translated by the OpenAI ({@link OpenAiChunks},
 * chat and legacy completions) or Anthropic ({@link AnthropicEvents}) translator, and the body and
 * {@code Retry-After} header of an error response ({@link UpstreamErrors#status}).
 *
 * <p>An input is: a byte choosing the dialect, a byte setting how many bytes each {@code read} of the body returns
 * (so events and UTF-8 characters are split at every place a network could split them), a byte for the status of
 * the error response, then the body. For every input the stream ends one of three ways — complete, with
 * {@link ChatEvent.Done} emitted once and last; failed with a {@link ProviderException} (the taxonomy the API maps
 * to a status); or cut, when the body ended first (then the translator says what is missing) or an event broke the
 * reader's size limit ({@link IOException}). Never another exception: a {@code NullPointerException} or
 * {@code NumberFormatException} on odd JSON would reach the client as an unexplained bad gateway. Each choice ends
 * at most once. An error response always becomes a {@link ProviderException} with a status the API can send.
 *
 * <p>Seeds: {@code src/test/resources/io/stellarchat/server/gateway/remote/UpstreamSseFuzzTestInputs/}, real-shaped
 * streams of vLLM/llama.cpp/OpenAI and Anthropic (content, reasoning, tool calls, usage, timings, errors in the
 * stream). {@code ./stellar fuzz sse --time 30m} fuzzes.
 */
class UpstreamSseFuzzTest {
    /** Small, so that the reader's line and event limits are reached by fuzzer-sized inputs. */
    static final int MAX_EVENT_BYTES = 512;

    @FuzzTest(maxDuration = "10s")
    void hostileUpstreamStreamsEndCompleteFailedOrCut(byte[] input) throws Exception {
        if (input.length < 3) {
            return;
        }
        int dialect = (input[0] & 0xFF) % 3;
        int readSize = 1 + (input[1] & 0xFF) % 64;
        int status = 400 + (input[2] & 0xFF) % 200;
        byte[] body = java.util.Arrays.copyOfRange(input, 3, input.length);

        StreamTranslator translator = switch (dialect) {
            case 0 -> new OpenAiChunks("fuzz", false, 1 + (input[0] & 0x30) / 16);
            case 1 -> new OpenAiChunks("fuzz", true, 1);
            default -> new AnthropicEvents("fuzz");
        };
        SseReader sse = new SseReader(new Trickle(body, readSize), MAX_EVENT_BYTES);
        List<ChatEvent> emitted = new ArrayList<>();
        try {
            boolean complete = false;
            while (!complete) {
                SseReader.Event event = sse.next();
                if (event == null) {
                    assertNotNull(translator.incomplete(), "a cut stream says what is missing");
                    break;
                }
                assertNotNull(event.name());
                assertNotNull(event.data());
                assertTrue(event.data().length() <= MAX_EVENT_BYTES + 1, "event data over the limit");
                complete = translator.accept(event, emitted::add);
            }
            if (complete) {
                assertTrue(emitted.getLast() instanceof ChatEvent.Done, "a complete stream ends with Done");
            }
        } catch (ProviderException e) {
            assertProviderError(e);
        } catch (IOException e) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(Integer.toString(MAX_EVENT_BYTES)),
                    "only the size limits fail the reader: " + e);
        }
        long dones = emitted.stream().filter(e -> e instanceof ChatEvent.Done).count();
        assertTrue(dones <= 1, "Done emitted " + dones + " times");
        Set<Integer> ended = new HashSet<>();
        for (ChatEvent e : emitted) {
            if (e instanceof ChatEvent.ChoiceEnd end) {
                assertTrue(ended.add(end.index()), "choice " + end.index() + " ended twice");
                assertNotNull(end.reason());
            } else if (e instanceof ChatEvent.Delta d) {
                assertFalse(ended.contains(d.index()), "a delta after its choice ended");
            }
        }

        // The same bytes as the body of an error response, with the status byte and a Retry-After made of them.
        String retryAfter = new String(body, 0, Math.min(body.length, 24), StandardCharsets.UTF_8);
        HttpHeaders headers = HttpHeaders.of(Map.of("retry-after", List.of(retryAfter)), (k, v) -> true);
        ProviderException e = UpstreamErrors.status("fuzz", status, headers, body);
        assertProviderError(e);
        if (e.retryAfter() != null) {
            assertFalse(e.retryAfter().isNegative(), "a negative Retry-After: " + e.retryAfter());
        }
    }

    private static void assertProviderError(ProviderException e) {
        assertNotNull(e.kind());
        assertTrue(e.status() >= 400 && e.status() <= 599, "status " + e.status());
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a provider error says why");
    }

    /** A body that arrives {@code step} bytes per read, as a slow network delivers it. */
    private static final class Trickle extends InputStream {
        private final ByteArrayInputStream in;
        private final int step;

        Trickle(byte[] body, int step) {
            this.in = new ByteArrayInputStream(body);
            this.step = step;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.min(len, step));
        }
    }
}
