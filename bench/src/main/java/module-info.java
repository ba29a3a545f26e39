/** Benchmarks: JMH kernel benchmarks and end-to-end throughput measurements. */
module io.stellarchat.bench {
    requires io.stellarchat.engine;
    requires io.stellarchat.server;
    requires jmh.core;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;
}
