package io.stellarchat.bench.gateway;

import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
 * An OpenAI-compatible upstream that answers at once: {@code POST /v1/chat/completions} with a fixed short
 * answer (a JSON object, or five SSE chunks and {@code [DONE]} when the request says {@code "stream":true}),
 * {@code GET /v1/models} with one model. What the gateway benchmark puts StellarChat in front of, and calls
 * directly for the baseline. Jetty (already a dependency of the server) on loopback, so the mock is not the
 * bottleneck; {@link #close()} stops it.
 */
final class MockUpstream implements AutoCloseable {
    private static final byte[] JSON = ("{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"mock\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello world\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}")
            .getBytes(StandardCharsets.UTF_8);
    private static final String CHUNK = "{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"mock\",\"choices\":[{\"index\":0,\"delta\":%s,\"finish_reason\":%s}]}";
    private static final byte[][] SSE = {
            frame(CHUNK.formatted("{\"role\":\"assistant\",\"content\":\"\"}", "null")),
            frame(CHUNK.formatted("{\"content\":\"Hello\"}", "null")),
            frame(CHUNK.formatted("{\"content\":\" world\"}", "null")),
            frame(CHUNK.formatted("{}", "\"stop\"")),
            frame("{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"mock\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}"),
            frame("[DONE]")};
    private static final byte[] MODELS = "{\"object\":\"list\",\"data\":[{\"id\":\"mock\",\"object\":\"model\",\"owned_by\":\"mock\"}]}"
            .getBytes(StandardCharsets.UTF_8);

    private final Server server;
    private final ServerConnector connector;

    MockUpstream() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(64, 8);
        threads.setName("mock-upstream");
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                if (path.endsWith("/models")) {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    response.write(true, java.nio.ByteBuffer.wrap(MODELS), callback);
                    return true;
                }
                String body = Content.Source.asString(request, StandardCharsets.UTF_8);
                if (!body.contains("\"stream\":true")) {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    response.write(true, java.nio.ByteBuffer.wrap(JSON), callback);
                    return true;
                }
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    for (byte[] f : SSE) {
                        out.write(f);
                        out.flush();
                    }
                }
                callback.succeeded();
                return true;
            }
        });
        server.start();
    }

    /** The streamed answer's frames, for other fakes that answer like this one. */
    static byte[][] sseFrames() {
        return SSE;
    }

    /** The model list's JSON. */
    static String modelsJson() {
        return new String(MODELS, StandardCharsets.UTF_8);
    }

    private static byte[] frame(String data) {
        return ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/v1");
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
