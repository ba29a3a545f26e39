package io.stellarchat.server.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per log line: {@code ts} (ISO-8601 UTC), {@code level}, {@code logger}, {@code thread},
 * {@code msg}, {@code request_id} and {@code trace_id} when known, then the event's structured fields
 * (SLF4J key-value pairs, e.g. {@code log.atInfo().addKeyValue("status", 200)}), then any other MDC entries,
 * and {@code error} / {@code stack} for an exception. A field never repeats: the first writer of a name wins.
 * Secrets in the message, in string fields and in the exception are masked ({@link Secrets}).
 */
public final class JsonLineLayout extends LayoutBase<ILoggingEvent> {
    private static final Set<String> FIXED = Set.of("ts", "level", "logger", "thread", "msg", "error", "stack");
    private final JsonFactory json = new JsonFactory();

    @Override
    public String doLayout(ILoggingEvent event) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ts", event.getInstant().toString());
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("thread", event.getThreadName());
            g.writeStringField("msg", Secrets.mask(event.getFormattedMessage()));
            Set<String> written = new HashSet<>(FIXED);
            Map<String, String> mdc = event.getMDCPropertyMap();
            for (String key : new String[] {LogContext.REQUEST_ID, LogContext.TRACE_ID}) {
                String v = mdc.get(key);
                if (v != null && written.add(key)) g.writeStringField(key, v);
            }
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair kv : event.getKeyValuePairs()) {
                    if (kv.key == null || !written.add(kv.key)) continue;
                    g.writeFieldName(kv.key);
                    writeValue(g, kv.value);
                }
            }
            for (var e : mdc.entrySet()) {
                if (written.add(e.getKey())) g.writeStringField(e.getKey(), e.getValue());
            }
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                g.writeStringField("error", Secrets.mask(thrown.getClassName() + ": " + thrown.getMessage()));
                g.writeStringField("stack", Secrets.mask(ThrowableProxyUtil.asString(thrown)));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.append('\n').toString();
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case Boolean b -> g.writeBoolean(b);
            default -> g.writeString(Secrets.mask(v.toString()));
        }
    }
}
