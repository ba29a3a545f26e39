package io.stellarchat.server.api.anthropic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stellarchat.server.api.stream.AnswerReader;
import io.stellarchat.server.api.stream.SseWriter;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ToolCallDelta;
import io.stellarchat.server.protocol.Usage;

/**
 * One answer as Anthropic's stream of named events:
 *
 * <pre>
 * message_start → ping → (content_block_start → content_block_delta* → content_block_stop)* → message_delta → message_stop
 * </pre>
 *
 * A delta's reasoning goes to a {@code thinking} block ({@code thinking_delta}), its text to a {@code text} block
 * ({@code text_delta}), each tool call to its own {@code tool_use} block ({@code input_json_delta} carrying the
 * argument text as the model writes it). A block stays open while the same kind goes on and is stopped when
 * another kind (or another call) begins, so blocks never interleave; {@code ping} is sent while the model is
 * silent for the keep-alive interval. {@code message_delta} carries the stop reason and the whole usage
 * (input tokens included, which {@code message_start} could only estimate before the prompt was read).
 *
 * <p>States: NO_BLOCK ⇄ IN_BLOCK(kind, tool index) until the choice ends, then ENDED (every later delta is
 * ignored). Threads: owned by the request thread that reads the answer; not shared.
 */
final class MessageEvents implements AnswerReader.Sink {
    private enum Kind { TEXT, THINKING, TOOL }

    /** Where the named events go: an {@link SseWriter} in service ({@code sse::event}), a list in tests. */
    @FunctionalInterface
    interface Out {
        void event(String name, String json) throws SseWriter.ClientGoneException;
    }

    private final Out sse;
    private final ObjectMapper json;
    private Kind open;          // null: no block open
    private int openTool = -1;  // the call index of the open tool_use block
    private int blocks;         // blocks started so far; the open one is blocks - 1
    private String stopReason = "end_turn";
    private boolean ended;

    MessageEvents(Out sse, ObjectMapper json) {
        this.sse = sse;
        this.json = json;
    }

    /** {@code message_start} with the empty message, and a first {@code ping}, as Anthropic begins. */
    void start(String id, String model, Usage estimate) throws SseWriter.ClientGoneException {
        ObjectNode e = event("message_start");
        e.set("message", MessageJson.envelope(json, id, model, null, estimate));
        send("message_start", e);
        send("ping", event("ping"));
    }

    @Override
    public void event(ChatEvent e) throws SseWriter.ClientGoneException {
        switch (e) {
            case ChatEvent.Delta d when d.index() == 0 && !ended -> {
                if (!d.reasoning().isEmpty()) {
                    open(Kind.THINKING, -1, null, null);
                    delta("thinking_delta", "thinking", d.reasoning());
                }
                if (!d.content().isEmpty()) {
                    open(Kind.TEXT, -1, null, null);
                    delta("text_delta", "text", d.content());
                }
                for (ToolCallDelta t : d.toolCalls()) {
                    open(Kind.TOOL, t.index(), t.id(), t.name());
                    if (t.arguments() != null && !t.arguments().isEmpty()) delta("input_json_delta", "partial_json", t.arguments());
                }
            }
            case ChatEvent.Delta ignored -> { } // other choices (n is 1 here) or text after the end
            case ChatEvent.ChoiceEnd end when end.index() == 0 && !ended -> {
                close();
                stopReason = MessageJson.stopReason(end.reason());
                ended = true;
            }
            case ChatEvent.ChoiceEnd ignored -> { }
            case ChatEvent.Done done -> {
                close();
                ObjectNode m = event("message_delta");
                m.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
                m.set("usage", MessageJson.usage(json, done.usage()));
                send("message_delta", m);
                send("message_stop", event("message_stop"));
            }
        }
    }

    @Override
    public void idle() throws SseWriter.ClientGoneException {
        send("ping", event("ping"));
    }

    /** Makes a block of {@code kind} (for a tool, of call {@code tool}) the open one, starting it if needed. */
    private void open(Kind kind, int tool, String id, String name) throws SseWriter.ClientGoneException {
        if (open == kind && (kind != Kind.TOOL || tool == openTool)) return;
        close();
        ObjectNode block = switch (kind) {
            case TEXT -> json.createObjectNode().put("type", "text").put("text", "");
            case THINKING -> MessageJson.thinkingBlock(json, "");
            case TOOL -> MessageJson.toolUseBlock(json, MessageJson.toolUseId(id != null ? id : "call_" + tool),
                    name != null ? name : "", json.createObjectNode());
        };
        ObjectNode e = event("content_block_start");
        e.put("index", blocks);
        e.set("content_block", block);
        send("content_block_start", e);
        open = kind;
        openTool = tool;
        blocks++;
    }

    private void delta(String type, String field, String text) throws SseWriter.ClientGoneException {
        ObjectNode e = event("content_block_delta");
        e.put("index", blocks - 1);
        e.putObject("delta").put("type", type).put(field, text);
        send("content_block_delta", e);
    }

    private void close() throws SseWriter.ClientGoneException {
        if (open == null) return;
        ObjectNode e = event("content_block_stop");
        e.put("index", blocks - 1);
        send("content_block_stop", e);
        open = null;
        openTool = -1;
    }

    private ObjectNode event(String type) {
        return json.createObjectNode().put("type", type);
    }

    private void send(String name, ObjectNode e) throws SseWriter.ClientGoneException {
        sse.event(name, e.toString());
    }
}
