package io.stellarchat.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.stellarchat.server.observe.LogContext;
import io.stellarchat.server.testing.CapturingAppender;
import io.stellarchat.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The request id: chosen from traceparent, X-Request-Id or generated; echoed; in every log line of the request. */
class RequestIdTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String TRACEPARENT = "00-" + TRACE + "-00f067aa0ba902b7-01";
    static TestServer server;
    static ExecutorService pool;
    CapturingAppender access;
    CapturingAppender work;

    @BeforeAll
    static void start() {
        pool = Executors.newFixedThreadPool(1);
        var workLog = LoggerFactory.getLogger("test.work");
        server = new TestServer(TestServer.smallConfig(), routes -> routes.get("/test/work", ctx -> {
            workLog.info("on the request thread");
            // work handed to another thread keeps the request id when wrapped
            pool.submit(LogContext.wrap(() -> workLog.info("on a pool thread"))).get();
            ctx.result("done");
        }));
    }

    @AfterAll
    static void stop() {
        server.close();
        pool.shutdownNow();
    }

    @BeforeEach
    void capture() {
        access = new CapturingAppender("io.stellarchat.server.access");
        work = new CapturingAppender("test.work");
    }

    @AfterEach
    void release() {
        access.close();
        work.close();
    }

    private ILoggingEvent accessLine(String id) throws InterruptedException {
        return access.await(e -> id.equals(e.getMDCPropertyMap().get(LogContext.REQUEST_ID)));
    }

    @Test
    void traceparentTraceIdBecomesTheRequestId() throws Exception {
        HttpResponse<String> r = server.send(server.request("/health")
                .header("traceparent", TRACEPARENT).header("X-Request-Id", "ignored-when-traceparent-valid"));
        assertEquals(200, r.statusCode());
        assertEquals(TRACE, r.headers().firstValue("X-Request-Id").orElseThrow());
        ILoggingEvent line = accessLine(TRACE);
        assertEquals(TRACE, line.getMDCPropertyMap().get(LogContext.TRACE_ID));
        assertTrue(line.getFormattedMessage().startsWith("GET /health 200"), line.getFormattedMessage());
    }

    @Test
    void wellFormedRequestIdHeaderIsUsed() throws Exception {
        HttpResponse<String> r = server.send(server.request("/health").header("X-Request-Id", "client-42.a_b"));
        assertEquals("client-42.a_b", r.headers().firstValue("X-Request-Id").orElseThrow());
        ILoggingEvent line = accessLine("client-42.a_b");
        assertFalse(line.getMDCPropertyMap().containsKey(LogContext.TRACE_ID));
    }

    @Test
    void idIsGeneratedWhenHeadersAreMissingOrMalformed() throws Exception {
        HttpResponse<String> r = server.send(server.request("/health")
                .header("traceparent", "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01") // all-zero trace id: invalid
                .header("X-Request-Id", "bad id with spaces"));
        String id = r.headers().firstValue("X-Request-Id").orElseThrow();
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        accessLine(id);
        String second = server.get("/health").headers().firstValue("X-Request-Id").orElseThrow();
        assertNotEquals(id, second);
    }

    @Test
    void accessLineCarriesMethodPathStatusBytesAndDuration() throws Exception {
        server.send(server.request("/health").header("X-Request-Id", "access-fields"));
        ILoggingEvent line = accessLine("access-fields");
        Map<String, Object> kv = new java.util.HashMap<>();
        line.getKeyValuePairs().forEach(p -> kv.put(p.key, p.value));
        assertEquals("GET", kv.get("method"));
        assertEquals("/health", kv.get("path"));
        assertEquals(200, kv.get("status"));
        assertEquals(15L, kv.get("bytes")); // {"status":"ok"}
        assertTrue(((Double) kv.get("duration_ms")) >= 0.0);
    }

    @Test
    void logLinesOnOtherThreadsCarryTheRequestId() throws Exception {
        HttpResponse<String> r = server.send(server.request("/test/work").header("X-Request-Id", "work-7"));
        assertEquals("done", r.body());
        ILoggingEvent onPool = work.await(e -> e.getFormattedMessage().equals("on a pool thread"));
        assertEquals("work-7", onPool.getMDCPropertyMap().get(LogContext.REQUEST_ID));
        assertNotEquals(work.await(e -> e.getFormattedMessage().equals("on the request thread")).getThreadName(),
                onPool.getThreadName());
        assertEquals("work-7", work.await(e -> e.getFormattedMessage().equals("on the request thread"))
                .getMDCPropertyMap().get(LogContext.REQUEST_ID));
    }
}
