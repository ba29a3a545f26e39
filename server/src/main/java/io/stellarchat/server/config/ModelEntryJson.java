package io.stellarchat.server.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Locale;

/**
 * A model entry as JSON in the shape of a {@code models.list} entry of the YAML file (snake_case keys, durations
 * as {@code 100ms}/{@code 2s}), which {@link ModelListReader#readOne} reads back: what the admin API shows and
 * what the model catalog stores.
 */
public final class ModelEntryJson {
    private ModelEntryJson() {}

    public static ObjectNode write(ModelEntry m) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("id", m.id());
        if (m.isLocal()) {
            o.put("path", m.path().toString());
        }
        if (!m.aliases().isEmpty()) {
            ArrayNode a = o.putArray("aliases");
            m.aliases().forEach(a::add);
        }
        if (m.contextLength() > 0) {
            o.put("context_length", m.contextLength());
        }
        if (!m.isLocal()) {
            ArrayNode ups = o.putArray("upstreams");
            for (ModelEntry.Upstream u : m.upstreams()) {
                ObjectNode x = ups.addObject();
                x.put("provider", u.provider());
                x.put("model", u.model());
                x.put("weight", u.weight());
            }
            o.put("routing", m.routing().name().toLowerCase(Locale.ROOT));
            ObjectNode r = o.putObject("retries");
            r.put("max", m.retries().max());
            r.put("backoff", duration(m.retries().backoff()));
            r.put("max_backoff", duration(m.retries().maxBackoff()));
            if (m.retries().resumeStreams()) r.put("resume_streams", true);
        }
        ArrayNode fb = o.putArray("fallbacks");
        m.fallbacks().forEach(fb::add);
        if (!m.contextFallbacks().isEmpty()) {
            ArrayNode cf = o.putArray("context_fallbacks");
            m.contextFallbacks().forEach(cf::add);
        }
        return o;
    }

    /** A duration as the configuration writes it: whole milliseconds ({@code 100ms}) or seconds ({@code 2s}). */
    static String duration(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
