package io.stellarchat.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model server on loopback for tests of remote providers: speaks enough HTTP/1.1 (one request per connection,
 * {@code Connection: close}, chunked event streams) and the OpenAI and Anthropic wire formats, and can be told per
 * request to misbehave.
 *
 * <p>Without a script it answers like a healthy upstream: {@code GET …/models} a model list, {@code POST
 * …/chat/completions} and {@code …/completions} a streamed "Hello world" with usage and {@code [DONE]},
 * {@code POST …/messages} the same in Anthropic's events, {@code POST …/embeddings} one small vector per input.
 * {@link #enqueue} scripts the next requests' replies in order (whatever their path): error statuses with headers,
 * a reset connection, a delayed first byte, a stall, a stream cut cleanly or abruptly after N events, slow events.
 *
 * <p>Every request is recorded (method, path, headers, body) and counted; a client that goes away while the fake is
 * delaying, stalling or streaming is counted as a disconnect ({@link #awaitDisconnect}).
 *
 * <p>Threads: an acceptor thread and one virtual thread per connection; {@link #close()} stops them all.
 */
public final class FakeUpstream implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** The model every default answer names. */
    public static final String MODEL = "fake-model";

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger attempts = new AtomicInteger();
    private final Semaphore disconnects = new Semaphore(0);
    private final Semaphore served = new Semaphore(0);
    private volatile boolean closed;

    private FakeUpstream() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        acceptor = Thread.ofPlatform().daemon().name("fake-upstream-acceptor").start(this::accept);
    }

    /** Starts a fake on a free loopback port. */
    public static FakeUpstream start() {
        try {
            return new FakeUpstream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>/v1}: a provider's {@code base_url}. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1");
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Scripts the replies of the next requests, in order. */
    public FakeUpstream enqueue(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** The requests received so far, in order of arrival. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    /** The one request received; fails when there were none or several. */
    public Recorded onlyRequest() {
        List<Recorded> r = requests();
        if (r.size() != 1) throw new AssertionError("expected one request, got " + r.size());
        return r.getFirst();
    }

    /** Requests received (each attempt of a retried call counts). */
    public int attempts() {
        return attempts.get();
    }

    /** Waits until a client went away while the fake was delaying, stalling or streaming to it. */
    public boolean awaitDisconnect(Duration within) throws InterruptedException {
        return disconnects.tryAcquire(within.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Waits until a reply was written to the end (or abandoned by its script). */
    public boolean awaitServed(Duration within) throws InterruptedException {
        return served.tryAcquire(within.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- what was received

    /**
     * One request as received.
     *
     * @param headers lower-case names → values (the last value of a repeated header)
     */
    public record Recorded(String method, String path, Map<String, String> headers, String body) {
        /** A header's value, or null (case-insensitive name). */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The body as JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ---- what to answer

    /** A scripted reply. Fluent; build a new one per request. */
    public static final class Reply {
        private final int status;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final String body;
        private final List<String> events;
        private boolean reset;
        private Duration headerDelay = Duration.ZERO;
        private Duration firstEventDelay = Duration.ZERO;
        private Duration eventDelay = Duration.ZERO;
        private int stallAfter = -1;
        private int endAfter = -1;
        private int abortAfter = -1;

        private Reply(int status, String body, List<String> events) {
            this.status = status;
            this.body = body;
            this.events = events == null ? null : List.copyOf(events);
        }

        /** A plain JSON answer. */
        public static Reply json(int status, String body) {
            return new Reply(status, body, null).header("Content-Type", "application/json");
        }

        /** A plain answer of any type. */
        public static Reply text(int status, String contentType, String body) {
            return new Reply(status, body, null).header("Content-Type", contentType);
        }

        /** OpenAI's error shape. */
        public static Reply openAiError(int status, String message, String type, String param, String code) {
            ObjectNode err = JSON.createObjectNode();
            err.putObject("error").put("message", message).put("type", type).put("param", param).put("code", code);
            return json(status, err.toString());
        }

        /** Anthropic's error shape. */
        public static Reply anthropicError(int status, String type, String message) {
            ObjectNode err = JSON.createObjectNode().put("type", "error");
            err.putObject("error").put("type", type).put("message", message);
            return json(status, err.toString());
        }

        /** A 200 event stream of these raw frames (each ends with its blank line: see {@link #data}, {@link #event}). */
        public static Reply sse(List<String> frames) {
            return new Reply(200, null, frames).header("Content-Type", "text/event-stream");
        }

        /** Resets the connection (TCP RST) once the request was read, before any byte of an answer. */
        public static Reply reset() {
            Reply r = new Reply(0, null, null);
            r.reset = true;
            return r;
        }

        public Reply header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        /** Waits this long before the first byte of the answer (the status line). */
        public Reply delayHeaders(Duration d) {
            headerDelay = d;
            return this;
        }

        /** Sends the headers at once, then waits this long before the first event. */
        public Reply delayFirstEvent(Duration d) {
            firstEventDelay = d;
            return this;
        }

        /** Waits this long before each event after the first (a slow upstream). */
        public Reply everyEvent(Duration d) {
            eventDelay = d;
            return this;
        }

        /** Sends {@code n} events, then holds the connection open without a byte until the client leaves. */
        public Reply stallAfter(int n) {
            stallAfter = n;
            return this;
        }

        /** Sends {@code n} events, then ends the body cleanly (whether {@code [DONE]} was among them is the frames'). */
        public Reply endAfter(int n) {
            endAfter = n;
            return this;
        }

        /** Sends {@code n} events, then closes the connection in the middle of the chunked body. */
        public Reply abortAfter(int n) {
            abortAfter = n;
            return this;
        }
    }

    // ---- wire helpers

    /** One SSE frame of {@code data}. */
    public static String data(String payload) {
        return "data: " + payload + "\n\n";
    }

    /** One SSE frame with an event name. */
    public static String event(String name, String payload) {
        return "event: " + name + "\ndata: " + payload + "\n\n";
    }

    public static final String DONE = data("[DONE]");

    /** An OpenAI chat chunk for choice 0: {@code delta} JSON and a finish reason (or null). */
    public static String openAiChunk(String delta, String finishReason) {
        return openAiChunk(0, delta, finishReason);
    }

    public static String openAiChunk(int index, String delta, String finishReason) {
        ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion.chunk")
                .put("created", 1700000000).put("model", MODEL);
        ObjectNode choice = c.putArray("choices").addObject().put("index", index);
        choice.set("delta", parse(delta));
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        return data(c.toString());
    }

    /** The usage chunk ({@code choices: []}) sent last when {@code stream_options.include_usage} is set. */
    public static String openAiUsage(int prompt, int completion, int cached, int reasoning) {
        ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion.chunk")
                .put("model", MODEL);
        c.putArray("choices");
        ObjectNode u = c.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        u.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
        return data(c.toString());
    }

    /** A whole streamed chat answer: a role chunk, one chunk per piece, a stop chunk, usage, {@code [DONE]}. */
    public static List<String> openAiText(String... pieces) {
        List<String> frames = new ArrayList<>();
        frames.add(openAiChunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
        for (String p : pieces) frames.add(openAiChunk(JSON.createObjectNode().put("content", p).toString(), null));
        frames.add(openAiChunk("{}", "stop"));
        frames.add(openAiUsage(7, pieces.length, 0, 0));
        frames.add(DONE);
        return frames;
    }

    /** A whole streamed legacy completion. */
    public static List<String> openAiCompletionText(String... pieces) {
        List<String> frames = new ArrayList<>();
        for (int i = 0; i <= pieces.length; i++) {
            ObjectNode c = JSON.createObjectNode().put("id", "cmpl-1").put("object", "text_completion").put("model", MODEL);
            ObjectNode choice = c.putArray("choices").addObject().put("index", 0)
                    .put("text", i < pieces.length ? pieces[i] : "");
            if (i < pieces.length) choice.putNull("finish_reason");
            else choice.put("finish_reason", "length");
            frames.add(data(c.toString()));
        }
        frames.add(openAiUsage(3, pieces.length, 0, 0));
        frames.add(DONE);
        return frames;
    }

    /** Anthropic's {@code message_start} with these input-side counts. */
    public static String anthropicStart(int input, int cacheRead, int cacheCreation) {
        ObjectNode e = JSON.createObjectNode().put("type", "message_start");
        ObjectNode m = e.putObject("message").put("id", "msg_1").put("type", "message").put("role", "assistant")
                .put("model", MODEL);
        m.putArray("content");
        m.putObject("usage").put("input_tokens", input).put("cache_read_input_tokens", cacheRead)
                .put("cache_creation_input_tokens", cacheCreation).put("output_tokens", 1);
        return event("message_start", e.toString());
    }

    public static String anthropicTextStart(int index) {
        return event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
                + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    }

    public static String anthropicDelta(int index, String deltaJson) {
        return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":"
                + deltaJson + "}");
    }

    public static String anthropicTextDelta(int index, String text) {
        return anthropicDelta(index, JSON.createObjectNode().put("type", "text_delta").put("text", text).toString());
    }

    public static String anthropicBlockStop(int index) {
        return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
    }

    public static String anthropicMessageDelta(String stopReason, int outputTokens) {
        return event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
                + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}");
    }

    public static final String ANTHROPIC_STOP = event("message_stop", "{\"type\":\"message_stop\"}");
    public static final String ANTHROPIC_PING = event("ping", "{\"type\":\"ping\"}");

    /** A whole streamed Anthropic answer of text pieces, ending with {@code end_turn}. */
    public static List<String> anthropicText(String... pieces) {
        List<String> frames = new ArrayList<>();
        frames.add(anthropicStart(11, 0, 0));
        frames.add(anthropicTextStart(0));
        frames.add(ANTHROPIC_PING);
        for (String p : pieces) frames.add(anthropicTextDelta(0, p));
        frames.add(anthropicBlockStop(0));
        frames.add(anthropicMessageDelta("end_turn", pieces.length));
        frames.add(ANTHROPIC_STOP);
        return frames;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- the server

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            open.add(s);
            Thread.ofVirtual().name("fake-upstream-conn").start(() -> {
                try (s) {
                    serve(s);
                } catch (IOException e) {
                    // the client went away or the fake closed; counted where it matters
                } finally {
                    open.remove(s);
                }
            });
        }
    }

    private void serve(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        Recorded request = readRequest(in);
        if (request == null) return;
        requests.add(request);
        attempts.incrementAndGet();
        Reply reply = script.poll();
        if (reply == null) reply = defaultReply(request);
        try {
            if (reply.reset) {
                s.setSoLinger(true, 0); // close() sends RST
                return;
            }
            if (!pause(s, reply.headerDelay)) return;
            OutputStream out = s.getOutputStream();
            if (reply.events == null) {
                byte[] body = reply.body == null ? new byte[0] : reply.body.getBytes(StandardCharsets.UTF_8);
                out.write(head(reply, "Content-Length: " + body.length).getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                return;
            }
            out.write(head(reply, "Transfer-Encoding: chunked").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (!pause(s, reply.firstEventDelay)) return;
            for (int i = 0; i < reply.events.size(); i++) {
                if (i == reply.stallAfter) {
                    stall(s);
                    return;
                }
                if (i == reply.endAfter) break;
                if (i == reply.abortAfter) return; // try-with-resources closes mid-body
                if (i > 0 && !pause(s, reply.eventDelay)) return;
                byte[] frame = reply.events.get(i).getBytes(StandardCharsets.UTF_8);
                try {
                    out.write((Integer.toHexString(frame.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(frame);
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException e) {
                    if (!closed) disconnects.release();
                    return;
                }
            }
            if (reply.stallAfter == reply.events.size()) {
                stall(s);
                return;
            }
            if (reply.abortAfter == reply.events.size()) return;
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } finally {
            served.release();
        }
    }

    private static String head(Reply reply, String framing) {
        StringBuilder b = new StringBuilder("HTTP/1.1 ").append(reply.status).append(' ').append(reason(reply.status))
                .append("\r\n");
        reply.headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        b.append(framing).append("\r\n").append("Connection: close\r\n\r\n");
        return b.toString();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    /**
     * Waits {@code d} while watching the connection: the client sends nothing more after its request, so a read
     * that ends means it went away. Returns false then (and counts the disconnect).
     */
    private boolean pause(Socket s, Duration d) throws IOException {
        if (d.isZero()) return true;
        long end = System.nanoTime() + d.toNanos();
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) return true;
            s.setSoTimeout((int) Math.max(1, left));
            try {
                if (s.getInputStream().read() < 0) {
                    if (!closed) disconnects.release();
                    return false;
                }
            } catch (SocketTimeoutException e) {
                return true;
            } catch (IOException e) {
                if (!closed) disconnects.release();
                return false;
            } finally {
                s.setSoTimeout(0);
            }
        }
    }

    /** Holds the connection open until the client leaves (counted) or the fake closes. */
    private void stall(Socket s) {
        try {
            while (s.getInputStream().read() >= 0) {
                // a client sends nothing more; ignore whatever it does
            }
        } catch (IOException e) {
            // reset by the client, or closed by us
        }
        if (!closed) disconnects.release();
    }

    private static Recorded readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) return null;
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] start = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).strip());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Recorded(start[0], start[1], Collections.unmodifiableMap(headers),
                new String(body, StandardCharsets.UTF_8));
    }

    private static Reply defaultReply(Recorded r) {
        String path = r.path();
        if (r.method().equals("GET") && path.endsWith("/models")) {
            ObjectNode list = JSON.createObjectNode().put("object", "list");
            list.putArray("data").addObject().put("id", MODEL).put("object", "model").put("created", 1700000000)
                    .put("owned_by", "fake").put("type", "model").put("created_at", "2024-10-22T00:00:00Z");
            return Reply.json(200, list.toString());
        }
        if (path.endsWith("/chat/completions")) return Reply.sse(openAiText("Hello", " world"));
        if (path.endsWith("/completions")) return Reply.sse(openAiCompletionText("Hello", " world"));
        if (path.endsWith("/messages")) return Reply.sse(anthropicText("Hello", " world"));
        if (path.endsWith("/embeddings")) {
            JsonNode input = r.json().path("input");
            ObjectNode answer = JSON.createObjectNode().put("object", "list").put("model", MODEL);
            ArrayNode data = answer.putArray("data");
            for (int i = input.size() - 1; i >= 0; i--) { // reversed, so a client must order by index
                ArrayNode v = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
                v.add(i + 0.5).add(-1.0).add(0.25);
            }
            answer.putObject("usage").put("prompt_tokens", 4 * input.size()).put("total_tokens", 4 * input.size());
            return Reply.json(200, answer.toString());
        }
        return Reply.openAiError(404, "no route " + path, "invalid_request_error", null, "not_found");
    }

    /**
     * A loopback address that accepts no connections in time: a listening socket with a backlog of one, never
     * accepted, filled up, so further SYNs are dropped and a connect times out. Close it after the test.
     */
    public static final class BlackHole implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> fillers = new ArrayList<>();

        public BlackHole() throws IOException {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            // Fill the accept queue: once connects start timing out, the queue is full.
            for (int i = 0; i < 16; i++) {
                Socket f = new Socket();
                try {
                    f.connect(socket.getLocalSocketAddress(), 200);
                    fillers.add(f);
                } catch (IOException full) {
                    f.close();
                    return;
                }
            }
            throw new IOException("the accept queue did not fill up");
        }

        public URI baseUrl() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/v1");
        }

        @Override
        public void close() throws IOException {
            for (Socket f : fillers) f.close();
            socket.close();
        }
    }
}
