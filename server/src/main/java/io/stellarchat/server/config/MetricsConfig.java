package io.stellarchat.server.config;

/**
 * The Prometheus endpoint.
 *
 * @param enabled whether {@code GET /metrics} is served
 */
public record MetricsConfig(boolean enabled) {}
