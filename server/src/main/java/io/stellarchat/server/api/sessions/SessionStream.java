package io.stellarchat.server.api.sessions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.stellarchat.server.api.WireJson;
import io.stellarchat.server.conversation.SessionTurns;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Usage;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.stream.SseWriter;
import io.stellarchat.server.chat.ChatMessage;
import java.io.UncheckedIOException;

/**
 * A session turn streamed as OpenAI chat-completion chunks (same framing as {@code /v1/chat/completions}):
 * the chunk id is the reply's message id; the last chunk carries {@code finish_reason} and, as extras,
 * {@code message_id} and {@code truncated_messages}; then a usage chunk ({@code choices: []}) and
 * {@code [DONE]}. A client that goes away cancels the generation; the partial reply is stored as
 * {@code cancelled}.
 */
final class SessionStream {
    private final Context ctx;
    private final ObjectMapper json;
    private final SessionJson shapes;
    private final String model;

    SessionStream(Context ctx, ObjectMapper json, SessionJson shapes, String model) {
        this.ctx = ctx;
        this.json = json;
        this.shapes = shapes;
        this.model = model;
    }

    void run(SessionTurns turns, String owner, String sessionId, SessionTurns.Input content, GenerationParams overrides,
             SessionTurns.Control control, SessionTurns.Gate gate) {
        SseWriter[] sse = new SseWriter[1];
        String[] id = new String[1];
        long created = System.currentTimeMillis() / 1000;
        try {
            turns.run(owner, sessionId, content, overrides, control, gate, new SessionTurns.Listener() {
                @Override
                public void onStart(ChatMessage user, ChatMessage reply, int truncated) {
                    id[0] = reply.id();
                    try {
                        sse[0] = new SseWriter(ctx);
                    } catch (SseWriter.ClientGoneException e) {
                        control.clientGone();
                        return;
                    }
                    ObjectNode delta = json.createObjectNode();
                    delta.put("role", "assistant");
                    delta.put("content", "");
                    send(chunk(id[0], created, delta, null));
                }

                @Override
                public void onDelta(String text) {
                    ObjectNode delta = json.createObjectNode();
                    delta.put("content", text);
                    send(chunk(id[0], created, delta, null));
                }

                @Override
                public void onToolCall(int index, io.stellarchat.server.protocol.ToolCall call) {
                    ObjectNode delta = json.createObjectNode();
                    ObjectNode c = delta.putArray("tool_calls").addObject();
                    c.put("index", index);
                    c.put("id", call.id());
                    c.put("type", "function");
                    c.putObject("function").put("name", call.name()).put("arguments", call.arguments());
                    send(chunk(id[0], created, delta, null));
                }

                @Override
                public void onEnd(ChatMessage reply, Usage usage, int truncated) {
                    ObjectNode last = chunk(id[0], created, json.createObjectNode(),
                            reply.finishReason() == null ? "stop" : WireJson.finishReason(reply.finishReason()));
                    last.put("message_id", reply.id());
                    last.put("truncated_messages", truncated);
                    send(last);
                    ObjectNode u = json.createObjectNode();
                    u.put("id", id[0]);
                    u.put("object", "chat.completion.chunk");
                    u.put("created", created);
                    u.put("model", model);
                    u.putArray("choices");
                    u.set("usage", WireJson.usage(json, usage));
                    send(u);
                    if (sse[0] != null) {
                        try {
                            sse[0].done();
                        } catch (SseWriter.ClientGoneException e) {
                            // the reply is stored; nothing more to tell
                        }
                    }
                }

                @Override
                public void onIdle() {
                    if (sse[0] != null) {
                        try {
                            sse[0].keepAlive();
                        } catch (SseWriter.ClientGoneException e) {
                            control.clientGone();
                        }
                    }
                }

                private void send(ObjectNode chunk) {
                    if (sse[0] == null) {
                        return;
                    }
                    try {
                        sse[0].data(chunk.toString());
                    } catch (SseWriter.ClientGoneException e) {
                        control.clientGone();
                        sse[0] = null;
                    }
                }
            });
        } catch (ApiException | io.stellarchat.server.protocol.ProviderException e) {
            if (sse[0] == null) {
                throw e; // nothing sent yet: an ordinary error response
            }
            try {
                sse[0].data(WireJson.error(json, ApiException.of(e)).toString());
            } catch (SseWriter.ClientGoneException ignored) {
                // gone
            }
        } catch (UncheckedIOException e) {
            control.clientGone();
        }
    }


    private ObjectNode chunk(String id, long created, ObjectNode delta, String finish) {
        ObjectNode c = json.createObjectNode();
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        ObjectNode ch = c.putArray("choices").addObject();
        ch.put("index", 0);
        ch.set("delta", delta);
        if (finish == null) {
            ch.putNull("finish_reason");
        } else {
            ch.put("finish_reason", finish);
        }
        return c;
    }
}
