package io.stellarchat.server.config;

/**
 * The Prometheus endpoint.
 *
 * @param enabled       whether {@code GET /metrics} is served
 * @param perKeyLabels  whether limit and usage meters carry a {@code key} label (the key's display prefix; the
 *                      series grow with the number of keys)
 */
public record MetricsConfig(boolean enabled, boolean perKeyLabels) {
    public MetricsConfig(boolean enabled) {
        this(enabled, false);
    }
}
