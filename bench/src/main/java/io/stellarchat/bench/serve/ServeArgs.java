package io.stellarchat.bench.serve;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The options of {@code ./stellar bench serve}.
 *
 * @param url              base URL of an OpenAI-compatible server (ignored when {@code model} is set: the
 *                         spawned server's URL is used)
 * @param model            a GGUF file to serve from a child {@code stellar serve}, or {@code null} to drive
 *                         {@code url}
 * @param serverSets       {@code KEY=VALUE} configuration passed to the child as {@code --set}
 * @param modelName        the {@code model} field of requests; {@code null}: the first of {@code GET /v1/models}
 * @param scenario         what to measure
 * @param clients          concurrent streaming clients
 * @param requests         requests per client
 * @param promptTokens     approximate prompt tokens per request (user message text)
 * @param maxTokens        tokens generated per request ({@code max_tokens}, with {@code ignore_eos})
 * @param sharedPrefix     approximate tokens of text every prompt starts with (0: every prompt differs from
 *                         its first word)
 * @param historyTokens    session scenario: prompt tokens the conversation reaches at its last turn
 * @param turns            session scenario: turns of the conversation
 * @param deadline         per request: a request still running after it is ended and counted as a timeout
 * @param baselineRequests requests of the single-client baseline run before a multi-client or overload
 *                         run (0: none)
 * @param warmup           untimed requests before measuring (JIT, page cache)
 * @param seed             seed of the prompt text
 * @param json             where to write the results as JSON, or {@code null}
 * @param completionsApi   send {@code /v1/completions} with the messages' text as the prompt instead of
 *                         {@code /v1/chat/completions} (no chat template, no chat-output parsing on the server)
 */
public record ServeArgs(URI url, Path model, List<String> serverSets, String modelName, Scenario scenario,
                        int clients, int requests, int promptTokens, int maxTokens, int sharedPrefix,
                        int historyTokens, int turns, Duration deadline, int baselineRequests, int warmup, long seed,
                        Path json, boolean completionsApi) {

    /** What {@code --scenario} measures. */
    public enum Scenario {
        /** N clients each streaming M chat completions: throughput and latency. */
        STREAM,
        /** One client, one conversation growing turn by turn: time to first token per turn (prefix reuse). */
        SESSION,
        /** More clients than the server admits, each with a deadline: how every request ends. */
        OVERLOAD;

        static Scenario parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--scenario must be stream, session or overload, got '" + s + "'");
            }
        }
    }

    static final String USAGE = """
            usage: ./stellar bench serve [--url URL | --model FILE.gguf [--server-set KEY=VALUE]...]
                                         [--scenario stream|session|overload] [--clients N] [--requests N]
                                         [--prompt-tokens N] [--max-tokens N] [--shared-prefix N]
                                         [--history-tokens N] [--turns N] [--deadline 60s] [--baseline N]
                                         [--warmup N] [--model-name NAME] [--seed N] [--json FILE]
                                         [--api chat|completions]
              --url             OpenAI-compatible server to drive (default: http://127.0.0.1:8080); works
                                with llama.cpp's llama-server as well
              --model           start 'stellar serve --model FILE' on a free port instead, wait for /health,
                                stop it at the end (needs the built server jar: ./stellar builds it)
              --server-set      configuration for that server, e.g. engine.max_running=8 (repeatable)
              --api             chat (default): /v1/chat/completions; completions: /v1/completions with the
                                text as prompt (for servers whose chat-output parser rejects a random-weight
                                model's text, as llama-server's does)
              --scenario        stream (default): N clients stream chat completions;
                                session: one conversation growing to --history-tokens over --turns turns;
                                overload: --clients (default 64) requests at once with a --deadline each
              --clients         concurrent streaming clients (default: 8; overload: 64)
              --requests        requests per client (default: 4; overload: 1)
              --prompt-tokens   approximate prompt tokens per request (default: 64)
              --max-tokens      tokens generated per request, ignore_eos set (default: 128)
              --shared-prefix   approximate tokens of text common to every prompt (default: 0)
              --history-tokens  session: prompt tokens at the last turn (default: 3000)
              --turns           session: turns (default: 10)
              --deadline        per request, e.g. 60s or 500ms (default: 300s; overload: 60s)
              --baseline        requests of a single-client run first, the baseline of the ratios
                                (default: 2 for stream with several clients and for overload; 0 skips)
              --warmup          untimed requests first (default: 1; session: 3, each of a turn's size)
              --model-name      the request's model field (default: the first of GET /v1/models)
              --seed            seed of the prompt text (default: 7)
              --json            also write the results as JSON to FILE
            """;

    public ServeArgs {
        serverSets = List.copyOf(serverSets);
        if (clients < 1 || requests < 1) {
            throw new IllegalArgumentException("--clients and --requests must be >= 1, got " + clients + " and " + requests);
        }
        if (promptTokens < 1 || maxTokens < 1) {
            throw new IllegalArgumentException("--prompt-tokens and --max-tokens must be >= 1");
        }
        if (sharedPrefix < 0 || baselineRequests < 0 || warmup < 0) {
            throw new IllegalArgumentException("--shared-prefix, --baseline and --warmup must be >= 0");
        }
        if (turns < 2 || historyTokens < turns) {
            throw new IllegalArgumentException("--turns must be >= 2 and --history-tokens >= --turns, got " + turns
                    + " and " + historyTokens);
        }
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("--deadline must be positive");
        }
        for (String s : serverSets) {
            if (!s.contains("=")) {
                throw new IllegalArgumentException("--server-set needs KEY=VALUE, got '" + s + "'");
            }
        }
    }

    /** Parses the arguments after {@code serve}; throws {@link IllegalArgumentException} naming the bad one. */
    public static ServeArgs parse(String[] args) {
        URI url = URI.create("http://127.0.0.1:8080");
        Path model = null;
        List<String> sets = new ArrayList<>();
        String modelName = null;
        Scenario scenario = Scenario.STREAM;
        Integer clients = null;
        Integer requests = null;
        int promptTokens = 64;
        int maxTokens = 128;
        int sharedPrefix = 0;
        int historyTokens = 3000;
        int turns = 10;
        Duration deadline = null;
        Integer baseline = null;
        Integer warmup = null;
        long seed = 7;
        Path json = null;
        boolean completionsApi = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--url" -> url = url(v);
                case "--model" -> model = Path.of(v);
                case "--server-set" -> sets.add(v);
                case "--model-name" -> modelName = v;
                case "--scenario" -> scenario = Scenario.parse(v);
                case "--api" -> completionsApi = switch (v) {
                    case "chat" -> false;
                    case "completions" -> true;
                    default -> throw new IllegalArgumentException("--api must be chat or completions, not '" + v + "'");
                };
                case "--clients", "-c" -> clients = intValue(a, v);
                case "--requests", "-n" -> requests = intValue(a, v);
                case "--prompt-tokens" -> promptTokens = intValue(a, v);
                case "--max-tokens" -> maxTokens = intValue(a, v);
                case "--shared-prefix" -> sharedPrefix = intValue(a, v);
                case "--history-tokens" -> historyTokens = intValue(a, v);
                case "--turns" -> turns = intValue(a, v);
                case "--deadline" -> deadline = duration(a, v);
                case "--baseline" -> baseline = intValue(a, v);
                case "--warmup" -> warmup = intValue(a, v);
                case "--seed" -> seed = intValue(a, v);
                case "--json" -> json = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        boolean overload = scenario == Scenario.OVERLOAD;
        int c = clients != null ? clients : overload ? 64 : scenario == Scenario.SESSION ? 1 : 8;
        if (scenario == Scenario.SESSION && c != 1) {
            throw new IllegalArgumentException("--scenario session runs one client; drop --clients " + c);
        }
        int base = baseline != null ? baseline : overload || (scenario == Scenario.STREAM && c > 1) ? 2 : 0;
        return new ServeArgs(url, model, sets, modelName, scenario, c,
                requests != null ? requests : overload ? 1 : 4, promptTokens, maxTokens, sharedPrefix, historyTokens,
                turns, deadline != null ? deadline : overload ? Duration.ofSeconds(60) : Duration.ofSeconds(300),
                base, warmup != null ? warmup : scenario == Scenario.SESSION ? 3 : 1, seed, json, completionsApi);
    }

    private static URI url(String v) {
        try {
            URI u = URI.create(v.endsWith("/") ? v.substring(0, v.length() - 1) : v);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException("--url must be http(s)://host[:port], got '" + v + "'");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url must be http(s)://host[:port], got '" + v + "'", e);
        }
    }

    private static int intValue(String option, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs an integer, got '" + v + "'");
        }
    }

    /** {@code 60s}, {@code 500ms}, {@code 2m}, or plain seconds. */
    static Duration duration(String option, String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
            }
            if (s.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a duration such as 60s or 500ms, got '" + v + "'");
        }
    }
}
