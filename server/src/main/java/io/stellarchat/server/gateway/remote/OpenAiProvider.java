package io.stellarchat.server.gateway.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.config.ProviderConfig;
import io.stellarchat.server.gateway.Provider;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.CompletionRequest;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.EmbeddingResult;
import io.stellarchat.server.protocol.ModelInfo;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An OpenAI-compatible upstream (vLLM, llama.cpp server, Ollama's {@code /v1}, OpenAI) as a {@link Provider}:
 * {@code POST {base_url}/chat/completions}, {@code /completions}, {@code /embeddings}, {@code /rerank}; {@code GET {base_url}/models}
 * for the model list and the health probe. Chat and completions are always streamed from the upstream.
 *
 * <p>Threads: stateless apart from its configuration; any number of request threads may call it at once. Each
 * stream it returns owns one HTTP exchange and one reader thread ({@link UpstreamStream}).
 */
final class OpenAiProvider implements Provider {
    private final UpstreamCalls calls;

    OpenAiProvider(ProviderConfig config, UpstreamHttp http) {
        this.calls = new UpstreamCalls(config, http, (b, key) -> b.header("Authorization", "Bearer " + key),
                Map.of());
    }

    @Override
    public String id() {
        return calls.provider();
    }

    @Override
    public ChatStream chat(ChatRequest request) {
        HttpRequest http = post("/chat/completions", OpenAiRequests.chat(request));
        return calls.stream(http, request.model(), new OpenAiChunks(id(), false, request.params().n()));
    }

    @Override
    public ChatStream complete(CompletionRequest request) {
        HttpRequest http = post("/completions", OpenAiRequests.completion(request));
        int choices = Math.max(1, request.prompts().size()) * request.params().n();
        return calls.stream(http, request.model(), new OpenAiChunks(id(), true, choices));
    }

    @Override
    public EmbeddingResult embed(EmbeddingRequest request) {
        JsonNode answer = calls.call(calls.request("/embeddings")
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(UpstreamCalls.json(OpenAiRequests.embedding(request))).build());
        JsonNode data = answer.path("data");
        if (!data.isArray() || data.size() != request.inputs().size()) {
            throw UpstreamErrors.badResponse(id(), "expected " + request.inputs().size() + " embeddings, got "
                    + (data.isArray() ? data.size() : "none"));
        }
        float[][] vectors = new float[data.size()][];
        for (int i = 0; i < data.size(); i++) {
            JsonNode item = data.get(i);
            int index = RemoteJson.integer(item, "index", i);
            JsonNode values = item.path("embedding");
            if (index < 0 || index >= vectors.length || vectors[index] != null || !values.isArray()) {
                throw UpstreamErrors.badResponse(id(), "embedding " + i + " has a bad index or no vector");
            }
            float[] v = new float[values.size()];
            for (int j = 0; j < v.length; j++) v[j] = (float) values.get(j).asDouble();
            vectors[index] = v;
        }
        return new EmbeddingResult(List.of(vectors), RemoteJson.integer(answer.path("usage"), "prompt_tokens", 0));
    }

    /**
     * {@code POST {base_url}/rerank} ({@code /v1/rerank} of vLLM, llama.cpp's server, Jina and Cohere-compatible
     * servers) with every document and no {@code top_n}, so the edge sorts and cuts as for a local model. The
     * upstream's {@code relevance_score}s are passed on as it computes them (llama.cpp's server: the raw logit).
     */
    @Override
    public io.stellarchat.server.protocol.RerankResult rerank(io.stellarchat.server.protocol.RerankRequest request) {
        var body = RemoteJson.object();
        body.put("model", request.model());
        body.put("query", request.query());
        var docs = body.putArray("documents");
        request.documents().forEach(docs::add);
        JsonNode answer = calls.call(calls.request("/rerank")
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(UpstreamCalls.json(body)).build());
        JsonNode results = answer.path("results");
        int n = request.documents().size();
        if (!results.isArray() || results.size() != n) {
            throw UpstreamErrors.badResponse(id(), "expected " + n + " rerank results, got "
                    + (results.isArray() ? results.size() : "none"));
        }
        Double[] scores = new Double[n];
        for (int i = 0; i < n; i++) {
            JsonNode r = results.get(i);
            int index = RemoteJson.integer(r, "index", -1);
            JsonNode score = r.path("relevance_score");
            if (index < 0 || index >= n || scores[index] != null || !score.isNumber()) {
                throw UpstreamErrors.badResponse(id(), "rerank result " + i + " has a bad index or no relevance_score");
            }
            scores[index] = score.asDouble();
        }
        JsonNode usage = answer.path("usage");
        int tokens = RemoteJson.integer(usage, "prompt_tokens", RemoteJson.integer(usage, "total_tokens", 0));
        return new io.stellarchat.server.protocol.RerankResult(List.of(scores), tokens);
    }

    @Override
    public List<ModelInfo> models() {
        JsonNode answer = calls.call(calls.request("/models").header("Accept", "application/json").GET().build());
        List<ModelInfo> out = new ArrayList<>();
        for (JsonNode m : answer.path("data")) {
            String name = RemoteJson.text(m, "id");
            if (name != null) out.add(new ModelInfo(name, id(), m.path("created").asLong(0), 0, List.of(), null));
        }
        return out;
    }

    @Override
    public Health health() {
        return calls.probe("/models");
    }

    /** Nothing to release: the HTTP clients belong to {@link UpstreamHttp}, each stream to its caller. */
    @Override
    public void close() {}

    private HttpRequest post(String path, JsonNode body) {
        return calls.request(path)
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(UpstreamCalls.json(body))
                .build();
    }
}
