package io.stellarchat.server.gateway.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The event-stream framing rules, one at a time. */
class SseReaderTest {

    private static SseReader reader(String text) {
        return new SseReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 1024);
    }

    @Test
    void dataLinesOfOneEventAreJoinedWithNewlines() throws IOException {
        SseReader r = reader("data: first\ndata: second\n\n");
        assertEquals(new SseReader.Event("message", "first\nsecond"), r.next());
        assertNull(r.next());
    }

    @Test
    void commentsAndUnknownFieldsAreSkippedAndEventNamesKept() throws IOException {
        SseReader r = reader(": ping\nid: 7\nretry: 100\nevent: message_stop\ndata:{\"a\":1}\n\n");
        assertEquals(new SseReader.Event("message_stop", "{\"a\":1}"), r.next());
    }

    @Test
    void crLfAndLoneCrEndLinesToo() throws IOException {
        SseReader r = reader("data: a\r\n\r\ndata: b\r\rdata: c\n\n");
        assertEquals("a", r.next().data());
        assertEquals("b", r.next().data());
        assertEquals("c", r.next().data());
    }

    @Test
    void aLastEventWithoutItsBlankLineIsStillDelivered() throws IOException {
        SseReader r = reader("data: [DONE]");
        assertEquals("[DONE]", r.next().data());
        assertNull(r.next());
    }

    @Test
    void multiByteCharactersSplitAcrossReadsStayWhole() throws IOException {
        byte[] bytes = "data: héllo 世界\n\n".getBytes(StandardCharsets.UTF_8);
        InputStream oneByteAtATime = new InputStream() {
            int i;

            @Override
            public int read() {
                return i < bytes.length ? bytes[i++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= bytes.length) return -1;
                b[off] = bytes[i++];
                return 1;
            }
        };
        assertEquals("héllo 世界", new SseReader(oneByteAtATime, 1024).next().data());
    }

    @Test
    void anOverlongEventIsRefused() {
        SseReader r = reader("data: " + "x".repeat(2000) + "\n\n");
        assertThrows(IOException.class, r::next);
    }
}
