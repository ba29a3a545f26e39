package io.stellarchat.server.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Events into Elasticsearch or OpenSearch through the {@code _bulk} API: one index per UTC day
 * ({@code <prefix>-yyyy.MM.dd}), created with a mapping the first time this process writes to it (an index
 * that exists already is fine). Each event is a {@code create} with the event id as {@code _id}, so a retried
 * batch never writes an event twice (a 409 on retry means it is already there).
 *
 * <p>Retries, with exponential backoff and jitter, up to {@link #ATTEMPTS} tries: the whole request on a
 * connection failure, 429 or 5xx; and per item, only the items that failed with 429 or 5xx (the others, e.g. a
 * mapping conflict, would fail again and are counted as lost).
 *
 * <p>Threads: thread-safe; the set of indices known to exist is concurrent.
 */
public final class ElasticsearchSink implements TelemetrySink {
    static final int ATTEMPTS = 4;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);
    private static final String MAPPING = """
            {"mappings":{"properties":{"event_id":{"type":"keyword"},"type":{"type":"keyword"},"ts":{"type":"date"},\
            "trace_id":{"type":"keyword"},"request_id":{"type":"keyword"},"owner":{"type":"keyword"},\
            "key_id":{"type":"keyword"},"data":{"type":"object"}}}}""";
    private final URI base;
    private final String prefix;
    private final String apiKey;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Duration backoff;
    private final Set<String> created = ConcurrentHashMap.newKeySet();

    /**
     * @param base    the cluster's URL
     * @param prefix  index name prefix
     * @param apiKey  an API key, or ""
     * @param backoff the first retry's wait (doubles each time)
     */
    public ElasticsearchSink(String base, String prefix, String apiKey, Duration backoff) {
        this.base = URI.create(base.endsWith("/") ? base : base + "/");
        this.prefix = prefix;
        this.apiKey = apiKey;
        this.backoff = backoff;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public String name() {
        return "elasticsearch";
    }

    /** The index of an event. */
    String index(TelemetryEvent e) {
        return prefix + "-" + DAY.format(e.ts());
    }

    @Override
    public void write(List<TelemetryEvent> batch) throws Exception {
        for (TelemetryEvent e : batch) ensureIndex(index(e));
        List<TelemetryEvent> pending = batch;
        String lastError = "";
        int lost = 0;
        for (int attempt = 1; attempt <= ATTEMPTS && !pending.isEmpty(); attempt++) {
            if (attempt > 1) sleep(attempt);
            HttpResponse<String> r;
            try {
                r = http.send(request("_bulk").header("Content-Type", "application/x-ndjson")
                        .POST(HttpRequest.BodyPublishers.ofString(bulkBody(pending))).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                lastError = e.toString();
                continue;
            }
            if (r.statusCode() == 429 || r.statusCode() >= 500) {
                lastError = "HTTP " + r.statusCode();
                continue;
            }
            if (r.statusCode() != 200) {
                throw new IOException("_bulk answered HTTP " + r.statusCode() + ": " + abbreviate(r.body()));
            }
            JsonNode body = json.readTree(r.body());
            if (!body.path("errors").asBoolean(false)) {
                pending = List.of();
                break;
            }
            List<TelemetryEvent> retry = new ArrayList<>();
            JsonNode items = body.path("items");
            for (int i = 0; i < pending.size(); i++) {
                JsonNode item = items.path(i).elements().hasNext() ? items.path(i).elements().next() : null;
                int status = item == null ? 500 : item.path("status").asInt(500);
                if (status < 300 || status == 409) continue; // written (409: by an earlier try)
                if (status == 429 || status >= 500) {
                    retry.add(pending.get(i));
                } else {
                    lost++;
                }
                lastError = item == null ? "no item" : "status " + status + " " + abbreviate(item.path("error").toString());
            }
            pending = retry;
        }
        lost += pending.size();
        if (lost > 0) throw new PartlyWritten(lost, lastError);
    }

    /** The NDJSON body: an action line and a document line per event, each ending in a newline. */
    String bulkBody(List<TelemetryEvent> events) {
        StringBuilder b = new StringBuilder(events.size() * 400);
        for (TelemetryEvent e : events) {
            b.append("{\"create\":{\"_index\":\"").append(index(e)).append("\",\"_id\":\"").append(e.id()).append("\"}}\n");
            b.append(EventJson.of(e)).append('\n');
        }
        return b.toString();
    }

    private void ensureIndex(String index) throws IOException, InterruptedException {
        if (created.contains(index)) return;
        HttpResponse<String> r = http.send(request(index).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(MAPPING)).build(), HttpResponse.BodyHandlers.ofString());
        boolean exists = r.statusCode() == 400 && r.body().contains("resource_already_exists_exception");
        if (r.statusCode() / 100 == 2 || exists) {
            created.add(index);
        } else if (r.statusCode() >= 500 || r.statusCode() == 429) {
            return; // _bulk creates it without the mapping if it must; try to create it next batch
        } else {
            throw new IOException("creating index " + index + " answered HTTP " + r.statusCode() + ": " + abbreviate(r.body()));
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        if (!apiKey.isEmpty()) b.header("Authorization", "ApiKey " + apiKey);
        return b;
    }

    private void sleep(int attempt) throws InterruptedException {
        long cap = backoff.toMillis() << Math.min(attempt - 2, 10);
        Thread.sleep(cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1));
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
