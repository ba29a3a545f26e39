package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.limits.Reservation;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.RerankRequest;
import io.stellarchat.server.protocol.RerankResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /v1/rerank}, {@code /v2/rerank} and {@code /rerank} in the shape Jina, Cohere, vLLM and llama.cpp
 * share: {@code {model, query, documents, top_n, return_documents, truncate}} →
 * {@code {id, model, results: [{index, relevance_score, document: {text}}], usage: {prompt_tokens, total_tokens}}},
 * results sorted by descending score (ties by index) and cut to {@code top_n}. {@code documents} are strings or
 * objects with a {@code text} field (Jina, Cohere v2); {@code document} is in a result only with
 * {@code return_documents: true}. A cross-encoder scores each pair (the sigmoid of its logit); an embedding model
 * scores by cosine similarity. Calls the gateway only.
 */
final class RerankHandler {
    /** Documents per request, as Cohere allows. */
    static final int MAX_DOCUMENTS = 1000;

    private final Gateway gateway;
    private final Admission admission;
    private final ObjectMapper json;

    RerankHandler(Gateway gateway, Admission admission, ObjectMapper json) {
        this.gateway = gateway;
        this.admission = admission;
        this.json = json;
    }

    void handle(Context ctx, JsonNode req) {
        String name = Fields.requiredString(req, "model");
        String query = Fields.requiredString(req, "query");
        List<String> documents = documents(req);
        Integer topN = Fields.integer(req, "top_n", 1, Integer.MAX_VALUE);
        boolean returnDocuments = Fields.bool(req, "return_documents", false);
        boolean truncate = Fields.bool(req, "truncate", false);
        Caller caller = Authentication.caller(ctx);
        ModelInfo info = admission.model(caller, name, "model");
        Reservation reservation = admission.reserve(ctx, caller, info.id(), () -> {
            long t = 0;
            for (String d : documents) t += (query.length() + d.length()) / 4 + 4;
            return t;
        });
        RerankResult result;
        try {
            result = gateway.rerank(new RerankRequest(name, query, documents, truncate));
        } catch (RuntimeException e) {
            reservation.settle(0);
            throw e;
        }
        reservation.settle(result.promptTokens());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < result.scores().size(); i++) order.add(i);
        order.sort(Comparator.<Integer>comparingDouble(i -> -result.scores().get(i)).thenComparing(i -> i));
        int n = topN == null ? order.size() : Math.min(topN, order.size());
        ObjectNode root = json.createObjectNode();
        root.put("id", "rerank-" + UUID.randomUUID());
        root.put("model", name);
        ArrayNode results = root.putArray("results");
        for (int k = 0; k < n; k++) {
            int i = order.get(k);
            ObjectNode r = results.addObject();
            r.put("index", i);
            r.put("relevance_score", result.scores().get(i));
            if (returnDocuments) r.putObject("document").put("text", documents.get(i));
        }
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", result.promptTokens());
        usage.put("total_tokens", result.promptTokens());
        ctx.json(root);
    }

    private static List<String> documents(JsonNode req) {
        JsonNode docs = Fields.present(req, "documents");
        if (docs == null) {
            throw ApiException.invalidRequest("documents", "Missing required parameter: 'documents'.");
        }
        if (!docs.isArray()) {
            throw Fields.wrongType("documents", docs, "an array of strings or of objects with a 'text' field");
        }
        if (docs.size() > MAX_DOCUMENTS) {
            throw ApiException.invalidRequest("documents", "Invalid 'documents': at most " + MAX_DOCUMENTS
                    + " documents per request, got " + docs.size() + ".");
        }
        List<String> out = new ArrayList<>(docs.size());
        for (int i = 0; i < docs.size(); i++) {
            JsonNode d = docs.get(i);
            String at = "documents[" + i + "]";
            if (d.isTextual()) {
                out.add(d.asText());
            } else if (d.isObject() && d.path("text").isTextual()) {
                out.add(d.get("text").asText());
            } else {
                throw Fields.wrongType(at, d, "a string or an object with a 'text' string");
            }
        }
        return out;
    }
}
