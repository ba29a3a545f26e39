package io.stellarchat.server.gateway;

import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.CompletionRequest;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.EmbeddingResult;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.RerankRequest;
import io.stellarchat.server.protocol.RerankResult;
import java.util.List;

/**
 * A source of model answers: the local engine ({@code gateway.local}) or a remote model server
 * ({@code gateway.remote}: OpenAI-compatible, Anthropic). The one interface every source implements; routing,
 * retries, breakers and fallbacks ({@code gateway.resilience}, {@code ModelRouter}) are built around it.
 *
 * <p>A request's {@code model} is the provider's own name for the model (the upstream's name, or the local
 * model's id): routing has already replaced the client's id. Calls may block (an upstream HTTP exchange) and
 * are made on the caller's virtual thread. Failures are {@link io.stellarchat.server.protocol.ProviderException}s
 * in the wire-neutral taxonomy; a call that fails before its stream returns has sent nothing to the client.
 *
 * <p>Threads: implementations are safe to call from any number of request threads at once.
 */
public interface Provider extends AutoCloseable {

    /** The provider id: {@code local}, or a configured {@code providers[].id}. */
    String id();

    /**
     * Starts a chat answer. Returns once the request was accepted (an engine submission, or an upstream's
     * response headers); the events follow on the stream.
     */
    ChatStream chat(ChatRequest request);

    /** Starts a plain completion (raw prompts, no chat template). */
    ChatStream complete(CompletionRequest request);

    /** Embeds the inputs (blocks until done). */
    EmbeddingResult embed(EmbeddingRequest request);

    /**
     * Scores documents against a query (blocks until done). Providers that cannot rerank refuse with an
     * invalid-request error naming the model.
     */
    default RerankResult rerank(RerankRequest request) {
        throw ProviderException.invalid("model", "The model '" + request.model() + "' (provider " + id()
                + ") does not support reranking.");
    }

    /** The models this provider serves, in its own names. A remote provider asks its upstream. */
    List<ModelInfo> models();

    /** Probes whether the provider can answer now (a remote one asks {@code GET {base_url}/models}). */
    Health health();

    /** Stops what it started (threads, connections, engines). Idempotent. */
    @Override
    void close();

    /**
     * The result of a probe.
     *
     * @param healthy whether requests should be sent to it
     * @param detail  what was seen, for {@code /v1/admin/providers} and logs
     */
    record Health(boolean healthy, String detail) {
        public static Health ok(String detail) {
            return new Health(true, detail);
        }

        public static Health down(String detail) {
            return new Health(false, detail);
        }
    }
}
