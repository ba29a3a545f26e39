/**
 * The wire-neutral language of the service: what a client asked for and what a model answered, independent
 * of the dialect it came in (OpenAI, sessions, WebSocket, later Ollama and Anthropic) and of who answers it
 * (the local engine or a remote model server). Every {@code api} dialect parses into these records and
 * formats out of them; every {@code gateway} provider takes and returns them.
 *
 * <p>Entry points: {@link io.stellarchat.server.protocol.ChatRequest} and
 * {@link io.stellarchat.server.protocol.CompletionRequest} in, {@link io.stellarchat.server.protocol.ChatStream}
 * of {@link io.stellarchat.server.protocol.ChatEvent}s out (collected by
 * {@link io.stellarchat.server.protocol.ChatCollector} when the client did not ask to stream),
 * {@link io.stellarchat.server.protocol.EmbeddingRequest} / {@link io.stellarchat.server.protocol.EmbeddingResult},
 * one {@link io.stellarchat.server.protocol.FinishReason}, and the error taxonomy
 * {@link io.stellarchat.server.protocol.ErrorKind} carried by {@link io.stellarchat.server.protocol.ProviderException}.
 *
 * <p>Imports nothing of ours (a test checks it). Opaque JSON (tool parameter schemas, pass-through request
 * fields) is carried as Jackson trees, copied on the way in and never changed afterwards.
 */
package io.stellarchat.server.protocol;
