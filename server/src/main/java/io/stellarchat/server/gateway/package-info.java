/**
 * Where requests meet models. {@link io.stellarchat.server.gateway.Gateway} is the one entry point of the API
 * dialects and the conversation code: it finds the model a client named and has it answered by a
 * {@link io.stellarchat.server.gateway.Provider}, the interface every model source implements — the in-process
 * engine ({@code gateway.local}: {@code LocalProvider} over the {@code ModelRegistry} of loaded GGUF models) and
 * remote model servers. Routing, retries, timeouts, circuit breakers and fallbacks are built around providers
 * here too. Only {@code gateway.local} (and the command line) use the engine's types.
 */
package io.stellarchat.server.gateway;
