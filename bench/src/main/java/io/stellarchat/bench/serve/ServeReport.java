package io.stellarchat.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Formats a {@link ServeBench.Result} as markdown tables with the ratios, and as JSON. */
final class ServeReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeReport() {}

    static String markdown(ServeBench.Result r) {
        StringBuilder sb = new StringBuilder("\n");
        if (r.main() != null) {
            sb.append("| phase    | clients | requests | replies | 429 | 503 | timeout | error | prompt tok | cached | t/s total |"
                    + " t/s stream | TTFT mean s | TTFT p50 | TTFT p99 | ITL p50 ms | ITL p99 ms |\n");
            sb.append("| -------- | ------: | -------: | ------: | --: | --: | ------: | ----: | ---------: | -----: | --------: |"
                    + " ---------: | ----------: | -------: | -------: | ---------: | ---------: |\n");
            for (PhaseSummary p : r.baseline() == null ? List.of(r.main()) : List.of(r.baseline(), r.main())) {
                sb.append(String.format(Locale.ROOT,
                        "| %-8s | %7d | %8d | %7d | %3d | %3d | %7d | %5d | %10.1f | %6.1f | %9.2f | %10.2f | %11.3f | %8.3f | %8.3f | %10.1f | %10.1f |%n",
                        p.name(), p.clients(), p.requests(), p.replies(), p.rejected(), p.unavailable(), p.timeouts(),
                        p.errors(), p.promptTokensMean(), p.cachedTokensMean(), p.aggregateTps(), p.streamTpsMean(),
                        p.ttftMean(), p.ttftP50(), p.ttftP99(), p.itlP50() * 1e3, p.itlP99() * 1e3));
            }
            if (!r.main().errorsByStatus().isEmpty()) {
                sb.append("\nrequests without a reply, by status: ").append(r.main().errorsByStatus()).append('\n');
            }
            if (r.baseline() != null) {
                sb.append(String.format(Locale.ROOT,
                        "%naggregate throughput %.2f t/s = %.2fx the single-stream %.2f t/s; mean TTFT %.3f s = %.2fx unloaded,"
                                + " p99 TTFT of admitted requests %.3f s = %.2fx unloaded%n",
                        r.main().aggregateTps(), r.throughputRatio(), r.baseline().aggregateTps(), r.main().ttftMean(),
                        r.main().ttftMean() / r.baseline().ttftMean(), r.main().ttftP99(),
                        r.main().ttftP99() / r.baseline().ttftMean()));
            } else if (r.main().clients() == 1) {
                sb.append(String.format(Locale.ROOT, "%nsingle-stream rate: %.2f t/s (decode after the first token: %.2f t/s)%n",
                        r.main().aggregateTps(), r.main().streamTpsMean()));
            }
        }
        if (!r.turns().isEmpty()) {
            sb.append("| turn | outcome         | prompt tok | cached | TTFT s | vs turn 1 |\n");
            sb.append("| ---: | --------------- | ---------: | -----: | -----: | --------: |\n");
            double first = r.turns().getFirst().result().ttftSeconds();
            for (ServeBench.Turn t : r.turns()) {
                RequestResult q = t.result();
                sb.append(String.format(Locale.ROOT, "| %4d | %-15s | %10d | %6d | %6.3f | %8.2fx |%n", t.turn(), q.outcome(),
                        q.promptTokens(), q.cachedTokens(), q.ttftSeconds(), q.ttftSeconds() / first));
            }
            sb.append(String.format(Locale.ROOT, "%nTTFT of the last turn / the first: %.2fx%n", r.lastTurnTtftRatio()));
        }
        return sb.toString();
    }

    static JsonNode json(ServeBench.Result r) {
        var root = JSON.createObjectNode();
        root.put("url", r.url().toString());
        root.put("model", r.model());
        root.put("scenario", r.args().scenario().name().toLowerCase(Locale.ROOT));
        root.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        var a = root.putObject("args");
        a.put("clients", r.args().clients());
        a.put("requests", r.args().requests());
        a.put("prompt_tokens", r.args().promptTokens());
        a.put("max_tokens", r.args().maxTokens());
        a.put("shared_prefix", r.args().sharedPrefix());
        a.put("deadline_ms", r.args().deadline().toMillis());
        a.put("tokens_per_word", r.tokensPerWord());
        if (r.baseline() != null) {
            root.set("baseline", JSON.valueToTree(phaseMap(r.baseline())));
        }
        if (r.main() != null) {
            root.set("result", JSON.valueToTree(phaseMap(r.main())));
        }
        if (r.baseline() != null && r.main() != null) {
            num(root, "throughput_vs_single_stream", r.throughputRatio());
            num(root, "ttft_mean_vs_unloaded", r.main().ttftMean() / r.baseline().ttftMean());
            num(root, "ttft_p99_vs_unloaded", r.main().ttftP99() / r.baseline().ttftMean());
        }
        if (!r.turns().isEmpty()) {
            var turns = root.putArray("turns");
            for (ServeBench.Turn t : r.turns()) {
                var o = turns.addObject();
                o.put("turn", t.turn());
                o.put("outcome", t.result().outcome().name());
                o.put("prompt_tokens", t.result().promptTokens());
                o.put("cached_tokens", t.result().cachedTokens());
                o.put("completion_tokens", t.result().completionTokens());
                num(o, "ttft_s", t.result().ttftSeconds());
            }
            num(root, "last_turn_ttft_vs_first", r.lastTurnTtftRatio());
        }
        return root;
    }

    private static Map<String, Object> phaseMap(PhaseSummary p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("clients", p.clients());
        m.put("requests", p.requests());
        m.put("replies", p.replies());
        m.put("rejected_429", p.rejected());
        m.put("unavailable_503", p.unavailable());
        m.put("timeouts", p.timeouts());
        m.put("errors", p.errors());
        m.put("errors_by_status", p.errorsByStatus());
        m.put("completion_tokens", p.completionTokens());
        m.put("wall_s", finite(p.wallSeconds()));
        m.put("aggregate_tps", finite(p.aggregateTps()));
        m.put("stream_tps_mean", finite(p.streamTpsMean()));
        m.put("ttft_mean_s", finite(p.ttftMean()));
        m.put("ttft_p50_s", finite(p.ttftP50()));
        m.put("ttft_p99_s", finite(p.ttftP99()));
        m.put("itl_p50_s", finite(p.itlP50()));
        m.put("itl_p99_s", finite(p.itlP99()));
        m.put("prompt_tokens_mean", finite(p.promptTokensMean()));
        m.put("cached_tokens_mean", finite(p.cachedTokensMean()));
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static void num(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v);
        } else {
            o.putNull(field);
        }
    }
}
