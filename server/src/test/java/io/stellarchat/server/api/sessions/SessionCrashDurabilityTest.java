package io.stellarchat.server.api.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.chat.ChatMessage;
import io.stellarchat.server.chat.ChatSession;
import io.stellarchat.server.chat.MessageRole;
import io.stellarchat.server.chat.MessageStatus;
import io.stellarchat.server.config.StellarConfig;
import io.stellarchat.server.testing.LiveService;
import io.stellarchat.server.testing.SseEvents;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue "Chat sessions", durability: a process killed with SIGKILL mid-stream loses nothing it acknowledged, and
 * (issue 19) keeps the part of a reply it had produced. The real {@code stellar serve} runs as a child JVM on one
 * data directory; 20 times a streamed reply is started and the child is killed at a random moment — before the
 * response started, right after its headers, or after a random number of chunks. After each kill the SQLite
 * file is opened directly and checked; after each restart (which runs {@code markInterrupted()}) the history is
 * read over REST.
 *
 * <p>Each killed turn runs in a session of its own on the same prompt with greedy sampling ({@code temperature}
 * 0, end-of-sequence banned), so the model would always say the same text: the reference, produced once by a
 * turn that runs to its end. Invariants checked every time: every acknowledged user message (its POST answered
 * 200, i.e. it was committed) is present and complete; no row holds text that was never sent; a reply is either
 * complete with a finish reason, or (killed mid-generation) holds a prefix of the reference — the text written
 * so far by the partial-reply writer — {@code generating} right after the kill and {@code interrupted} after a
 * restart; {@code integrity_check} finds nothing. Over the run at least one cut reply kept some text.
 *
 * <p>Duration: about 20 JVM start-ups (2–4 s each on a loaded 2-core machine), so 1–2 minutes. Tagged
 * {@code durability} to run (or skip) it alone: {@code -Dgroups=durability} / {@code -DexcludedGroups=durability};
 * the default build runs it. The 200-kill version on SQLite and PostgreSQL is {@code ./stellar bench kills}.
 */
@Tag("durability")
class SessionCrashDurabilityTest {
    static final int KILLS = 20;
    static final String TOKEN = "sk-durability";
    static final String OWNER = Owners.fromAuthorization("Bearer " + TOKEN);
    /** The prompt of every killed turn (and of the reference turn). */
    static final String CUT_PROMPT = "once upon a time";
    /** Greedy, never ending early: the same prompt always gets the same 1000-token text. */
    static final Map<String, Object> CUT_PARAMS = Map.of("max_tokens", 1000, "temperature", 0,
            "logit_bias", Map.of("2", -100));

    @TempDir
    Path work;

    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** What the model says to {@link #CUT_PROMPT}; a cut reply holds a prefix of it. */
    String reference;

    @Test
    void sigkillAtRandomMomentsLosesNoAcknowledgedMessageAndKeepsAPrefixOfTheCutReply() throws Exception {
        long seed = Long.getLong("stellar.durability.seed", System.nanoTime());
        Random random = new Random(seed);
        Path data = work.resolve("data");
        Path log = work.resolve("child.log");
        Set<String> sent = new HashSet<>(); // "session|content"
        List<String> acknowledged = new ArrayList<>();
        String session = null;
        List<String> moments = new ArrayList<>();
        int generatingAfterKill = 0;
        int keptText = 0;
        long started = System.nanoTime();
        long startup = 0;
        try {
            for (int round = 0; round < KILLS; round++) {
                int port = freePort();
                Process child = startChild(port, data, log);
                try {
                    long t0 = System.nanoTime();
                    awaitReady(child, port, log);
                    startup += System.nanoTime() - t0;
                    if (session == null) {
                        session = newSession(port, "crash");
                        String ref = newSession(port, "reference");
                        Map<String, Object> body = new java.util.HashMap<>(CUT_PARAMS);
                        body.put("content", CUT_PROMPT);
                        sent.add(ref + "|" + CUT_PROMPT);
                        HttpResponse<String> r = post(port, "/v1/sessions/" + ref + "/messages", body);
                        assertEquals(200, r.statusCode(), r.body());
                        acknowledged.add(ref + "|" + CUT_PROMPT);
                        reference = LiveService.JSON.readTree(r.body()).path("message").path("content").asText(null);
                        if (reference == null) reference = LiveService.JSON.readTree(r.body()).path("content").asText();
                        assertTrue(reference.length() > 100, "the reference reply is long: " + r.body());
                    }
                    keptText = checkOverRest(port, sent, acknowledged, round);

                    // A short complete turn, so the history also holds finished replies.
                    String quick = "round " + round + " quick";
                    sent.add(session + "|" + quick);
                    HttpResponse<String> q = post(port, "/v1/sessions/" + session + "/messages",
                            Map.of("content", quick, "max_tokens", 3));
                    assertEquals(200, q.statusCode(), q.body());
                    acknowledged.add(session + "|" + quick);

                    // The streamed turn that is killed, in a session of its own.
                    String cut = newSession(port, "cut " + round);
                    sent.add(cut + "|" + CUT_PROMPT);
                    Map<String, Object> body = new java.util.HashMap<>(CUT_PARAMS);
                    body.put("content", CUT_PROMPT);
                    body.put("stream", true);
                    CompletableFuture<HttpResponse<InputStream>> response = client.sendAsync(
                            request(port, "/v1/sessions/" + cut + "/messages", body),
                            HttpResponse.BodyHandlers.ofInputStream());
                    String moment = killMoment(random, response);
                    boolean ack = response.isDone() && !response.isCompletedExceptionally()
                            && response.getNow(null).statusCode() == 200;
                    child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no close
                    assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child exits");
                    if (ack) {
                        acknowledged.add(cut + "|" + CUT_PROMPT);
                    }
                    moments.add(moment + (ack ? "" : " (not acknowledged)"));
                    response.thenAccept(r -> closeQuietly(r.body()));
                } finally {
                    if (child.isAlive()) {
                        child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    }
                }
                generatingAfterKill += checkFileAfterKill(data, sent, acknowledged, false)[0];
            }
            // The 21st start-up's recovery, as serve runs it: no row is left generating.
            keptText = checkFileAfterKill(data, sent, acknowledged, true)[1];
        } catch (AssertionError | Exception e) {
            throw new AssertionError("seed " + seed + ", kills so far: " + moments + "\nchild log tail:\n" + tail(log), e);
        }
        System.out.printf("durability: %d kills in %.1f s (%.1f s waiting for start-ups; seed %d): %s; %d left a "
                + "generating reply; %d cut replies kept text%n", KILLS, (System.nanoTime() - started) / 1e9,
                startup / 1e9, seed, moments, generatingAfterKill, keptText);
        assertEquals(KILLS, moments.size());
        assertTrue(keptText > 0, "at least one of " + KILLS + " cut replies kept the text produced before the kill");
    }

    /** Waits for a random moment of the streamed turn; says which. */
    private String killMoment(Random random, CompletableFuture<HttpResponse<InputStream>> response) throws Exception {
        switch (random.nextInt(4)) {
            case 0 -> {
                long delay = random.nextInt(40);
                Thread.sleep(delay); // maybe before the user message is committed, maybe after
                return "after " + delay + " ms";
            }
            case 1 -> {
                HttpResponse<InputStream> r = response.get(30, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                return "at the headers";
            }
            default -> {
                HttpResponse<InputStream> r = response.get(30, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                int chunks = 1 + random.nextInt(80);
                SseEvents events = new SseEvents(r.body());
                for (int i = 0; i < chunks; i++) {
                    events.nextJson();
                }
                return "after " + chunks + " chunks";
            }
        }
    }

    private String newSession(int port, String title) throws Exception {
        HttpResponse<String> r = post(port, "/v1/sessions", Map.of("model", "stories260K", "title", title));
        assertEquals(201, r.statusCode(), r.body());
        return LiveService.JSON.readTree(r.body()).get("id").asText();
    }

    /**
     * After a restart (markInterrupted ran): the REST history of every session shows every acknowledged message,
     * nothing generating, and cut replies holding a prefix of the reference. Returns how many cut replies hold text.
     */
    private int checkOverRest(int port, Set<String> sent, List<String> acknowledged, int round) throws Exception {
        HttpResponse<String> list = get(port, "/v1/sessions?limit=100");
        assertEquals(200, list.statusCode(), list.body());
        List<String> users = new ArrayList<>();
        int kept = 0;
        for (JsonNode s : LiveService.JSON.readTree(list.body()).get("data")) {
            String session = s.get("id").asText();
            HttpResponse<String> r = get(port, "/v1/sessions/" + session + "/messages?limit=1000");
            assertEquals(200, r.statusCode(), r.body());
            for (JsonNode m : LiveService.JSON.readTree(r.body()).get("data")) {
                String status = m.get("status").asText();
                String content = m.get("content").asText();
                assertTrue(!status.equals("generating"), "round " + round + ": after a restart nothing is generating: " + m);
                if (m.get("role").asText().equals("user")) {
                    assertEquals("complete", status, m.toString());
                    users.add(session + "|" + content);
                } else if (status.equals("interrupted")) {
                    assertTrue(reference.startsWith(content), "an interrupted reply holds a prefix of what the model "
                            + "says: " + m + "\nreference: " + reference);
                    assertTrue(m.get("finish_reason").isNull(), m.toString());
                    if (!content.isEmpty()) kept++;
                } else {
                    assertTrue(!m.get("finish_reason").isNull(), "a complete reply says why it ended: " + m);
                }
            }
        }
        assertTrue(users.containsAll(acknowledged), "round " + round + ": acknowledged " + acknowledged + " but stored " + users);
        assertTrue(sent.containsAll(users), "only sent messages are stored: " + users);
        return kept;
    }

    /**
     * Opens the database file the killed child left and checks it; with {@code recover}, first runs the
     * start-up recovery. Returns how many replies were still generating, and how many cut replies hold text.
     */
    private int[] checkFileAfterKill(Path data, Set<String> sent, List<String> acknowledged, boolean recover) {
        StellarConfig d = StellarConfig.defaults();
        try (ChatDatabase db = ChatDatabase.open(d.database(), data, Clock.systemUTC())) {
            assertEquals(List.of(), db.history().integrityCheck(), "SQLite integrity and foreign-key checks");
            if (recover) {
                db.history().markInterrupted();
            }
            List<String> users = new ArrayList<>();
            int generating = 0;
            int kept = 0;
            for (ChatSession s : db.history().listSessions(OWNER, null, 1000).items()) {
                List<ChatMessage> all = db.history().listMessages(OWNER, s.id(), 1000, null).orElseThrow().items();
                for (int i = 0; i < all.size(); i++) {
                    ChatMessage m = all.get(i);
                    if (m.role() == MessageRole.USER) {
                        assertEquals(MessageStatus.COMPLETE, m.status());
                        users.add(s.id() + "|" + m.content());
                        continue;
                    }
                    assertEquals(MessageRole.ASSISTANT, m.role(), m.toString());
                    switch (m.status()) {
                        case COMPLETE -> assertTrue(m.finishReason() != null, "a complete reply has a finish reason: " + m);
                        case GENERATING, INTERRUPTED -> {
                            assertTrue(reference.startsWith(m.content()), "a reply cut off by the kill holds a prefix "
                                    + "of what the model says: " + m + "\nreference: " + reference);
                            assertEquals(null, m.finishReason(), m.toString());
                            if (!m.content().isEmpty()) kept++;
                            if (m.status() == MessageStatus.GENERATING) {
                                assertTrue(!recover, "recovery leaves nothing generating");
                                assertEquals(all.size() - 1, i, "only the reply being written at the kill is generating");
                                generating++;
                            }
                        }
                    }
                }
            }
            assertTrue(users.containsAll(acknowledged), "acknowledged " + acknowledged + " but stored " + users);
            assertTrue(sent.containsAll(users), "only sent messages are stored: " + users);
            return new int[] {generating, kept};
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(port, path)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private Process startChild(int port, Path data, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Start-up dominates this test, so the child is told to spend little on it: C1 only (no C2 compiler
        // threads competing for the 2 cores), the serial collector, scalar kernels (the Vector API is slow
        // until C2 compiles it, and which kernels run does not matter to durability).
        List<String> cmd = List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dstellar.kernels=scalar", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.stellarchat.server.cli.Main",
                "serve", "--port", Integer.toString(port), "--model", LiveService.STORIES.toString(),
                "--set", "data.dir=" + data, "--set", "engine.threads=1", "--log-level", "warn");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("STELLAR_"));
        return pb.start();
    }

    private void awaitReady(Process child, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                fail("the server exited with " + child.exitValue() + " before it was ready:\n" + tail(log));
            }
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(port, "/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (ConnectException | java.net.http.HttpTimeoutException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        fail("the server was not ready within 60 s:\n" + tail(log));
    }

    private HttpResponse<String> post(int port, String path, Object body) throws Exception {
        return client.send(request(port, path, body), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(int port, String path, Object body) throws IOException {
        return HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(LiveService.JSON.writeValueAsString(body))).build();
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the peer is dead
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
