package io.stellarchat.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events from a response body one {@code data:} payload at a time (comments such as
 * keep-alives are skipped). Not thread-safe; close it to drop the connection early.
 */
public final class SseEvents implements AutoCloseable {
    /** The payload that ends an OpenAI stream. */
    public static final String DONE = "[DONE]";
    private final InputStream in;
    private final BufferedReader reader;

    public SseEvents(InputStream in) {
        this.in = in;
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The next {@code data:} payload, or null at the end of the body. */
    public String next() throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.startsWith("data: ")) {
                return line.substring(6);
            }
        }
        return null;
    }

    /** The next payload parsed as JSON; fails on the end of the body or {@code [DONE]}. */
    public JsonNode nextJson() throws IOException {
        String data = next();
        if (data == null || data.equals(DONE)) {
            throw new IOException("expected a JSON event, got " + (data == null ? "the end of the stream" : DONE));
        }
        return LiveService.JSON.readTree(data);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
