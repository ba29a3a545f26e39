package io.stellarchat.bench.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench serve} end to end against a real StellarChat server in a child JVM (this test's class path
 * holds the server) serving {@code shared/models/stories260K.gguf}: the counts in the report are the
 * requests sent, every reply has exactly {@code max_tokens} tokens ({@code ignore_eos}), and the rates and
 * latencies are positive.
 */
class ServeBenchTest {
    static final Path STORIES = Path.of(System.getProperty("stellar.shared", "../shared"), "models", "stories260K.gguf");

    @TempDir
    static Path scratch;
    static ServerProcess server;
    static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
    static final PrintStream OUT = new PrintStream(LOG, true, StandardCharsets.UTF_8);

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start(System.getProperty("java.class.path"), STORIES, List.of("engine.threads=1"),
                scratch.resolve("shared-server"), Duration.ofMinutes(2), OUT);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ServeArgs args(String... argv) {
        String[] all = new String[argv.length + 2];
        all[0] = "--url";
        all[1] = server.url().toString();
        System.arraycopy(argv, 0, all, 2, argv.length);
        return ServeArgs.parse(all);
    }

    @Test
    void completionsApiStreamsTextChunksToo() throws Exception {
        ServeArgs a = args("--clients", "2", "--requests", "1", "--prompt-tokens", "16", "--max-tokens", "8",
                "--baseline", "0", "--api", "completions");
        PhaseSummary p = new ServeBench(a, null, scratch, OUT).run().main();
        assertEquals(2, p.replies(), p.toString());
        assertEquals(2 * 8, p.completionTokens(), p.toString());
        assertTrue(p.ttftMean() > 0 && p.itlP50() > 0, p.toString());
    }

    @Test
    void streamScenarioCountsEveryRequestAndReportsPositiveRates() throws Exception {
        ServeArgs a = args("--clients", "2", "--requests", "2", "--prompt-tokens", "16", "--max-tokens", "8",
                "--baseline", "1");
        ServeBench.Result r = new ServeBench(a, null, scratch, OUT).run();
        assertEquals("stories260K", r.model());
        assertTrue(r.tokensPerWord() > 0.5 && r.tokensPerWord() < 5, "measured with /tokenize: " + r.tokensPerWord());

        PhaseSummary p = r.main();
        assertEquals(2, p.clients());
        assertEquals(4, p.requests());
        assertEquals(4, p.replies(), p.toString());
        assertEquals(Map.of(), p.errorsByStatus());
        assertEquals(4 * 8, p.completionTokens(), "ignore_eos makes every reply max_tokens long");
        assertTrue(p.aggregateTps() > 0 && p.streamTpsMean() > 0, p.toString());
        assertTrue(p.ttftMean() > 0 && p.ttftP50() > 0 && p.ttftP99() >= p.ttftP50(), p.toString());
        assertTrue(p.itlP50() > 0 && p.itlP99() >= p.itlP50(), p.toString());
        assertTrue(p.wallSeconds() >= p.ttftP99(), p.toString());
        assertTrue(p.promptTokensMean() >= 8, "about 16 tokens of text: " + p.promptTokensMean());
        assertEquals(1, r.baseline().requests());
        assertEquals(1, r.baseline().replies());
        assertTrue(r.throughputRatio() > 0);

        String table = ServeReport.markdown(r);
        assertTrue(table.contains("| stream   |       2 |        4 |       4 |"), table);
        assertTrue(table.contains("| baseline |       1 |        1 |       1 |"), table);
        JsonNode json = ServeReport.json(r);
        assertEquals(4, json.get("result").get("replies").asInt());
        assertEquals(32, json.get("result").get("completion_tokens").asInt());
        assertTrue(json.get("throughput_vs_single_stream").asDouble() > 0);
    }

    @Test
    void sessionScenarioGrowsOneConversationTurnByTurn() throws Exception {
        ServeArgs a = args("--scenario", "session", "--turns", "3", "--history-tokens", "120", "--max-tokens", "8",
                "--warmup", "0");
        ServeBench.Result r = new ServeBench(a, null, scratch, OUT).run();
        assertEquals(3, r.turns().size());
        int previous = 0;
        for (ServeBench.Turn t : r.turns()) {
            RequestResult q = t.result();
            assertEquals(RequestResult.Outcome.REPLY, q.outcome(), q.detail());
            assertEquals(8, q.completionTokens());
            // Each turn sends the whole history: the previous prompt, its reply and a new user message.
            assertTrue(q.promptTokens() > previous + 8, q.promptTokens() + " after " + previous);
            previous = q.promptTokens();
            assertTrue(q.ttftSeconds() > 0);
        }
        assertTrue(r.lastTurnTtftRatio() > 0);
        assertTrue(ServeReport.markdown(r).contains("TTFT of the last turn / the first"));
        assertEquals(3, ServeReport.json(r).get("turns").size());
    }

    @Test
    void overloadScenarioStartsItsOwnServerAndAccountsForEveryRequest() throws Exception {
        // Queue of one: one request runs, one waits, the others must be refused (429) at once.
        ServeArgs a = ServeArgs.parse(new String[] {"--model", STORIES.toString(), "--server-set", "engine.queue_depth=1",
                "--server-set", "engine.threads=1", "--scenario", "overload", "--clients", "6", "--prompt-tokens", "16",
                "--max-tokens", "300", "--deadline", "30s", "--baseline", "1"});
        ServeBench.Result r = new ServeBench(a, System.getProperty("java.class.path"), scratch.resolve("overload"), OUT).run();
        PhaseSummary p = r.main();
        assertEquals(6, p.requests());
        assertEquals(6, p.replies() + p.rejected() + p.unavailable() + p.timeouts() + p.errors(), p.toString());
        assertEquals(0, p.timeouts(), p.toString());
        assertEquals(0, p.errors(), p.toString());
        assertTrue(p.replies() >= 1, p.toString());
        assertEquals(p.rejected(), p.errorsByStatus().getOrDefault("429", 0));
        assertTrue(p.ttftP99() > 0);
        assertTrue(Files.exists(scratch.resolve("overload").resolve("server.log")));
    }

    @Test
    void badOptionsAreRejectedNamingTheOption() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServeArgs.parse(new String[] {"--clients", "0"}))
                .getMessage().contains("--clients"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServeArgs.parse(new String[] {"--scenario", "x"}))
                .getMessage().contains("stream, session or overload"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServeArgs.parse(new String[] {"--deadline", "soon"}))
                .getMessage().contains("--deadline"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServeArgs.parse(new String[] {"--url", "ftp://x"}))
                .getMessage().contains("--url"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ServeArgs.parse(new String[] {"--scenario", "session", "--clients", "4"})).getMessage().contains("one client"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServeArgs.parse(new String[] {"--api", "rest"}))
                .getMessage().contains("--api"));
        ServeArgs d = ServeArgs.parse(new String[] {"--scenario", "overload"});
        assertFalse(d.completionsApi(), "chat by default");
        assertTrue(ServeArgs.parse(new String[] {"--api", "completions"}).completionsApi());
        assertEquals(64, d.clients());
        assertEquals(Duration.ofSeconds(60), d.deadline());
    }

    @Test
    void percentilesAreNearestRank() {
        double[] v = {5, 1, 4, 2, 3, 6, 7, 8, 9, 10};
        assertEquals(5, PhaseSummary.percentile(v, 0.50));
        assertEquals(10, PhaseSummary.percentile(v, 0.99));
        assertEquals(1, PhaseSummary.percentile(v, 0.0));
        assertTrue(Double.isNaN(PhaseSummary.percentile(new double[0], 0.5)));
    }
}
