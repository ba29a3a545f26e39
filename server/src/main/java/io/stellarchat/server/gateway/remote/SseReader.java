package io.stellarchat.server.gateway.remote;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events incrementally from a response body (WHATWG HTML, "Server-sent events", §9.2.6 "Interpreting
 * an event stream"): lines end with CRLF, LF or CR; {@code data:} lines append to the event's data (joined by
 * {@code \n}), {@code event:} names it, lines starting with {@code :} are comments (keep-alives), other fields
 * ({@code id}, {@code retry}) are ignored; a blank line dispatches the event. One space after the colon is dropped.
 *
 * <p>Only what arrived is parsed: {@link #next()} reads as little as it can and holds at most one line and one
 * event's data, bounded by {@code maxEventBytes}. At the end of the body an event not yet dispatched by a blank line is
 * still returned (some servers end without the last blank line); a cut in the middle of a line then shows as a
 * half event, which its JSON parser rejects.
 *
 * <p>Threads: one reader thread; not thread-safe.
 */
final class SseReader {
    /** One event: its name ({@code message} when unnamed) and its data. */
    record Event(String name, String data) {}

    private final InputStream in;
    private final int maxEventBytes;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    private boolean eof;
    private boolean lastWasCr;

    private final LineBuffer line = new LineBuffer();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String name;

    SseReader(InputStream in, int maxEventBytes) {
        this.in = in;
        this.maxEventBytes = maxEventBytes;
    }

    /** The next event, or null at the end of the body. */
    Event next() throws IOException {
        while (true) {
            String l = readLine();
            if (l == null) {
                // End of body: a pending event is still delivered (see the class comment).
                return hasData ? dispatch() : null;
            }
            if (l.isEmpty()) {
                if (hasData) return dispatch();
                name = null; // an event with no data is dropped (§9.2.6)
                continue;
            }
            if (l.charAt(0) == ':') continue; // comment
            int colon = l.indexOf(':');
            String field = colon < 0 ? l : l.substring(0, colon);
            String value = colon < 0 ? "" : l.substring(colon + 1);
            if (value.startsWith(" ")) value = value.substring(1);
            switch (field) {
                case "data" -> {
                    if (hasData) data.append('\n');
                    data.append(value);
                    hasData = true;
                    if (data.length() > maxEventBytes) throw new IOException("an event longer than " + maxEventBytes + " bytes");
                }
                case "event" -> name = value;
                default -> { } // id, retry and unknown fields: not used by model servers
            }
        }
    }

    private Event dispatch() {
        Event e = new Event(name == null || name.isEmpty() ? "message" : name, data.toString());
        data.setLength(0);
        hasData = false;
        name = null;
        return e;
    }

    /** One line without its terminator, or null at the end of the body when no characters are pending. */
    private String readLine() throws IOException {
        line.reset();
        while (true) {
            if (position == limit) {
                if (eof || !fill()) {
                    return line.size() > 0 ? line.text() : null;
                }
            }
            byte b = buffer[position++];
            if (lastWasCr) {
                lastWasCr = false;
                if (b == '\n') continue; // the LF of a CRLF
            }
            if (b == '\n') return line.text();
            if (b == '\r') {
                lastWasCr = true;
                return line.text();
            }
            line.add(b);
            if (line.size() > maxEventBytes) throw new IOException("a line longer than " + maxEventBytes + " bytes");
        }
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            eof = true;
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    /** A growable byte line; decoded once complete, so a UTF-8 character is never split (LF and CR never occur inside one). */
    private static final class LineBuffer {
        private byte[] bytes = new byte[256];
        private int size;

        void add(byte b) {
            if (size == bytes.length) bytes = java.util.Arrays.copyOf(bytes, size * 2);
            bytes[size++] = b;
        }

        int size() {
            return size;
        }

        void reset() {
            size = 0;
            if (bytes.length > 64 * 1024) bytes = new byte[256]; // do not keep one huge line's buffer for the whole stream
        }

        String text() {
            return new String(bytes, 0, size, StandardCharsets.UTF_8);
        }
    }
}
