package io.stellarchat.server.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --log-format json: one parseable object per line with the agreed field names. */
class JsonLineLayoutTest {
    final LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    final Logger logger = context.getLogger("io.stellarchat.test");

    String layout(LoggingEvent event) {
        JsonLineLayout layout = new JsonLineLayout();
        layout.setContext(context);
        layout.start();
        return layout.doLayout(event);
    }

    @Test
    void writesOneObjectPerLineWithRequestAndStructuredFields() throws Exception {
        LoggingEvent event = new LoggingEvent("fqcn", logger, Level.INFO, "served {} in \"{}\"",
                null, new Object[] {"GET /x", "3ms"});
        event.setInstant(Instant.parse("2026-01-02T03:04:05.678Z"));
        event.setMDCPropertyMap(Map.of(LogContext.REQUEST_ID, "req-9", LogContext.TRACE_ID, "abc", "tenant", "t1"));
        event.addKeyValuePair(new org.slf4j.event.KeyValuePair("status", 200));
        event.addKeyValuePair(new org.slf4j.event.KeyValuePair("route", "/v1/models/{id}"));
        String line = layout(event);
        assertTrue(line.endsWith("\n"));
        assertEquals(1, line.lines().count());
        JsonNode j = new ObjectMapper().readTree(line);
        assertEquals("2026-01-02T03:04:05.678Z", j.get("ts").asText());
        assertEquals("INFO", j.get("level").asText());
        assertEquals("io.stellarchat.test", j.get("logger").asText());
        assertEquals("served GET /x in \"3ms\"", j.get("msg").asText());
        assertEquals("req-9", j.get("request_id").asText());
        assertEquals("abc", j.get("trace_id").asText());
        assertEquals(200, j.get("status").asInt());
        assertTrue(j.get("status").isInt());
        assertEquals("/v1/models/{id}", j.get("route").asText());
        assertEquals("t1", j.get("tenant").asText());
    }

    @Test
    void exceptionGoesToErrorAndStackFieldsOnOneLine() throws Exception {
        LoggingEvent event = new LoggingEvent("fqcn", logger, Level.ERROR, "failed", new IllegalStateException("bad\nthing"), null);
        String line = layout(event);
        assertEquals(1, line.lines().count());
        JsonNode j = new ObjectMapper().readTree(line);
        assertEquals("java.lang.IllegalStateException: bad\nthing", j.get("error").asText());
        assertTrue(j.get("stack").asText().contains("JsonLineLayoutTest"));
        assertFalse(j.has("request_id"));
    }
}
