package io.stellarchat.server.api.stream;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;

/**
 * Notices a client that went away while a non-streamed answer is being generated — when nothing is written
 * to it, so no write can fail. Jetty does not read a connection while its request is being handled, so it
 * would see the peer's close only when the response is written; instead this asks the connection's end point
 * directly, without blocking: end of stream (or a closed end point) means the client is gone.
 *
 * <p>If the peer sent bytes instead (an HTTP/1.1 pipelined next request, which the clients we serve do not
 * do), checking stops for this request: a byte taken from the connection cannot be given back, so the check
 * is made only while nothing has been read.
 *
 * <p>Used by {@link AnswerReader} and by the sessions API for non-streamed turns.
 *
 * <p>Threads: called from the request's own thread, between waits for tokens; Jetty is not reading the
 * connection then.
 */
public final class ClientWatch {
    private final EndPoint endPoint;
    private boolean usable;

    private ClientWatch(EndPoint endPoint) {
        this.endPoint = endPoint;
        this.usable = endPoint != null;
    }

    /** A watch on the connection of this request (never fails: without an end point it reports nothing). */
    public static ClientWatch of(Context ctx) {
        ServletContextRequest r = ServletContextRequest.getServletContextRequest(ctx.req());
        EndPoint ep = r == null ? null : r.getConnectionMetaData().getConnection().getEndPoint();
        return new ClientWatch(ep);
    }

    /** Whether the client has closed its side of the connection. */
    public boolean clientGone() {
        if (!usable) {
            return false;
        }
        if (!endPoint.isOpen()) {
            return true;
        }
        ByteBuffer probe = BufferUtil.allocate(1);
        try {
            int n = endPoint.fill(probe);
            if (n < 0) {
                return true;
            }
            if (n > 0) {
                usable = false; // pipelined data: stop probing (see the class comment)
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
