/** The StellarChat service: HTTP API, sessions, gateway, observability and the CLI composition root. */
module io.stellarchat.server {
    requires io.stellarchat.engine;
    requires io.javalin;
    requires org.eclipse.jetty.ee10.servlet;
    requires org.eclipse.jetty.server;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires info.picocli;
    requires org.slf4j;
    requires ch.qos.logback.classic;
    requires ch.qos.logback.core;
    requires micrometer.core;
    requires micrometer.registry.prometheus;
    requires java.net.http;
    requires java.sql;
    requires com.zaxxer.hikari;
    requires flyway.core;
    // Automatic modules (Automatic-Module-Name in their manifests): the provider circuit breaker.
    requires io.github.resilience4j.circuitbreaker;
    requires io.github.resilience4j.core;
    // Redis client (limits and caches shared by replicas) and the in-process cache tier.
    requires lettuce.core;
    requires com.github.benmanes.caffeine;
    // OpenTelemetry: traces and OTLP log export (the JDK HTTP sender is found by ServiceLoader).
    requires io.opentelemetry.api;
    requires io.opentelemetry.context;
    requires io.opentelemetry.sdk;
    requires io.opentelemetry.sdk.common;
    requires io.opentelemetry.sdk.logs;
    requires io.opentelemetry.sdk.trace;
    requires io.opentelemetry.exporter.otlp;

    exports io.stellarchat.server.config;
    exports io.stellarchat.server.observe;
    exports io.stellarchat.server.api;
    exports io.stellarchat.server.cli;
    exports io.stellarchat.server.chat;
    exports io.stellarchat.server.protocol;
    exports io.stellarchat.server.gateway;
    exports io.stellarchat.server.limits;
    exports io.stellarchat.server.cache;
    exports io.stellarchat.server.redis;

    opens io.stellarchat.server.cli to info.picocli;
    // Jackson writes the wire records (error bodies, /ready) reflectively.
    opens io.stellarchat.server.api to com.fasterxml.jackson.databind;
    opens io.stellarchat.server.observe to com.fasterxml.jackson.databind;
}
