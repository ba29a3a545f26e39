package io.stellarchat.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, so a test sees the bytes on the wire (status line, headers, chunked framing)
 * and can drop the connection in the middle of a response.
 */
public final class RawHttp implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    public String statusLine;
    public final Map<String, String> headers = new LinkedHashMap<>();

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** Sends a POST with a JSON body and reads the status line and headers. */
    public static RawHttp post(int port, String path, String json) throws IOException {
        return post(port, path, json, 0);
    }

    /**
     * As {@link #post(int, String, String)}, with a small receive buffer when {@code receiveBuffer > 0}: a
     * client that then stops reading makes the server's writes block soon (a slow client).
     */
    public static RawHttp post(int port, String path, String json, int receiveBuffer) throws IOException {
        RawHttp r = send(port, path, json, receiveBuffer);
        r.statusLine = r.line();
        for (String h = r.line(); !h.isEmpty(); h = r.line()) {
            int colon = h.indexOf(':');
            r.headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        return r;
    }

    /** Sends a POST with a JSON body and reads nothing (for a client that leaves before the answer). */
    public static RawHttp send(int port, String path, String json) throws IOException {
        return send(port, path, json, 0);
    }

    private static RawHttp send(int port, String path, String json, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(20_000);
        RawHttp r = new RawHttp(s);
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                + "Accept: text/event-stream\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return r;
    }

    /** The next chunk's data of a chunked body, or null after the last (zero-length) chunk. */
    public byte[] chunk() throws IOException {
        String size = line();
        int semi = size.indexOf(';');
        int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        if (n == 0) {
            for (String t = line(); !t.isEmpty(); t = line()) {
                // trailers: none expected, skipped
            }
            return null;
        }
        byte[] data = in.readNBytes(n);
        if (data.length != n) {
            throw new EOFException("chunk cut short");
        }
        if (!line().isEmpty()) {
            throw new IOException("chunk data not followed by CRLF");
        }
        return data;
    }

    /** The whole chunked body, decoded. */
    public String chunkedBody() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] c = chunk(); c != null; c = chunk()) {
            all.write(c);
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    /** The connection, for a test that reads it its own way (e.g. slowly). */
    public Socket socket() {
        return socket;
    }

    /** The body: by its Content-Length, else chunked. */
    public String body() throws IOException {
        String length = headers.get("content-length");
        if (length == null) return chunkedBody();
        return new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
    }

    /** One CRLF-terminated line (a bare LF is an error: HTTP framing requires CRLF). */
    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed mid-line: " + b.toString(StandardCharsets.ISO_8859_1));
            }
            if (c == '\n') {
                if (prev != '\r') {
                    throw new IOException("bare LF in HTTP framing");
                }
                byte[] bytes = b.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
            prev = c;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
