package io.stellarchat.server.gateway.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.FinishReason;
import io.stellarchat.server.protocol.ToolCallDelta;
import io.stellarchat.server.protocol.Usage;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic Messages stream events → {@link ChatEvent}s of choice 0.
 *
 * <ul>
 *   <li>{@code message_start}: {@code message.usage} input tokens, {@code cache_read_input_tokens},
 *       {@code cache_creation_input_tokens}.</li>
 *   <li>{@code content_block_start}: a {@code text} or {@code thinking} block's initial text; a {@code tool_use}
 *       block becomes the first {@link ToolCallDelta} of a call (id and name), numbered by tool block order.</li>
 *   <li>{@code content_block_delta}: {@code text_delta} → content, {@code thinking_delta} → reasoning,
 *       {@code input_json_delta} → argument text of the block's call; {@code signature_delta} is dropped.</li>
 *   <li>{@code message_delta}: {@code stop_reason} → {@link ChatEvent.ChoiceEnd}; {@code usage.output_tokens}.</li>
 *   <li>{@code message_stop} → {@link ChatEvent.Done}; {@code ping} and unknown events are ignored;
 *       {@code error} fails the stream.</li>
 * </ul>
 * Usage: prompt tokens = input + cache read + cache creation (Anthropic counts them apart), cached = cache read.
 */
final class AnthropicEvents implements StreamTranslator {
    private final String provider;
    private final Map<Integer, Integer> toolOfBlock = new HashMap<>();
    private int tools;
    private int inputTokens;
    private int cacheRead;
    private int cacheCreation;
    private int outputTokens;
    private boolean ended;

    AnthropicEvents(String provider) {
        this.provider = provider;
    }

    @Override
    public boolean accept(SseReader.Event event, Sink out) throws InterruptedException {
        JsonNode e;
        try {
            e = RemoteJson.MAPPER.readTree(event.data());
        } catch (IOException ex) {
            throw UpstreamErrors.badResponse(provider, "an event that is not JSON");
        }
        if (e == null || !e.isObject()) throw UpstreamErrors.badResponse(provider, "an event that is not an object");
        String type = RemoteJson.text(e, "type");
        if (type == null) type = event.name();
        if (ended && (type.equals("content_block_start") || type.equals("content_block_delta"))) {
            return false; // nothing of the message counts after its stop reason (as OpenAiChunks does for a choice)
        }
        switch (type) {
            case "message_start" -> usage(e.path("message").path("usage"));
            case "content_block_start" -> {
                int block = RemoteJson.integer(e, "index", 0);
                JsonNode b = e.path("content_block");
                switch (String.valueOf(RemoteJson.text(b, "type"))) {
                    case "text" -> emit(out, orEmpty(RemoteJson.text(b, "text")), "");
                    case "thinking" -> emit(out, "", orEmpty(RemoteJson.text(b, "thinking")));
                    case "tool_use" -> {
                        int tool = tools++;
                        toolOfBlock.put(block, tool);
                        out.emit(new ChatEvent.Delta(0, "", "", List.of(new ToolCallDelta(tool,
                                RemoteJson.text(b, "id"), orEmpty(RemoteJson.text(b, "name")), "")), List.of()));
                    }
                    default -> { } // redacted_thinking, server tools: nothing for the client
                }
            }
            case "content_block_delta" -> {
                JsonNode d = e.path("delta");
                switch (String.valueOf(RemoteJson.text(d, "type"))) {
                    case "text_delta" -> emit(out, orEmpty(RemoteJson.text(d, "text")), "");
                    case "thinking_delta" -> emit(out, "", orEmpty(RemoteJson.text(d, "thinking")));
                    case "input_json_delta" -> {
                        Integer tool = toolOfBlock.get(RemoteJson.integer(e, "index", 0));
                        String json = orEmpty(RemoteJson.text(d, "partial_json"));
                        if (tool == null) throw UpstreamErrors.badResponse(provider, "input_json_delta outside a tool_use block");
                        if (!json.isEmpty()) {
                            out.emit(new ChatEvent.Delta(0, "", "", List.of(new ToolCallDelta(tool, null, null, json)),
                                    List.of()));
                        }
                    }
                    default -> { } // signature_delta and later kinds
                }
            }
            case "message_delta" -> {
                usage(e.path("usage"));
                String stop = RemoteJson.text(e.path("delta"), "stop_reason");
                if (stop != null && !ended) {
                    ended = true;
                    out.emit(new ChatEvent.ChoiceEnd(0, stopReason(stop)));
                }
            }
            case "message_stop" -> {
                if (!ended) throw UpstreamErrors.streamBroken(provider, "stopped the message without a stop reason");
                out.emit(new ChatEvent.Done(new Usage(inputTokens + cacheRead + cacheCreation, outputTokens, cacheRead,
                        0, null)));
                return true;
            }
            case "error" -> throw UpstreamErrors.inStream(provider, e);
            default -> { } // ping, content_block_stop, and event types added later
        }
        return false;
    }

    @Override
    public String incomplete() {
        return ended ? "ended the stream before message_stop" : "ended the stream before the message ended";
    }

    /** Counts are cumulative; a later event repeats or raises them. */
    private void usage(JsonNode u) {
        if (!u.isObject()) return;
        inputTokens = Math.max(inputTokens, RemoteJson.integer(u, "input_tokens", 0));
        cacheRead = Math.max(cacheRead, RemoteJson.integer(u, "cache_read_input_tokens", 0));
        cacheCreation = Math.max(cacheCreation, RemoteJson.integer(u, "cache_creation_input_tokens", 0));
        outputTokens = Math.max(outputTokens, RemoteJson.integer(u, "output_tokens", 0));
    }

    private static void emit(StreamTranslator.Sink out, String content, String reasoning) throws InterruptedException {
        if (!content.isEmpty() || !reasoning.isEmpty()) out.emit(new ChatEvent.Delta(0, content, reasoning, List.of(), List.of()));
    }

    static FinishReason stopReason(String reason) {
        return switch (reason) {
            case "end_turn", "stop_sequence", "pause_turn" -> FinishReason.STOP;
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.ERROR;
        };
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
