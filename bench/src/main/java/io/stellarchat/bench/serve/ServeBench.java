package io.stellarchat.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Serving benchmark: drives an OpenAI-compatible HTTP server with concurrent streaming chat clients and
 * reports what users would see: aggregate completion tokens/s, per-stream decode rate, time to first token
 * (mean, p50, p99), inter-token latency (p50, p99) and how requests that got no reply ended (429, 503,
 * timeout, other errors by status). The same driver measures StellarChat and llama.cpp's
 * {@code llama-server}, since it speaks only the common API: {@code POST /v1/chat/completions} with
 * {@code stream}, {@code stream_options.include_usage}, {@code max_tokens}, {@code temperature 0} and
 * {@code ignore_eos} (every reply is exactly {@code --max-tokens} long), {@code GET /v1/models} for the model
 * name and {@code POST /tokenize} to size the prompts in the server's own tokens.
 *
 * <p>Scenarios ({@code --scenario}):
 * <ul>
 *   <li>{@code stream} (default): {@code --clients} clients each send {@code --requests} requests one after
 *       the other, prompts of about {@code --prompt-tokens} tokens of varied text (so the prefix cache has
 *       nothing to reuse, unless {@code --shared-prefix N} makes every prompt start with the same N tokens).
 *       With several clients a single-client baseline runs first ({@code --baseline 2} requests) and the report
 *       gives aggregate / single-stream throughput and the TTFT ratio.</li>
 *   <li>{@code session}: one client holds one conversation over {@code --turns} (10) turns growing to about
 *       {@code --history-tokens} (3000) prompt tokens, each turn adding a user message and the server's
 *       reply; it reports the time to first token of every turn and last turn / first turn, which a prefix
 *       cache keeps near 1 (run it again with {@code --server-set engine.prefix_caching=false} for the
 *       figure without reuse).</li>
 *   <li>{@code overload}: {@code --clients} (64, meant as about 4× what the server runs at once) requests at
 *       once, each with a {@code --deadline} (60s); reports how many ended with a reply, 429, 503 or a
 *       timeout, and p99 TTFT of the admitted ones against an unloaded baseline.</li>
 * </ul>
 *
 * <p>Run against a running server, or let the benchmark start one ({@code --model}: a child
 * {@code stellar serve --model FILE --port <free>} from the built jar, stopped at the end; its log goes to a
 * scratch directory):
 * <pre>
 * ./stellar serve --model bench-models/llama-1b-q4_0.gguf --set engine.threads=2 &amp;
 * ./stellar bench serve --url http://127.0.0.1:8080 --clients 8 --requests 4 --prompt-tokens 64 --max-tokens 128
 * ./stellar bench serve --model bench-models/llama-1b-q4_0.gguf --server-set engine.threads=2 --clients 8 --json serve.json
 * ./stellar bench serve --model bench-models/llama-1b-q4_0.gguf --scenario session --history-tokens 3000
 * ./stellar bench serve --model bench-models/llama-1b-q4_0.gguf --scenario overload --clients 64 --deadline 60s
 * ./stellar bench serve --model ../shared/models/stories260K.gguf --clients 2 --requests 2 --max-tokens 16   # smoke, seconds
 * # the same measurement of llama.cpp, built under /tmp:
 * /tmp/llama.cpp/build/bin/llama-server -m bench-models/llama-1b-q4_0.gguf -np 8 -t 2 -c 8192 --port 8081 &amp;
 * ./stellar bench serve --url http://127.0.0.1:8081 --clients 8 --requests 4
 * </pre>
 */
public final class ServeBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServeArgs args;
    private final String serverClassPath;
    private final Path scratch;
    private final PrintStream out;

    /**
     * One session turn.
     *
     * @param turn   1-based
     * @param result its request
     */
    record Turn(int turn, RequestResult result) {}

    /**
     * Everything one run measured.
     *
     * @param args          the options
     * @param url           the server driven
     * @param model         the request's model name
     * @param tokensPerWord the prompt sizing ratio used
     * @param baseline      the single-client baseline, or null when none ran
     * @param main          the stream or overload phase, or null for the session scenario
     * @param turns         the session scenario's turns (empty otherwise)
     */
    record Result(ServeArgs args, URI url, String model, double tokensPerWord, PhaseSummary baseline, PhaseSummary main,
                  List<Turn> turns) {
        Result {
            turns = List.copyOf(turns);
        }

        /** Aggregate throughput over the baseline's (single-stream) throughput; NaN without both. */
        double throughputRatio() {
            return baseline == null || main == null ? Double.NaN : main.aggregateTps() / baseline.aggregateTps();
        }

        /** Time to first token of the last turn over the first; NaN unless at least two turns replied. */
        double lastTurnTtftRatio() {
            List<Turn> ok = turns.stream().filter(t -> t.result().outcome() == RequestResult.Outcome.REPLY).toList();
            return ok.size() < 2 || ok.getFirst().turn() != 1 ? Double.NaN
                    : ok.getLast().result().ttftSeconds() / ok.getFirst().result().ttftSeconds();
        }
    }

    /**
     * @param serverClassPath class path of the server to start when {@code args.model()} is set
     * @param scratch         where a started server keeps its data and log
     */
    ServeBench(ServeArgs args, String serverClassPath, Path scratch, PrintStream out) {
        this.args = args;
        this.serverClassPath = serverClassPath;
        this.scratch = scratch;
        this.out = out;
    }

    /** {@code ./stellar bench serve [options]}; exits with 2 on a bad option (printing the usage). */
    public static void main(String[] argv) throws Exception {
        if (Arrays.asList(argv).contains("--help") || Arrays.asList(argv).contains("-h")) {
            System.out.print(ServeArgs.USAGE);
            return;
        }
        ServeArgs args;
        try {
            args = ServeArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("bench serve: " + e.getMessage());
            System.err.print(ServeArgs.USAGE);
            System.exit(2);
            return;
        }
        Path home = Path.of(System.getProperty("stellar.home", "."));
        String cp = args.model() == null ? null : ServerProcess.builtClassPath(home);
        Path scratch = Files.createTempDirectory("stellar-bench-serve-");
        Result r;
        try {
            r = new ServeBench(args, cp, scratch, System.out).run();
        } catch (IOException | RuntimeException e) {
            System.err.println("bench serve: " + e.getMessage() + (args.model() == null ? "" : " (server files kept in " + scratch + ")"));
            System.exit(1);
            return;
        }
        deleteTree(scratch); // the started server's data and log: nothing went wrong, nothing to read
        System.out.print(ServeReport.markdown(r));
        if (args.json() != null) {
            Files.writeString(args.json(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(ServeReport.json(r)) + "\n");
            System.out.println("wrote " + args.json());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Runs the scenario, starting and stopping the server when asked to. */
    Result run() throws IOException, InterruptedException {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("bench-deadlines").daemon(true).factory());
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build()) {
            if (args.model() == null) {
                return measure(http, args.url(), timer);
            }
            try (ServerProcess server = ServerProcess.start(serverClassPath, args.model(), args.serverSets(), scratch,
                    Duration.ofMinutes(5), out)) {
                return measure(http, server.url(), timer);
            }
        } finally {
            timer.shutdownNow();
        }
    }

    private Result measure(HttpClient http, URI url, ScheduledExecutorService timer) throws IOException, InterruptedException {
        String model = args.modelName() != null ? args.modelName() : firstModel(http, url);
        double tpw = PromptText.measureTokensPerWord(http, url, JSON, args.seed());
        PromptText text = new PromptText(tpw, args.seed());
        StreamClient client = new StreamClient(http, url, model, JSON, timer, args.completionsApi());
        out.printf(Locale.ROOT, "driving %s, model %s, scenario %s (%.2f tokens per word of prompt text)%n", url, model,
                args.scenario().name().toLowerCase(Locale.ROOT), tpw);
        // A session's warm-up prompts are a turn's size: warmed on 64-token prompts only, the first turn (~270
        // tokens) still paid the JIT for the longer prompt tiles and the ratio of turn 10 to it read low.
        int warmTokens = args.scenario() == ServeArgs.Scenario.SESSION ? sessionTurnTokens() : args.promptTokens();
        for (int i = 0; i < args.warmup(); i++) {
            RequestResult w = client.chat(List.of(new StreamClient.Message("user", text.text(warmTokens, -100 - i))),
                    Math.min(16, args.maxTokens()), args.deadline());
            if (w.outcome() != RequestResult.Outcome.REPLY) {
                throw new IOException("warm-up request failed: " + w.outcome() + " " + w.status() + " " + w.detail());
            }
        }
        if (args.scenario() == ServeArgs.Scenario.SESSION) {
            return new Result(args, url, model, tpw, null, null, session(client, text));
        }
        PhaseSummary baseline = args.baselineRequests() > 0 ? phase("baseline", 1, args.baselineRequests(), 1, client, text) : null;
        String name = args.scenario().name().toLowerCase(Locale.ROOT);
        PhaseSummary main = phase(name, args.clients(), args.requests(), 2, client, text);
        return new Result(args, url, model, tpw, baseline, main, List.of());
    }

    /** {@code clients} clients, each sending {@code requests} requests in turn, all starting together. */
    private PhaseSummary phase(String name, int clients, int requests, int phaseId, StreamClient client, PromptText text)
            throws InterruptedException {
        out.printf(Locale.ROOT, "%s: %d client(s) x %d request(s), ~%d prompt tokens%s, %d completion tokens each%n", name,
                clients, requests, args.promptTokens(),
                args.sharedPrefix() > 0 ? " (~" + args.sharedPrefix() + " shared)" : "", args.maxTokens());
        String prefix = args.sharedPrefix() > 0 ? text.text(args.sharedPrefix(), -1) + " " : "";
        int varied = args.sharedPrefix() > 0 ? Math.max(8, args.promptTokens() - args.sharedPrefix()) : args.promptTokens();
        List<RequestResult> results = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int id = c;
            threads.add(Thread.ofVirtual().name("bench-client-" + c).start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int j = 0; j < requests; j++) {
                    long stream = phaseId * 1_000_000_000L + id * 100_000L + j;
                    String prompt = prefix + text.text(varied, stream);
                    results.add(client.chat(List.of(new StreamClient.Message("user", prompt)), args.maxTokens(),
                            args.deadline()));
                }
            }));
        }
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        long wall = System.nanoTime() - start;
        return PhaseSummary.of(name, clients, wall, List.copyOf(results));
    }

    /** One conversation: each turn sends the whole history plus a new user message, and keeps the reply. */
    /** User tokens per session turn: the history grows to about --history-tokens over --turns turns. */
    private int sessionTurnTokens() {
        return Math.max(8, args.historyTokens() / args.turns() - args.maxTokens());
    }

    private List<Turn> session(StreamClient client, PromptText text) {
        int perTurn = sessionTurnTokens();
        out.printf(Locale.ROOT, "session: %d turns, ~%d user tokens and %d reply tokens per turn, to ~%d prompt tokens%n",
                args.turns(), perTurn, args.maxTokens(), args.historyTokens());
        List<StreamClient.Message> history = new ArrayList<>();
        List<Turn> turns = new ArrayList<>();
        for (int t = 1; t <= args.turns(); t++) {
            history.add(new StreamClient.Message("user", text.text(perTurn, 5_000_000_000L + t)));
            RequestResult r = client.chat(history, args.maxTokens(), args.deadline());
            turns.add(new Turn(t, r));
            out.printf(Locale.ROOT, "  turn %d: %s, %d prompt tokens (%d cached), TTFT %.3f s%n", t, r.outcome(),
                    r.promptTokens(), r.cachedTokens(), r.ttftSeconds());
            if (r.outcome() != RequestResult.Outcome.REPLY) {
                break;
            }
            history.add(new StreamClient.Message("assistant", r.text()));
        }
        return turns;
    }

    private static String firstModel(HttpClient http, URI url) throws IOException, InterruptedException {
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(url.resolve("/v1/models")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException("cannot reach " + url + " (" + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()) + "); is the server running?", e);
        }
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + "/v1/models answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode data = JSON.readTree(r.body()).path("data");
        if (!data.isArray() || data.isEmpty() || !data.get(0).hasNonNull("id")) {
            throw new IOException(url + " serves no model (GET /v1/models: " + r.body() + "); pass --model-name");
        }
        return data.get(0).get("id").asText();
    }
}
