package io.stellarchat.bench.gateway;

import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An OpenAI-compatible upstream that fails half of its chat calls, for {@code ./stellar bench chaos}: each call
 * draws one of: a 500 error (12.5%), a connection closed before any answer (12.5%), a stream cut off after two
 * events (12.5%), a stall of {@code stall} ms before the first byte — past the gateway's first-token timeout —
 * (12.5%), a latency spike of {@code spike} ms and then a whole answer (10%), or a whole answer at once (40%).
 * What it drew is counted per kind. {@code GET /v1/models} always answers. {@link #close()} stops it.
 */
final class ChaosUpstream implements AutoCloseable {
    static final String[] KINDS = {"error_500", "closed", "cut_stream", "stall", "spike", "ok"};

    private final Server server;
    private final ServerConnector connector;
    final AtomicLongArray drawn = new AtomicLongArray(KINDS.length);

    ChaosUpstream(long stallMillis, long spikeMillis) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(512, 8);
        threads.setName("chaos-upstream");
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                if (path.endsWith("/models")) {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    Content.Sink.write(response, true, MockUpstream.modelsJson(), callback);
                    return true;
                }
                Content.Source.asString(request, StandardCharsets.UTF_8);
                double x = ThreadLocalRandom.current().nextDouble();
                int kind = x < 0.125 ? 0 : x < 0.25 ? 1 : x < 0.375 ? 2 : x < 0.5 ? 3 : x < 0.6 ? 4 : 5;
                drawn.incrementAndGet(kind);
                switch (kind) {
                    case 0 -> {
                        response.setStatus(500);
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                        Content.Sink.write(response, true,
                                "{\"error\":{\"message\":\"chaos\",\"type\":\"server_error\",\"param\":null,\"code\":null}}", callback);
                    }
                    case 1 -> {
                        request.getConnectionMetaData().getConnection().getEndPoint().close();
                        callback.succeeded(); // nothing more can be written; the gateway saw the close
                    }
                    case 2 -> {
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                        OutputStream out = Content.Sink.asOutputStream(response);
                        byte[][] frames = MockUpstream.sseFrames();
                        out.write(frames[0]);
                        out.write(frames[1]);
                        out.flush();
                        request.getConnectionMetaData().getConnection().getEndPoint().close();
                        callback.succeeded();
                    }
                    default -> {
                        if (kind == 3) Thread.sleep(stallMillis);
                        if (kind == 4) Thread.sleep(spikeMillis);
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                        try (OutputStream out = Content.Sink.asOutputStream(response)) {
                            for (byte[] f : MockUpstream.sseFrames()) {
                                out.write(f);
                                out.flush();
                            }
                        } catch (java.io.IOException gone) {
                            // the gateway gave up on a stall: nothing to finish
                        }
                        callback.succeeded();
                    }
                }
                return true;
            }
        });
        server.start();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/v1");
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
