package io.stellarchat.server.config;

/**
 * OpenTelemetry traces.
 *
 * @param endpoint    the OTLP/HTTP traces endpoint of a collector ({@code http://host:4318/v1/traces}); empty: off
 * @param sampleRatio share of new traces recorded, 0..1 (a continued {@code traceparent} keeps its decision)
 * @param serviceName the {@code service.name} resource attribute
 */
public record TracingConfig(String endpoint, double sampleRatio, String serviceName) {
    public static TracingConfig off() {
        return new TracingConfig("", 1.0, "stellarchat");
    }

    public boolean enabled() {
        return !endpoint.isEmpty();
    }
}
