package io.stellarchat.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What telemetry is sent to, in one loopback HTTP server: an OpenTelemetry Collector's OTLP/HTTP receiver
 * ({@code POST /v1/traces}, {@code POST /v1/logs}; protobuf decoded with the OpenTelemetry proto classes) and
 * the parts of Elasticsearch's API the sink uses ({@code PUT /<index>}, {@code POST /_bulk}), checking each bulk
 * body against the bulk format: action and document lines in pairs, each ending in a newline, the action a
 * {@code create} naming {@code _index} and {@code _id}, the document's {@code event_id} equal to that id.
 * Bulk answers can be scripted per item ({@link #failNextItems}).
 */
public final class TelemetryReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
    public final List<ExportLogsServiceRequest> logs = new CopyOnWriteArrayList<>();
    /** Each bulk request's documents, in order. */
    public final List<List<JsonNode>> bulks = new CopyOnWriteArrayList<>();
    public final List<String> indicesCreated = new CopyOnWriteArrayList<>();
    /** Bulk bodies that broke the format, with why. */
    public final List<String> bulkErrors = new CopyOnWriteArrayList<>();
    private final Deque<Integer> scripted = new ArrayDeque<>(); // item statuses for the next items; guarded by itself
    private final Javalin app;

    public TelemetryReceiver() {
        app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.http.maxRequestSize = 64L << 20;
            c.routes.post("/v1/traces", ctx -> {
                traces.add(ExportTraceServiceRequest.parseFrom(ctx.bodyAsBytes()));
                ctx.contentType("application/x-protobuf").result(new byte[0]);
            });
            c.routes.post("/v1/logs", ctx -> {
                logs.add(ExportLogsServiceRequest.parseFrom(ctx.bodyAsBytes()));
                ctx.contentType("application/x-protobuf").result(new byte[0]);
            });
            c.routes.put("/{index}", ctx -> {
                indicesCreated.add(ctx.pathParam("index"));
                ctx.json(JSON.createObjectNode().put("acknowledged", true).put("index", ctx.pathParam("index")));
            });
            c.routes.post("/_bulk", ctx -> ctx.json(bulk(ctx.body())));
        }).start("127.0.0.1", 0);
    }

    public String url() {
        return "http://127.0.0.1:" + app.port();
    }

    /** The next bulk items get these statuses, in order (then 201 again). */
    public void failNextItems(Integer... statuses) {
        synchronized (scripted) {
            scripted.addAll(List.of(statuses));
        }
    }

    private ObjectNode bulk(String body) throws Exception {
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode items = answer.putArray("items");
        boolean errors = false;
        if (!body.endsWith("\n")) bulkErrors.add("body does not end with a newline");
        String[] lines = body.split("\n");
        if (lines.length % 2 != 0) bulkErrors.add("odd number of lines: " + lines.length);
        List<JsonNode> docs = new java.util.ArrayList<>();
        for (int i = 0; i + 1 < lines.length; i += 2) {
            JsonNode action = JSON.readTree(lines[i]);
            JsonNode doc = JSON.readTree(lines[i + 1]);
            JsonNode create = action.get("create");
            if (create == null || !create.hasNonNull("_index") || !create.hasNonNull("_id")) {
                bulkErrors.add("not a create action with _index and _id: " + lines[i]);
                continue;
            }
            if (!create.get("_id").asText().equals(doc.path("event_id").asText())) {
                bulkErrors.add("_id is not the document's event_id: " + lines[i]);
            }
            docs.add(doc);
            int status;
            synchronized (scripted) {
                status = scripted.isEmpty() ? 201 : scripted.poll();
            }
            ObjectNode item = items.addObject().putObject("create");
            item.put("_index", create.get("_index").asText()).put("_id", create.get("_id").asText()).put("status", status);
            if (status >= 300) {
                errors = true;
                item.putObject("error").put("type", status == 429 ? "es_rejected_execution_exception"
                        : "mapper_parsing_exception").put("reason", "scripted failure");
            }
        }
        bulks.add(docs);
        answer.put("errors", errors);
        answer.put("took", 1);
        return answer;
    }

    @Override
    public void close() {
        app.stop();
    }
}
