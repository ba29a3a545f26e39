package io.stellarchat.server.chat;

import io.stellarchat.server.observe.TelemetryEvent;
import io.stellarchat.server.observe.TelemetrySink;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The usage table ({@code usage_records}, one row per model call) and its reports. It is a telemetry sink: the
 * pipeline hands it the {@code model_call} events in batches, written in one transaction with
 * {@code event_id} as the key (a batch retried after a failure never counts a call twice). Reports aggregate
 * by up to two dimensions of {@link Dimension} over a time range.
 *
 * <p>Threads: thread-safe (each call is one transaction); the pipeline's sender threads write, request
 * threads report.
 */
public final class UsageLedger implements TelemetrySink {
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH':00:00Z'").withZone(ZoneOffset.UTC);
    private final Transactions tx;
    private final boolean sqlite;

    UsageLedger(Transactions tx, boolean sqlite) {
        this.tx = tx;
        this.sqlite = sqlite;
    }

    /** What a report can group by. */
    public enum Dimension {
        MODEL("model"), KEY("key_id"), OWNER("owner"), UPSTREAM("upstream"), DAY(null), HOUR(null);

        private final String column;

        Dimension(String column) {
            this.column = column;
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Dimension parse(String s) {
            for (Dimension d : values()) {
                if (d.key().equals(s.strip().toLowerCase(Locale.ROOT))) return d;
            }
            return null;
        }
    }

    /** The counters of a group. */
    public record Totals(long requests, long errors, long promptTokens, long completionTokens, long cachedTokens,
                         long durationMs) {
        public long totalTokens() {
            return promptTokens + completionTokens;
        }
    }

    /** One group of a report: its dimension values (by {@link Dimension#key()}) and counters. */
    public record Row(Map<String, String> group, Totals totals) {}

    @Override
    public String name() {
        return "usage";
    }

    @Override
    public boolean accepts(TelemetryEvent event) {
        return TelemetryEvent.Type.MODEL_CALL.wire.equals(event.type());
    }

    @Override
    public void write(List<TelemetryEvent> batch) {
        tx.write("record usage", c -> {
            String insert = "INSERT INTO usage_records (event_id, ts_ms, owner, key_id, model, upstream, endpoint, streamed,"
                    + " status, error_code, prompt_tokens, completion_tokens, cached_tokens, duration_ms, request_id)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (event_id) DO NOTHING";
            try (PreparedStatement st = c.prepareStatement(insert)) {
                for (TelemetryEvent e : batch) {
                    Map<String, Object> d = e.data();
                    st.setString(1, e.id());
                    st.setLong(2, e.ts().toEpochMilli());
                    st.setString(3, e.owner());
                    st.setString(4, e.keyId());
                    st.setString(5, text(d.get("model")));
                    st.setString(6, text(d.get("upstream")));
                    st.setString(7, text(d.get("endpoint")));
                    st.setBoolean(8, Boolean.TRUE.equals(d.get("stream")));
                    st.setString(9, text(d.get("status")));
                    Object code = d.get("error_code");
                    if (code == null) st.setNull(10, java.sql.Types.VARCHAR);
                    else st.setString(10, code.toString());
                    st.setLong(11, number(d.get("prompt_tokens")));
                    st.setLong(12, number(d.get("completion_tokens")));
                    st.setLong(13, number(d.get("cached_tokens")));
                    st.setLong(14, number(d.get("duration_ms")));
                    st.setString(15, e.requestId());
                    st.addBatch();
                }
                st.executeBatch();
            }
            return null;
        });
    }

    /** Deletes rows older than {@code before}; returns how many. */
    public int purge(Instant before) {
        return tx.write("purge usage", c -> {
            try (PreparedStatement st = c.prepareStatement("DELETE FROM usage_records WHERE ts_ms < ?")) {
                st.setLong(1, before.toEpochMilli());
                return st.executeUpdate();
            }
        });
    }

    /**
     * Totals of the calls in [{@code from}, {@code to}), grouped by {@code groupBy} (none: one row), ordered by
     * the groups.
     */
    public List<Row> report(Instant from, Instant to, List<Dimension> groupBy) {
        return tx.read("usage report", c -> {
            List<String> cols = new ArrayList<>();
            for (Dimension d : groupBy) cols.add(expression(d));
            String select = "SELECT " + (cols.isEmpty() ? "" : String.join(", ", cols) + ", ")
                    + "COUNT(*), SUM(CASE WHEN status = 'success' THEN 0 ELSE 1 END), SUM(prompt_tokens),"
                    + " SUM(completion_tokens), SUM(cached_tokens), SUM(duration_ms)"
                    + " FROM usage_records WHERE ts_ms >= ? AND ts_ms < ?"
                    + (cols.isEmpty() ? "" : " GROUP BY " + String.join(", ", cols) + " ORDER BY " + String.join(", ", cols));
            try (PreparedStatement st = c.prepareStatement(select)) {
                st.setLong(1, from.toEpochMilli());
                st.setLong(2, to.toEpochMilli());
                List<Row> rows = new ArrayList<>();
                try (ResultSet r = st.executeQuery()) {
                    while (r.next()) {
                        long count = r.getLong(cols.size() + 1);
                        if (count == 0) continue; // no rows at all: SUMs are null
                        Map<String, String> group = new LinkedHashMap<>();
                        for (int i = 0; i < groupBy.size(); i++) group.put(groupBy.get(i).key(), label(groupBy.get(i), r, i + 1));
                        int k = cols.size() + 1;
                        rows.add(new Row(group, new Totals(count, r.getLong(k + 1), r.getLong(k + 2), r.getLong(k + 3),
                                r.getLong(k + 4), r.getLong(k + 5))));
                    }
                }
                return rows;
            }
        });
    }

    /** The SQL of a dimension: a column, or the time bucket (epoch milliseconds floored to a day or an hour). */
    private String expression(Dimension d) {
        return switch (d) {
            case DAY -> "(ts_ms / 86400000) * 86400000";
            case HOUR -> "(ts_ms / 3600000) * 3600000";
            default -> d.column;
        };
    }

    private static String label(Dimension d, ResultSet r, int column) throws SQLException {
        return switch (d) {
            case DAY -> Instant.ofEpochMilli(r.getLong(column)).atZone(ZoneOffset.UTC).toLocalDate().toString();
            case HOUR -> HOUR.format(Instant.ofEpochMilli(r.getLong(column)));
            default -> r.getString(column);
        };
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }
}
