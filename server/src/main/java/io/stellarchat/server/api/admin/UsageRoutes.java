package io.stellarchat.server.api.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.chat.UsageLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/admin/usage?from=&to=&group_by=}: totals of the model calls in the usage table over
 * [{@code from}, {@code to}) — each an ISO-8601 instant, a date ({@code 2026-12-07}, midnight UTC; as {@code to},
 * the end of that day) or epoch seconds; by default the last 30 days — grouped by one or two of {@code model},
 * {@code key}, {@code owner}, {@code upstream}, {@code day}, {@code hour} (comma-separated; default {@code model};
 * {@code none} for one total). Answer:
 * {@code {object: "usage.report", from, to, group_by: [...], data: [{<dimension>: value, ..., requests, errors,
 * prompt_tokens, completion_tokens, cached_tokens, total_tokens, duration_ms}], total: {...}}}.
 *
 * <p>Rows are written asynchronously by the telemetry pipeline (within {@code telemetry.flush_interval} of a
 * call's end). Without a database the route answers 503.
 */
public final class UsageRoutes implements RouteGroup {
    static final Duration DEFAULT_RANGE = Duration.ofDays(30);
    private final UsageLedger ledger; // null: no database
    private final ObjectMapper json;
    private final Clock clock;

    public UsageRoutes(UsageLedger ledger, ObjectMapper json, Clock clock) {
        this.ledger = ledger;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.get("/v1/admin/usage", this::usage);
    }

    private void usage(Context ctx) {
        if (ledger == null) {
            throw new ApiException(503, ErrorType.UNAVAILABLE, "usage_unavailable", null,
                    "Usage accounting needs the database, which this server runs without.", null);
        }
        Instant to = time(ctx.queryParam("to"), "to", true, clock.instant().plusMillis(1));
        Instant from = time(ctx.queryParam("from"), "from", false, to.minus(DEFAULT_RANGE));
        if (!from.isBefore(to)) throw ApiException.invalidRequest("from", "'from' must be before 'to'.");
        List<UsageLedger.Dimension> groupBy = groupBy(ctx.queryParam("group_by"));
        ctx.json(report(json, ledger.report(from, to, groupBy), from, to, groupBy));
    }

    /** The report's JSON (also what `stellar usage --json` prints). */
    public static ObjectNode report(ObjectMapper json, List<UsageLedger.Row> rows, Instant from, Instant to,
                                    List<UsageLedger.Dimension> groupBy) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "usage.report");
        root.put("from", from.toString());
        root.put("to", to.toString());
        ArrayNode dims = root.putArray("group_by");
        groupBy.forEach(d -> dims.add(d.key()));
        ArrayNode data = root.putArray("data");
        long[] sum = new long[6];
        for (UsageLedger.Row r : rows) {
            ObjectNode o = data.addObject();
            for (Map.Entry<String, String> g : r.group().entrySet()) o.put(g.getKey(), g.getValue());
            counters(o, r.totals());
            UsageLedger.Totals t = r.totals();
            sum[0] += t.requests();
            sum[1] += t.errors();
            sum[2] += t.promptTokens();
            sum[3] += t.completionTokens();
            sum[4] += t.cachedTokens();
            sum[5] += t.durationMs();
        }
        counters(root.putObject("total"), new UsageLedger.Totals(sum[0], sum[1], sum[2], sum[3], sum[4], sum[5]));
        return root;
    }

    private static void counters(ObjectNode o, UsageLedger.Totals t) {
        o.put("requests", t.requests());
        o.put("errors", t.errors());
        o.put("prompt_tokens", t.promptTokens());
        o.put("completion_tokens", t.completionTokens());
        o.put("cached_tokens", t.cachedTokens());
        o.put("total_tokens", t.totalTokens());
        o.put("duration_ms", t.durationMs());
    }

    /** Parses {@code group_by}: one or two dimensions, or {@code none}. */
    public static List<UsageLedger.Dimension> groupBy(String text) {
        if (text == null || text.isBlank()) return List.of(UsageLedger.Dimension.MODEL);
        if (text.strip().equals("none")) return List.of();
        List<UsageLedger.Dimension> out = new ArrayList<>();
        for (String part : text.split(",")) {
            UsageLedger.Dimension d = UsageLedger.Dimension.parse(part);
            if (d == null) {
                throw ApiException.invalidRequest("group_by", "Invalid 'group_by': '" + part.strip()
                        + "'. Supported values are: model, key, owner, upstream, day, hour (one or two, comma-separated), or none.");
            }
            if (!out.contains(d)) out.add(d);
        }
        if (out.size() > 2) throw ApiException.invalidRequest("group_by", "'group_by' takes at most two dimensions.");
        return out;
    }

    /** An instant, a date, or epoch seconds; null or blank: {@code dflt}. */
    public static Instant time(String text, String param, boolean endOfDay, Instant dflt) {
        if (text == null || text.isBlank()) return dflt;
        String s = text.strip();
        try {
            if (s.matches("\\d{1,12}")) return Instant.ofEpochSecond(Long.parseLong(s));
            if (s.matches("\\d{4}-\\d{2}-\\d{2}")) {
                LocalDate d = LocalDate.parse(s);
                return (endOfDay ? d.plusDays(1) : d).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw ApiException.invalidRequest(param, "Invalid '" + param + "': '" + s
                    + "'. Expected an ISO-8601 instant (2026-12-07T10:00:00Z), a date (2026-12-07) or epoch seconds.");
        }
    }
}
