/**
 * The OpenAI-compatible HTTP API over the local engine: request validation, response and SSE chunk shapes.
 * Entry point: {@link io.stellarchat.server.api.openai.OpenAiRoutes}.
 */
package io.stellarchat.server.api.openai;
