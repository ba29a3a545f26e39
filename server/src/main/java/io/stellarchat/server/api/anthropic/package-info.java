/**
 * Anthropic's Messages API: {@code POST /v1/messages} (a message, or its stream of Anthropic's named events) and
 * {@code POST /v1/messages/count_tokens}, read into {@code protocol} records and answered through
 * {@code gateway.Gateway} with {@code api.Admission} (model visibility, rate limits, response cache) as the OpenAI
 * routes are; errors in Anthropic's shape ({@code AnthropicErrors}). Imports no other dialect.
 * Entry point: {@link io.stellarchat.server.api.anthropic.AnthropicRoutes}.
 */
package io.stellarchat.server.api.anthropic;
