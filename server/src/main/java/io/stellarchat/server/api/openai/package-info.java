/**
 * The OpenAI-compatible HTTP API: request validation into {@code protocol} records, response and SSE chunk shapes; every model call goes through {@code gateway.Gateway}.
 * Entry point: {@link io.stellarchat.server.api.openai.OpenAiRoutes}.
 */
package io.stellarchat.server.api.openai;
