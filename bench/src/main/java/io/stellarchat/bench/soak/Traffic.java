package io.stellarchat.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's steady mixed traffic: {@code clients} threads ({@code soak-client-<n>}), each in a loop picking one
 * kind of request at random — a chat completion (whole or streamed), a session turn over REST or SSE, a
 * WebSocket turn (a fresh connection each time, so connection churn shows in file descriptors), an embedding, or
 * a cancel (a streamed completion whose client goes away after a few chunks, or a WebSocket {@code stop}) — and
 * pausing {@code pauseMs} between requests. Each client owns one session and replaces it (DELETE, then create)
 * every 16 turns, so the history stays small and deletes are exercised too.
 *
 * <p>Threads: each client thread owns its session id and its random generator; the outcome counters are
 * atomics shared with the reporting thread; {@link #stop()} clears the running flag and joins every client
 * (each request has a 60 s timeout, so the join is bounded).
 */
final class Traffic {
    enum Kind { CHAT, CHAT_STREAM, SESSION_REST, SESSION_SSE, WEBSOCKET, EMBEDDINGS, CANCEL_STREAM, CANCEL_WS }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = {"once", "upon", "a", "time", "there", "was", "a", "little", "girl",
            "named", "Lily", "she", "liked", "to", "play", "in", "the", "park", "with", "her", "dog"};

    private final URI base;
    private final String model;
    private final int clients;
    private final long pauseMs;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<Kind, AtomicLong> ok = new EnumMap<>(Kind.class);
    private final Map<Kind, AtomicLong> shed = new EnumMap<>(Kind.class); // 429/503: refused under load
    private final Map<Kind, AtomicLong> failed = new EnumMap<>(Kind.class);
    private final ConcurrentLinkedQueue<String> firstErrors = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    private volatile boolean paused;
    /** Requests under way (each client thread increments before and decrements after its request). */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    Traffic(URI base, String model, int clients, long pauseMs) {
        this.base = base;
        this.model = model;
        this.clients = clients;
        this.pauseMs = pauseMs;
        for (Kind k : Kind.values()) {
            ok.put(k, new AtomicLong());
            shed.put(k, new AtomicLong());
            failed.put(k, new AtomicLong());
        }
    }

    void start(long seed) {
        running = true;
        for (int i = 0; i < clients; i++) {
            long s = seed + i;
            Thread t = Thread.ofPlatform().name("soak-client-" + i).daemon(true).start(() -> loop(new Random(s)));
            threads.add(t);
        }
    }

    void stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(TIMEOUT.toMillis() + 10_000);
        }
        http.close();
    }

    /**
     * Stops starting requests and waits (at most {@code timeout}) until none is under way, so a sample sees the
     * server idle; {@link #resume()} lets the clients go on.
     *
     * @return whether the clients went idle in time
     */
    boolean pause(Duration timeout) throws InterruptedException {
        paused = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(10);
        }
        return true;
    }

    void resume() {
        paused = false;
    }

    long ok(Kind k) { return ok.get(k).get(); }
    long shed(Kind k) { return shed.get(k).get(); }
    long failed(Kind k) { return failed.get(k).get(); }
    List<String> firstErrors() { return List.copyOf(firstErrors); }

    long totalOk() { return ok.values().stream().mapToLong(AtomicLong::get).sum(); }
    long totalFailed() { return failed.values().stream().mapToLong(AtomicLong::get).sum(); }

    private void loop(Random random) {
        String session = null;
        int turns = 0;
        Kind[] kinds = Kind.values();
        while (running) {
            while (paused && running) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Kind kind = kinds[random.nextInt(kinds.length)];
            inFlight.incrementAndGet();
            try {
                if (session == null || turns >= 16) {
                    if (session != null) send("DELETE", "/v1/sessions/" + session, null);
                    HttpResponse<String> r = send("POST", "/v1/sessions", Map.of("model", model, "title", "soak"));
                    if (r.statusCode() != 201) throw new IOException("create session: " + r.statusCode() + " " + r.body());
                    session = JSON.readTree(r.body()).get("id").asText();
                    turns = 0;
                }
                if (kind == Kind.SESSION_REST || kind == Kind.SESSION_SSE || kind == Kind.WEBSOCKET || kind == Kind.CANCEL_WS) {
                    turns++;
                }
                int status = switch (kind) {
                    case CHAT -> send("POST", "/v1/chat/completions", chat(random, 24, false)).statusCode();
                    case CHAT_STREAM -> stream("/v1/chat/completions", chat(random, 24, true), Integer.MAX_VALUE);
                    case CANCEL_STREAM -> stream("/v1/chat/completions", chat(random, 400, true), 1 + random.nextInt(4));
                    case SESSION_REST -> send("POST", "/v1/sessions/" + session + "/messages",
                            Map.of("content", prompt(random), "max_tokens", 16)).statusCode();
                    case SESSION_SSE -> stream("/v1/sessions/" + session + "/messages",
                            Map.of("content", prompt(random), "max_tokens", 16, "stream", true), Integer.MAX_VALUE);
                    case WEBSOCKET -> webSocketTurn(session, prompt(random), false);
                    case CANCEL_WS -> webSocketTurn(session, prompt(random), true);
                    case EMBEDDINGS -> send("POST", "/v1/embeddings",
                            Map.of("model", model, "input", List.of(prompt(random), prompt(random)))).statusCode();
                };
                count(kind, status, null);
            } catch (IOException | RuntimeException e) {
                count(kind, -1, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                inFlight.decrementAndGet();
            }
            if (pauseMs > 0) {
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void count(Kind kind, int status, String error) {
        if (status >= 200 && status < 300) {
            ok.get(kind).incrementAndGet();
        } else if (status == 429 || status == 503) {
            shed.get(kind).incrementAndGet();
        } else {
            failed.get(kind).incrementAndGet();
            if (firstErrors.size() < 20) firstErrors.add(kind + ": " + (error != null ? error : "status " + status));
        }
    }

    private Map<String, Object> chat(Random random, int maxTokens, boolean stream) {
        return Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", prompt(random))),
                "max_tokens", maxTokens, "stream", stream);
    }

    private static String prompt(Random random) {
        StringBuilder b = new StringBuilder();
        int n = 4 + random.nextInt(12);
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(' ');
            b.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return b.toString();
    }

    private HttpResponse<String> send(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Streams an SSE answer; reads {@code lines} non-empty lines and then closes the body (a client that goes
     * away: the server must cancel the generation), or reads it to the end.
     */
    private int stream(String path, Object body, int lines) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                in.readAllBytes();
                return r.statusCode();
            }
            int seen = 0;
            StringBuilder line = new StringBuilder();
            int c;
            while (seen < lines && (c = in.read()) >= 0) {
                if (c == '\n') {
                    if (!line.isEmpty()) seen++;
                    line.setLength(0);
                } else {
                    line.append((char) c);
                }
            }
        }
        return r.statusCode();
    }

    /**
     * One WebSocket turn on a fresh connection: {@code message}, then waits for {@code end} or {@code error}; with
     * {@code stop}, sends {@code stop} once {@code start} arrived. Returns 200, or the error frame's status.
     */
    private int webSocketTurn(String session, String content, boolean stop) throws IOException, InterruptedException {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder(); // owned by the client's listener thread

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    try {
                        JsonNode frame = JSON.readTree(text.toString());
                        text.setLength(0);
                        switch (frame.path("type").asText()) {
                            case "start" -> {
                                if (stop) ws.sendText("{\"type\":\"stop\",\"request_id\":\"r\"}", true);
                            }
                            case "end" -> done.complete(200);
                            case "error" -> {
                                String code = frame.path("error").path("code").asText();
                                // a stop crossing the end on the wire is harmless
                                if (!code.equals("request_not_running")) {
                                    done.complete(frame.path("error").path("status").asInt(500));
                                }
                            }
                            default -> { }
                        }
                    } catch (IOException e) {
                        done.completeExceptionally(e);
                    }
                }
                ws.request(1);
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                done.completeExceptionally(error);
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                done.complete(status == WebSocket.NORMAL_CLOSURE ? 599 : status);
                return null;
            }
        };
        WebSocket ws;
        try {
            ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(base.toString().replaceFirst("^http", "ws") + "/v1/ws"), listener)
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("WebSocket connect: " + e, e);
        }
        try {
            ws.sendText(JSON.writeValueAsString(Map.of("type", "message", "request_id", "r", "session_id", session,
                    "content", content, "params", Map.of("max_tokens", stop ? 200 : 16))), true);
            return done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("WebSocket turn: " + e, e);
        } finally {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ignored) {
                // the connection is aborted below either way
            }
            ws.abort();
        }
    }
}
