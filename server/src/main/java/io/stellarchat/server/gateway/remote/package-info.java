/**
 * Remote model servers as {@link io.stellarchat.server.gateway.Provider}s: OpenAI-compatible upstreams (vLLM,
 * llama.cpp server, Ollama's {@code /v1}, OpenAI) and Anthropic's Messages API. The package owns the upstream wire
 * shapes (request JSON out, server-sent events in), the one pooled HTTP client holder, the streaming of answers with
 * their deadlines (connect, first token, idle, total) and the mapping of every upstream failure to a
 * {@link io.stellarchat.server.protocol.ProviderException}.
 *
 * <p>Entry points: {@link io.stellarchat.server.gateway.remote.UpstreamHttp} (made and closed once by the
 * composition root) and {@link io.stellarchat.server.gateway.remote.RemoteProviders#create} (a provider per configured
 * {@code providers[]} entry). Everything else is package-private: {@code OpenAiProvider} and
 * {@code AnthropicProvider} with their request builders ({@code OpenAiRequests}, {@code AnthropicRequests}) and
 * stream translators ({@code OpenAiChunks}, {@code AnthropicEvents}); {@code UpstreamCalls} (HTTP mechanics of one
 * provider), {@code UpstreamStream} (a {@link io.stellarchat.server.protocol.ChatStream} with its reader thread),
 * {@code SseReader} and {@code UpstreamErrors}.
 *
 * <p>Not here: in-flight limits (bulkheads), retries, breakers and fallbacks ({@code gateway.resilience} and the
 * router wrap these providers); the client-facing dialects ({@code api.*}).
 */
package io.stellarchat.server.gateway.remote;
