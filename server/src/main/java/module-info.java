/** The StellarChat service: HTTP API, sessions, gateway, observability and the CLI composition root. */
module io.stellarchat.server {
    requires io.stellarchat.engine;
    requires io.javalin;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires info.picocli;
    requires org.slf4j;
    requires ch.qos.logback.classic;
    requires ch.qos.logback.core;
    requires micrometer.core;
    requires micrometer.registry.prometheus;
    requires java.net.http;

    opens io.stellarchat.server.cli to info.picocli;
}
