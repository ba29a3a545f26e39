package io.stellarchat.server.api.stream;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events on a response: {@code data: <json>\n\n} per event (or with an {@code event:} name line), flushed at once, and
 * {@code : keep-alive} comments. A failed write means the client is gone: it throws
 * {@link ClientGoneException}, and the caller cancels the generation.
 *
 * <p>Threads: one request thread writes; not shared.
 */
public final class SseWriter {
    private final OutputStream out;

    public SseWriter(Context ctx) throws ClientGoneException {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setCharacterEncoding("utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        try {
            this.out = ctx.res().getOutputStream();
            out.flush(); // headers out now: the client sees the stream start before the first token
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    public void data(String json) throws ClientGoneException {
        write("data: " + json + "\n\n");
    }

    /** A named event, {@code event: <name>\ndata: <json>\n\n}, as Anthropic's Messages stream sends every event. */
    public void event(String name, String json) throws ClientGoneException {
        write("event: " + name + "\ndata: " + json + "\n\n");
    }

    public void done() throws ClientGoneException {
        write("data: [DONE]\n\n");
    }

    public void keepAlive() throws ClientGoneException {
        write(": keep-alive\n\n");
    }

    private void write(String s) throws ClientGoneException {
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    /** The client closed the connection. */
    public static final class ClientGoneException extends Exception {
        private static final long serialVersionUID = 1L;

        ClientGoneException(IOException cause) {
            super("client disconnected", cause);
        }
    }
}
