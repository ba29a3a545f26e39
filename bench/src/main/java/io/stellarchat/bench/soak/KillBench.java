package io.stellarchat.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.chat.ChatMessage;
import io.stellarchat.server.chat.ChatSession;
import io.stellarchat.server.chat.MessageRole;
import io.stellarchat.server.chat.MessageStatus;
import io.stellarchat.server.config.DatabaseConfig;
import io.stellarchat.server.config.Secret;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./stellar bench kills [--kills 200] [--store sqlite|postgres] [--seed N] [--out DIR]}: the SIGKILL
 * durability run of {@code SessionCrashDurabilityTest}, grown to hundreds of kills and run on either store.
 * Each round starts {@code stellar serve} (stories260K) as a child, checks the history over REST, runs a short
 * complete turn, starts a streamed greedy turn in a session of its own and kills the child with SIGKILL at a
 * random moment (before the answer, at its headers, or after 1–80 chunks), then opens the database directly.
 *
 * <p>Checked every round, and any failure stops the run with exit 1: every acknowledged user message (its POST
 * answered) is stored and complete; nothing is stored that was not sent; every reply is complete with a finish
 * reason, or cut off holding a prefix of what the model says to the prompt (the reference: the same turn run to
 * its end in round 0) — {@code generating} after the kill, {@code interrupted} after the next start-up; the
 * database's own checks are clean: SQLite {@code integrity_check} and {@code foreign_key_check}, PostgreSQL
 * {@code amcheck} ({@code bt_index_check} with {@code heapallindexed} on every index, {@code verify_heapam} on
 * every table); both: no message without its session.
 *
 * <p>PostgreSQL runs from Debian's package in a scratch directory with fsync on ({@link BenchPostgres}); the child
 * gets a 2 s lease (renewed every 500 ms) so its successor recovers the killed instance's reply within seconds.
 */
public final class KillBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OWNER = "default"; // requests carry no key: the default owner
    private static final String CUT_PROMPT = "once upon a time";
    private static final Map<String, Object> CUT_PARAMS = Map.of("max_tokens", 1000, "temperature", 0,
            "logit_bias", Map.of("2", -100));

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String classPath;
    private final Path model;
    private final Path out;
    private final DatabaseConfig database; // embedded SQLite when its url is empty
    private final Path data;
    private final PrintStream log;
    private String reference;
    /** The server child running now (main thread writes, the shutdown hook reads). */
    private static volatile Process child;
    /** JVM flags that load the child's classes from a CDS archive made by a first, gracefully stopped start. */
    private List<String> cds = List.of();

    private KillBench(String classPath, Path model, Path out, DatabaseConfig database, PrintStream log) {
        this.classPath = classPath;
        this.model = model;
        this.out = out;
        this.database = database;
        this.data = out.resolve("data");
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        // The store's own INFO lines (pools, migrations) at every check would bury the progress lines.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        int kills = 200;
        String store = "sqlite";
        long seed = System.nanoTime();
        Path home = Path.of(System.getProperty("stellar.home", "."));
        Path model = home.resolve("../shared/models/stories260K.gguf").normalize();
        Path out = null;
        double maxMinutes = Double.POSITIVE_INFINITY;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kills" -> kills = Integer.parseInt(args[++i]);
                case "--store" -> store = args[++i];
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--model" -> model = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--max-minutes" -> maxMinutes = Double.parseDouble(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: ./stellar bench kills [--kills 200] [--store sqlite|postgres] [--seed N] "
                            + "[--model FILE.gguf] [--out DIR] [--max-minutes M]");
                    return;
                }
                default -> {
                    System.err.println("bench kills: unknown option " + args[i] + " (--help lists them)");
                    System.exit(2);
                }
            }
        }
        if (!store.equals("sqlite") && !store.equals("postgres")) {
            System.err.println("bench kills: --store must be sqlite or postgres, got " + store);
            System.exit(2);
        }
        if (out == null) out = home.resolve("bench/target/kills-" + store + "-" + Instant.now().toString().replace(':', '-'));
        Files.createDirectories(out);
        String classPath = SoakBench.copyServer(home, out.resolve("server-copy"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Process child = KillBench.child;
            if (child != null) child.destroyForcibly();
        }, "stop-kills-child"));
        int exit;
        if (store.equals("postgres")) {
            try (BenchPostgres pg = BenchPostgres.start()) {
                // Ctrl-C or SIGTERM of the run must not leave the PostgreSQL server behind.
                Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "stop-bench-postgres"));
                DatabaseConfig db = new DatabaseConfig(pg.url("stellar"), BenchPostgres.USER,
                        new Secret(BenchPostgres.PASSWORD), 4, Duration.ofSeconds(2), Duration.ofMillis(500));
                exit = new KillBench(classPath, model, out, db, System.out).run(kills, seed, pg, maxMinutes);
            }
        } else {
            exit = new KillBench(classPath, model, out, new DatabaseConfig("", "", new Secret(""), 2), System.out)
                    .run(kills, seed, null, maxMinutes);
        }
        System.exit(exit);
    }

    /** @param maxMinutes time budget: no round starts after it is spent (the summary says how many ran) */
    private int run(int kills, long seed, BenchPostgres pg, double maxMinutes) throws Exception {
        Random random = new Random(seed);
        Path childLog = out.resolve("child.log");
        Set<String> sent = new HashSet<>(); // "session|content"
        List<String> acknowledged = new ArrayList<>();
        Map<String, Integer> moments = new java.util.TreeMap<>();
        String session = null;
        int generatingAfterKill = 0;
        int integrityChecks = 0;
        long started = System.nanoTime();
        long startup = 0;
        int[] last = {0, 0};
        String store = pg == null ? "sqlite" : "postgres";
        try {
            warmUpClassArchive(childLog);
            for (int round = 0; round < kills; round++) {
                if ((System.nanoTime() - started) / 60e9 > maxMinutes) {
                    log.printf(Locale.ROOT, "kills %s: time budget of %.0f min spent after %d of %d kills%n", store,
                            maxMinutes, round, kills);
                    kills = round;
                    break;
                }
                int port = freePort();
                Process child = startChild(port, childLog);
                try {
                    long t0 = System.nanoTime();
                    awaitReady(child, port, childLog);
                    startup += System.nanoTime() - t0;
                    if (session == null) {
                        session = newSession(port, "kills");
                        String ref = newSession(port, "reference");
                        Map<String, Object> body = new HashMap<>(CUT_PARAMS);
                        body.put("content", CUT_PROMPT);
                        sent.add(ref + "|" + CUT_PROMPT);
                        HttpResponse<String> r = post(port, "/v1/sessions/" + ref + "/messages", body);
                        check(r.statusCode() == 200, "reference turn: " + r.body());
                        acknowledged.add(ref + "|" + CUT_PROMPT);
                        reference = JSON.readTree(r.body()).path("message").path("content").asText();
                        check(reference.length() > 100, "the reference reply is long: " + r.body());
                    }
                    checkOverRest(port, sent, acknowledged, round);
                    String quick = "round " + round + " quick";
                    sent.add(session + "|" + quick);
                    HttpResponse<String> q = post(port, "/v1/sessions/" + session + "/messages",
                            Map.of("content", quick, "max_tokens", 3));
                    check(q.statusCode() == 200, "quick turn: " + q.body());
                    acknowledged.add(session + "|" + quick);

                    String cut = newSession(port, "cut " + round);
                    sent.add(cut + "|" + CUT_PROMPT);
                    Map<String, Object> body = new HashMap<>(CUT_PARAMS);
                    body.put("content", CUT_PROMPT);
                    body.put("stream", true);
                    CompletableFuture<HttpResponse<InputStream>> response = client.sendAsync(
                            request(port, "/v1/sessions/" + cut + "/messages", body), HttpResponse.BodyHandlers.ofInputStream());
                    String moment = killMoment(random, response);
                    boolean ack = response.isDone() && !response.isCompletedExceptionally()
                            && response.getNow(null).statusCode() == 200;
                    child.destroyForcibly(); // SIGKILL
                    check(child.waitFor(30, TimeUnit.SECONDS), "the killed child exits");
                    if (ack) acknowledged.add(cut + "|" + CUT_PROMPT);
                    moments.merge(moment + (ack ? "" : " (not acknowledged)"), 1, Integer::sum);
                    response.thenAccept(r -> {
                        try {
                            r.body().close();
                        } catch (IOException ignored) {
                            // the peer is dead
                        }
                    });
                } finally {
                    if (child.isAlive()) child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
                last = checkDatabase(sent, acknowledged, pg);
                integrityChecks++;
                generatingAfterKill += last[0];
                if ((round + 1) % 10 == 0) {
                    log.printf(Locale.ROOT, "kills %s: %d/%d, %.0f s, %d acknowledged messages all stored, %d cut replies "
                                    + "kept text, integrity clean%n", store, round + 1, kills, (System.nanoTime() - started) / 1e9,
                            acknowledged.size(), last[1]);
                }
            }
        } catch (AssertionError | Exception e) {
            log.println("FAILED after " + integrityChecks + " kills: " + e);
            e.printStackTrace(log);
            log.println("child log: " + childLog);
            return 1;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "kills %s: %d SIGKILLs survived in %.0f s (%.0f s in start-ups; seed %d)",
                store, kills, seconds, startup / 1e9, seed));
        lines.add(String.format(Locale.ROOT, "  acknowledged user messages: %d, lost: 0; integrity checks: %d, problems: 0",
                acknowledged.size(), integrityChecks));
        lines.add(String.format(Locale.ROOT, "  cut replies left generating at a kill: %d; cut replies holding text "
                + "(a prefix of the reference) at the end: %d", generatingAfterKill, last[1]));
        lines.add("  kill moments: " + moments);
        Files.write(out.resolve("summary.txt"), lines);
        lines.forEach(log::println);
        return 0;
    }

    /**
     * Start-up dominates a round, and most of it is loading classes: one first start, stopped with SIGTERM, dumps
     * the classes it loaded into a dynamic CDS archive ({@code -XX:+AutoCreateSharedArchive}) that every later
     * (SIGKILLed) start maps instead. Without the archive (an older JDK, a failed dump) the rounds start without it.
     */
    private void warmUpClassArchive(Path childLog) throws Exception {
        Path archive = out.resolve("child.jsa");
        cds = List.of("-XX:SharedArchiveFile=" + archive.toAbsolutePath(), "-XX:+AutoCreateSharedArchive");
        long t0 = System.nanoTime();
        int port = freePort();
        Process child = startChild(port, childLog);
        try {
            awaitReady(child, port, childLog);
        } finally {
            child.destroy(); // SIGTERM: an orderly exit writes the archive
            if (!child.waitFor(120, TimeUnit.SECONDS)) child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (!Files.isRegularFile(archive)) {
            cds = List.of();
            log.println("kills: no class archive was written; rounds start without one");
        } else {
            log.printf(Locale.ROOT, "kills: class archive %s (%d MiB) made in %.0f s%n", archive,
                    Files.size(archive) >> 20, (System.nanoTime() - t0) / 1e9);
        }
    }

    private String killMoment(Random random, CompletableFuture<HttpResponse<InputStream>> response) throws Exception {
        switch (random.nextInt(4)) {
            case 0 -> {
                long delay = random.nextInt(40);
                Thread.sleep(delay);
                return "after <40 ms";
            }
            case 1 -> {
                HttpResponse<InputStream> r = response.get(60, TimeUnit.SECONDS);
                check(r.statusCode() == 200, "streamed turn answered " + r.statusCode());
                return "at the headers";
            }
            default -> {
                HttpResponse<InputStream> r = response.get(60, TimeUnit.SECONDS);
                check(r.statusCode() == 200, "streamed turn answered " + r.statusCode());
                int chunks = 1 + random.nextInt(80);
                BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
                int seen = 0;
                String line;
                while (seen < chunks && (line = reader.readLine()) != null) {
                    if (line.startsWith("data:")) seen++;
                }
                return "after " + (chunks <= 16 ? "1-16" : chunks <= 40 ? "17-40" : "41-80") + " chunks";
            }
        }
    }

    /** After a start-up: every session's history over REST; waits (≤ 15 s) for the lease of the killed one to lapse. */
    private void checkOverRest(int port, Set<String> sent, List<String> acknowledged, int round) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            List<String> users = new ArrayList<>();
            boolean generating = false;
            String cursor = null;
            do {
                HttpResponse<String> list = get(port, "/v1/sessions?limit=100" + (cursor == null ? "" : "&cursor=" + cursor));
                check(list.statusCode() == 200, list.body());
                JsonNode page = JSON.readTree(list.body());
                for (JsonNode s : page.get("data")) {
                    String session = s.get("id").asText();
                    HttpResponse<String> r = get(port, "/v1/sessions/" + session + "/messages?limit=1000");
                    check(r.statusCode() == 200, r.body());
                    for (JsonNode m : JSON.readTree(r.body()).get("data")) {
                        String status = m.get("status").asText();
                        String content = m.get("content").asText();
                        if (m.get("role").asText().equals("user")) {
                            check(status.equals("complete"), "a user message is complete: " + m);
                            users.add(session + "|" + content);
                        } else if (status.equals("generating")) {
                            generating = true;
                            check(reference.startsWith(content), "a generating reply holds a prefix of the reference: " + m);
                        } else if (status.equals("interrupted")) {
                            check(reference.startsWith(content), "an interrupted reply holds a prefix of the reference: " + m);
                            check(m.get("finish_reason").isNull(), m.toString());
                        } else {
                            check(!m.get("finish_reason").isNull(), "a complete reply says why it ended: " + m);
                        }
                    }
                }
                cursor = page.path("has_more").asBoolean() ? page.path("next_cursor").asText(null) : null;
            } while (cursor != null);
            check(users.containsAll(acknowledged), "round " + round + ": an acknowledged message is missing");
            check(sent.containsAll(users), "round " + round + ": a stored message was never sent");
            if (!generating) return;
            check(System.nanoTime() < deadline, "round " + round + ": a reply of the killed instance is still generating "
                    + "15 s after the restart");
            Thread.sleep(250);
        }
    }

    /** Opens the database the killed child left and checks it. Returns {generating replies, cut replies with text}. */
    private int[] checkDatabase(Set<String> sent, List<String> acknowledged, BenchPostgres pg) throws Exception {
        try (ChatDatabase db = ChatDatabase.open(database, data, Clock.systemUTC())) {
            List<String> problems = new ArrayList<>(db.history().integrityCheck());
            if (pg != null) problems.addAll(pg.amcheck());
            check(problems.isEmpty(), "integrity: " + problems);
            List<String> users = new ArrayList<>();
            int generating = 0;
            int kept = 0;
            String cursor = null;
            do {
                var page = db.history().listSessions(OWNER, cursor, 1000);
                for (ChatSession s : page.items()) {
                    List<ChatMessage> all = db.history().listMessages(OWNER, s.id(), 1000, null).orElseThrow().items();
                    for (ChatMessage m : all) {
                        if (m.role() == MessageRole.USER) {
                            check(m.status() == MessageStatus.COMPLETE, m.toString());
                            users.add(s.id() + "|" + m.content());
                        } else if (m.status() == MessageStatus.COMPLETE) {
                            check(m.finishReason() != null, "a complete reply has a finish reason: " + m);
                        } else {
                            check(reference.startsWith(m.content()), "a cut reply holds a prefix of the reference: " + m);
                            check(m.finishReason() == null, m.toString());
                            if (!m.content().isEmpty()) kept++;
                            if (m.status() == MessageStatus.GENERATING) generating++;
                        }
                    }
                }
                cursor = page.nextCursor();
            } while (cursor != null);
            check(users.containsAll(acknowledged), "an acknowledged message is missing from the database");
            check(sent.containsAll(users), "the database holds a message that was never sent");
            check(generating <= 1, "only the reply being written at the kill is generating: " + generating);
            return new int[] {generating, kept};
        }
    }

    private Process startChild(int port, Path childLog) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(cds);
        cmd.addAll(List.of("-Dstellar.kernels=scalar", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", classPath, "io.stellarchat.server.cli.Main", "serve", "--port", Integer.toString(port),
                "--model", model.toAbsolutePath().toString(), "--set", "data.dir=" + data.toAbsolutePath(),
                "--set", "models.dir=" + out.resolve("no-models").toAbsolutePath(),
                "--set", "engine.threads=1", "--log-level", "warn"));
        if (!database.embedded()) {
            cmd.addAll(List.of("--set", "database.url=" + database.url(), "--set", "database.user=" + database.user(),
                    "--set", "database.password=" + database.password().reveal(),
                    "--set", "database.lease=2s", "--set", "database.lease_renew=500ms"));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(childLog.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("STELLAR_"));
        Process p = pb.start();
        child = p;
        return p;
    }

    private void awaitReady(Process child, int port, Path childLog) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            check(child.isAlive(), "the server exited before it was ready; see " + childLog);
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(port, "/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (ConnectException | java.net.http.HttpTimeoutException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the server was not ready within 120 s; see " + childLog);
    }

    private String newSession(int port, String title) throws Exception {
        HttpResponse<String> r = post(port, "/v1/sessions", Map.of("model", "stories260K", "title", title));
        check(r.statusCode() == 201, "create session: " + r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(int port, String path, Object body) throws Exception {
        return client.send(request(port, path, body), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(int port, String path, Object body) throws IOException {
        return HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
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

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
