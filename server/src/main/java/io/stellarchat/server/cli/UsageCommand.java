package io.stellarchat.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.admin.UsageRoutes;
import io.stellarchat.server.chat.ChatDatabase;
import io.stellarchat.server.chat.UsageLedger;
import io.stellarchat.server.config.StellarConfig;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code stellar usage [--from F] [--to T] [--group-by model,day] [--json]}: the usage report of
 * {@code GET /v1/admin/usage}, read from the configured database (SQLite under the data directory, or
 * PostgreSQL), as a table or as the same JSON.
 */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = "Print token usage per model, key, owner, upstream, day or hour, from the usage table.")
final class UsageCommand implements Callable<Integer> {
    final CliEnvironment env;

    @Mixin
    ConfigOptions config;

    @Option(names = "--from", description = "Start: an ISO-8601 instant, a date or epoch seconds (default: 30 days before --to).")
    String from;

    @Option(names = "--to", description = "End (exclusive): an instant, a date (its end) or epoch seconds (default: now).")
    String to;

    @Option(names = "--group-by", description = "One or two of model, key, owner, upstream, day, hour; or none (default: model).")
    String groupBy;

    @Option(names = "--json", description = "Print the report as JSON, as GET /v1/admin/usage answers.")
    boolean asJson;

    UsageCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        StellarConfig cfg = config.load(env).config();
        PrintWriter out = env.out();
        Instant end;
        Instant start;
        List<UsageLedger.Dimension> dims;
        try {
            end = UsageRoutes.time(to, "to", true, Clock.systemUTC().instant().plusMillis(1));
            start = UsageRoutes.time(from, "from", false, end.minus(java.time.Duration.ofDays(30)));
            dims = UsageRoutes.groupBy(groupBy);
        } catch (ApiException e) {
            env.err().println("stellar usage: " + e.getMessage());
            env.err().flush();
            return 2;
        }
        try (ChatDatabase db = ChatDatabase.open(cfg.database(), env.workingDirectory().resolve(cfg.data().dir()),
                Clock.systemUTC())) {
            List<UsageLedger.Row> rows = db.usage().report(start, end, dims);
            if (asJson) {
                ObjectMapper json = new ObjectMapper();
                out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(UsageRoutes.report(json, rows, start, end, dims)));
            } else {
                table(out, rows, dims, start, end);
            }
        }
        out.flush();
        return 0;
    }

    private static void table(PrintWriter out, List<UsageLedger.Row> rows, List<UsageLedger.Dimension> dims, Instant from,
                              Instant to) {
        out.printf(Locale.ROOT, "usage from %s to %s%n", from, to);
        List<String> head = new ArrayList<>();
        dims.forEach(d -> head.add(d.key().toUpperCase(Locale.ROOT)));
        head.addAll(List.of("REQUESTS", "ERRORS", "PROMPT", "COMPLETION", "CACHED", "TOTAL", "AVG_MS"));
        List<List<String>> lines = new ArrayList<>();
        lines.add(head);
        long[] sum = new long[6];
        for (UsageLedger.Row r : rows) {
            List<String> l = new ArrayList<>(r.group().values());
            add(l, r.totals());
            lines.add(l);
            sum[0] += r.totals().requests();
            sum[1] += r.totals().errors();
            sum[2] += r.totals().promptTokens();
            sum[3] += r.totals().completionTokens();
            sum[4] += r.totals().cachedTokens();
            sum[5] += r.totals().durationMs();
        }
        List<String> total = new ArrayList<>();
        for (int i = 0; i < dims.size(); i++) total.add(i == 0 ? "(total)" : "");
        add(total, new UsageLedger.Totals(sum[0], sum[1], sum[2], sum[3], sum[4], sum[5]));
        lines.add(total);
        int[] width = new int[head.size()];
        for (List<String> l : lines) for (int i = 0; i < l.size(); i++) width[i] = Math.max(width[i], l.get(i).length());
        for (List<String> l : lines) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < l.size(); i++) {
                String cell = l.get(i);
                boolean numeric = i >= dims.size();
                String pad = " ".repeat(width[i] - cell.length());
                b.append(numeric ? pad + cell : cell + pad).append(i + 1 < l.size() ? "  " : "");
            }
            out.println(b.toString().stripTrailing());
        }
    }

    private static void add(List<String> l, UsageLedger.Totals t) {
        l.add(Long.toString(t.requests()));
        l.add(Long.toString(t.errors()));
        l.add(Long.toString(t.promptTokens()));
        l.add(Long.toString(t.completionTokens()));
        l.add(Long.toString(t.cachedTokens()));
        l.add(Long.toString(t.totalTokens()));
        l.add(t.requests() == 0 ? "0" : Long.toString(t.durationMs() / t.requests()));
    }
}
