package io.stellarchat.server.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.ToolCallDelta;
import io.stellarchat.server.protocol.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response cache: whole answers to deterministic requests, kept as the sequence of {@link ChatEvent}s the
 * model produced, so a hit replays exactly what a live answer would have sent — streamed as the same deltas,
 * or collected into the same object (the API gives it fresh ids).
 *
 * <p>Which requests may use it (temperature 0 or a seed, one choice, no tools unless asked, no logprobs) is the
 * API's decision; this class only keys, records and replays. An answer is stored only when every choice ended
 * normally ({@code stop}, {@code length}, {@code tool_calls}); a failed, cancelled or cut answer is not.
 *
 * <p>Threads: {@link #record} wraps a stream read by one consumer thread; storing happens on that thread
 * when it reads {@link ChatEvent.Done}.
 */
public final class ResponseCache {
    private static final Logger log = LoggerFactory.getLogger(ResponseCache.class);
    static final String NAME = "responses";
    private final CacheTiers tiers;
    private final ObjectMapper json;

    public ResponseCache(CacheTiers tiers, ObjectMapper json) {
        this.tiers = tiers;
        this.json = json;
    }

    /**
     * The cache key of a request: SHA-256 over the model id, its version and the normalised request.
     *
     * @param model      the model's canonical id
     * @param version    what identifies its weights or upstreams ({@code Gateway.modelVersion})
     * @param normalised the request in a canonical form (sorted fields, transport-only fields removed)
     */
    public static String key(String model, String version, String normalised) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {model, version, normalised}) {
                d.update(part.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    /** A replay of the answer cached under {@code key}, if there is one. */
    public Optional<ChatStream> lookup(String key) {
        Optional<byte[]> hit = tiers.get(NAME, key);
        if (hit.isEmpty()) return Optional.empty();
        try {
            return Optional.of(decode(hit.get()));
        } catch (IOException | RuntimeException e) {
            log.warn("unreadable response cache entry; answering live: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code live}, storing its events under {@code key} when it ends normally. */
    public ChatStream record(String key, ChatStream live) {
        return new Recording(live, key);
    }

    private final class Recording extends io.stellarchat.server.protocol.ForwardingChatStream {
        private final ChatStream live;
        private final String key;
        private final List<ChatEvent> events = new ArrayList<>();
        private boolean clean = true;

        Recording(ChatStream live, String key) {
            super(live);
            this.live = live;
            this.key = key;
        }

        @Override
        public ChatEvent next(Duration timeout) throws InterruptedException {
            ChatEvent e = live.next(timeout);
            if (e == null || !clean) return e;
            events.add(e);
            switch (e) {
                case ChatEvent.Delta d -> clean = d.logprobs().isEmpty();
                case ChatEvent.ChoiceEnd end -> clean = end.reason() == FinishReason.STOP
                        || end.reason() == FinishReason.LENGTH || end.reason() == FinishReason.TOOL_CALLS;
                case ChatEvent.Done done -> store(done);
            }
            return e;
        }

        private void store(ChatEvent.Done done) {
            try {
                tiers.put(NAME, key, encode(live.model(), live.upstream(), events));
            } catch (RuntimeException e) {
                log.warn("could not cache an answer: {}", e.getMessage());
            }
        }

        @Override
        public void cancel() {
            clean = false;
            live.cancel();
        }
    }

    byte[] encode(String model, String upstream, List<ChatEvent> events) {
        ObjectNode root = json.createObjectNode();
        root.put("model", model);
        root.put("upstream", upstream);
        ArrayNode arr = root.putArray("events");
        for (ChatEvent e : events) {
            ObjectNode o = arr.addObject();
            switch (e) {
                case ChatEvent.Delta d -> {
                    o.put("i", d.index());
                    if (!d.content().isEmpty()) o.put("c", d.content());
                    if (!d.reasoning().isEmpty()) o.put("r", d.reasoning());
                    if (!d.toolCalls().isEmpty()) {
                        ArrayNode t = o.putArray("t");
                        for (ToolCallDelta tc : d.toolCalls()) {
                            ObjectNode x = t.addObject();
                            x.put("index", tc.index());
                            if (tc.id() != null) x.put("id", tc.id());
                            if (tc.name() != null) x.put("name", tc.name());
                            if (tc.arguments() != null) x.put("arguments", tc.arguments());
                        }
                    }
                }
                case ChatEvent.ChoiceEnd end -> {
                    o.put("i", end.index());
                    o.put("end", end.reason().name());
                }
                case ChatEvent.Done done -> {
                    Usage u = done.usage();
                    o.putArray("usage").add(u.promptTokens()).add(u.completionTokens()).add(u.cachedTokens())
                            .add(u.reasoningTokens());
                }
            }
        }
        try {
            return json.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    ChatStream decode(byte[] bytes) throws IOException {
        JsonNode root = json.readTree(bytes);
        List<ChatEvent> events = new ArrayList<>();
        for (JsonNode o : root.get("events")) {
            if (o.has("usage")) {
                JsonNode u = o.get("usage");
                events.add(new ChatEvent.Done(new Usage(u.get(0).asInt(), u.get(1).asInt(), u.get(2).asInt(), u.get(3).asInt(), null)));
            } else if (o.has("end")) {
                events.add(new ChatEvent.ChoiceEnd(o.get("i").asInt(), FinishReason.valueOf(o.get("end").asText())));
            } else {
                List<ToolCallDelta> calls = new ArrayList<>();
                if (o.has("t")) {
                    for (JsonNode x : o.get("t")) {
                        calls.add(new ToolCallDelta(x.get("index").asInt(), text(x, "id"), text(x, "name"), text(x, "arguments")));
                    }
                }
                events.add(new ChatEvent.Delta(o.get("i").asInt(), o.path("c").asText(""), o.path("r").asText(""), calls,
                        List.of()));
            }
        }
        if (events.isEmpty() || !(events.getLast() instanceof ChatEvent.Done)) throw new IOException("entry has no end");
        return new Replay(root.get("model").asText(), root.get("upstream").asText(), events);
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** A cached answer played back: every event at once, in order. */
    private static final class Replay implements ChatStream {
        private final String model;
        private final String upstream;
        private final List<ChatEvent> events;
        private int at;
        private volatile boolean cancelled;

        Replay(String model, String upstream, List<ChatEvent> events) {
            this.model = model;
            this.upstream = upstream;
            this.events = events;
        }

        @Override
        public ChatEvent next(Duration timeout) {
            if (cancelled && at < events.size() - 1) {
                at = events.size();
                return new ChatEvent.Done(Usage.NONE);
            }
            return events.get(at++);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public String model() {
            return model;
        }

        @Override
        public String upstream() {
            return upstream;
        }
    }
}
