/** Benchmarks: JMH kernel benchmarks and end-to-end throughput measurements. */
module io.stellarchat.bench {
    requires io.stellarchat.engine;
    requires io.stellarchat.server;
    requires jmh.core;
    requires java.net.http;
    requires java.sql;
    requires org.slf4j;
    requires ch.qos.logback.classic;
    requires com.fasterxml.jackson.databind;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.util;
    requires micrometer.core;
}
