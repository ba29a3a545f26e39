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
import io.stellarchat.server.protocol.ProviderException;
import java.net.http.HttpRequest;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages API as a {@link Provider}: chat → {@code POST {base_url}/messages} (streamed), with
 * {@code x-api-key} and {@code anthropic-version: 2023-06-01}; models and the health probe →
 * {@code GET {base_url}/models}. Anthropic has neither plain completions nor embeddings: those are invalid requests.
 *
 * <p>Threads: stateless apart from its configuration; any number of request threads may call it at once.
 */
final class AnthropicProvider implements Provider {
    static final String VERSION = "2023-06-01";

    private final UpstreamCalls calls;

    AnthropicProvider(ProviderConfig config, UpstreamHttp http) {
        this.calls = new UpstreamCalls(config, http, (b, key) -> b.header("x-api-key", key),
                Map.of("anthropic-version", VERSION));
    }

    @Override
    public String id() {
        return calls.provider();
    }

    @Override
    public ChatStream chat(ChatRequest request) {
        HttpRequest http = calls.request("/messages")
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(UpstreamCalls.json(AnthropicRequests.messages(request)))
                .build();
        return calls.stream(http, request.model(), new AnthropicEvents(id()));
    }

    @Override
    public ChatStream complete(CompletionRequest request) {
        throw ProviderException.invalid("prompt", "Provider " + id() + " (Anthropic) has no plain completions; use chat");
    }

    @Override
    public EmbeddingResult embed(EmbeddingRequest request) {
        throw ProviderException.invalid("model", "Provider " + id() + " (Anthropic) has no embeddings");
    }

    @Override
    public List<ModelInfo> models() {
        JsonNode answer = calls.call(calls.request("/models")
                .header("Accept", "application/json").GET().build());
        List<ModelInfo> out = new ArrayList<>();
        for (JsonNode m : answer.path("data")) {
            String name = RemoteJson.text(m, "id");
            if (name != null) out.add(new ModelInfo(name, id(), created(RemoteJson.text(m, "created_at")), 0, List.of(), null));
        }
        return out;
    }

    private static long created(String isoTime) {
        if (isoTime == null) return 0;
        try {
            return OffsetDateTime.parse(isoTime).toEpochSecond();
        } catch (DateTimeParseException e) {
            return 0;
        }
    }

    @Override
    public Health health() {
        return calls.probe("/models");
    }

    /** Nothing to release: the HTTP clients belong to {@link UpstreamHttp}, each stream to its caller. */
    @Override
    public void close() {}
}
