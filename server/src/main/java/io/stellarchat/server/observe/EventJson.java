package io.stellarchat.server.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Map;

/**
 * The JSON form of an event, the same in every sink that writes JSON: {@code event_id}, {@code type}, {@code ts}
 * (ISO-8601 UTC), {@code trace_id}, {@code request_id}, {@code owner}, {@code key_id} (empty ones left out), then
 * {@code data}.
 */
public final class EventJson {
    private static final JsonFactory JSON = new JsonFactory();

    private EventJson() {}

    /** One line of compact JSON, without the newline. */
    public static String of(TelemetryEvent e) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("event_id", e.id());
            g.writeStringField("type", e.type());
            g.writeStringField("ts", e.ts().toString());
            if (!e.traceId().isEmpty()) g.writeStringField("trace_id", e.traceId());
            if (!e.requestId().isEmpty()) g.writeStringField("request_id", e.requestId());
            if (!e.owner().isEmpty()) g.writeStringField("owner", e.owner());
            if (!e.keyId().isEmpty()) g.writeStringField("key_id", e.keyId());
            g.writeFieldName("data");
            value(g, e.data());
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // a StringWriter does not fail
        }
        return out.toString();
    }

    static void value(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case Boolean b -> g.writeBoolean(b);
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (var en : m.entrySet()) {
                    g.writeFieldName(String.valueOf(en.getKey()));
                    value(g, en.getValue());
                }
                g.writeEndObject();
            }
            case Collection<?> c -> {
                g.writeStartArray();
                for (Object o : c) value(g, o);
                g.writeEndArray();
            }
            default -> g.writeString(v.toString());
        }
    }
}
