package io.stellarchat.server.api.stream;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A stream of JSON objects, one per line ({@code application/x-ndjson}), as Ollama's API streams; each line is flushed. */
public final class NdjsonWriter {
    private final OutputStream out;

    public NdjsonWriter(Context ctx) throws SseWriter.ClientGoneException {
        ctx.status(200);
        ctx.res().setContentType("application/x-ndjson");
        ctx.res().setCharacterEncoding("utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        try {
            this.out = ctx.res().getOutputStream();
            out.flush();
        } catch (IOException e) {
            throw new SseWriter.ClientGoneException(e);
        }
    }

    /** One object, then a newline. */
    public void line(String json) throws SseWriter.ClientGoneException {
        try {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new SseWriter.ClientGoneException(e);
        }
    }
}
