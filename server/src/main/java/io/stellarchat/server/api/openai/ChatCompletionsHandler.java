package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.limits.Reservation;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.api.GenerationFields;
import io.stellarchat.server.api.WireJson;
import io.stellarchat.server.api.stream.AnswerReader;
import io.stellarchat.server.api.stream.SseWriter;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ToolCall;
import io.stellarchat.server.protocol.ToolCallDelta;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /v1/chat/completions}: reads the request into a {@link ChatRequest}, has the gateway answer it, and
 * writes a {@code chat.completion} object or {@code chat.completion.chunk} events. Fields this server does not
 * interpret are passed on to OpenAI-compatible upstreams ({@code ChatRequest.extra}).
 */
final class ChatCompletionsHandler {
    /** Request fields read here; every other field travels on as an extra. */
    private static final Set<String> READ = union(GenerationFields.NAMES,
            Set.of("model", "messages", "tools", "tool_choice", "response_format", "user"));

    private final Gateway gateway;
    private final Admission admission;
    private final ObjectMapper json;
    private final AnswerReader reader;

    ChatCompletionsHandler(Gateway gateway, Admission admission, ObjectMapper json, AnswerReader reader) {
        this.gateway = gateway;
        this.admission = admission;
        this.json = json;
        this.reader = reader;
    }

    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }

    /** The request fields not in {@code read}, to pass on. */
    static ObjectNode extras(JsonNode req, Set<String> read) {
        ObjectNode extra = ((ObjectNode) req).deepCopy();
        extra.remove(read);
        return extra;
    }

    void handle(Context ctx, JsonNode req) {
        String model = Fields.requiredString(req, "model");
        var messages = ChatMessages.parse(req);
        var tools = ChatMessages.tools(req);
        GenerationFields gen = GenerationFields.parse(req, true);
        JsonNode toolChoice = Fields.present(req, "tool_choice");
        JsonNode responseFormat = Fields.present(req, "response_format");
        if (responseFormat != null && !responseFormat.isObject()) {
            throw Fields.wrongType("response_format", responseFormat, "an object");
        }
        Caller caller = Authentication.caller(ctx);
        ModelInfo info = admission.model(caller, model, "model");
        ChatRequest request = new ChatRequest(model, messages, gen.params(), tools, toolChoice, responseFormat,
                gen.stream(), gen.includeUsage(), extras(req, READ));
        Reservation reservation = admission.reserve(ctx, caller, info.id(),
                () -> Admission.budget(info, gateway.promptTokens(info.id(), messages), gen.params()));
        Admission.CachePlan plan = admission.cachePlan(ctx, caller, info, req, gen.params());
        ChatStream stream = admission.call(Admission.site(ctx, null, "chat", caller, info.id(), gen.stream(), messages),
                reservation, () -> admission.cached(ctx, plan, () -> gateway.chat(request, !request.stream())));
        ctx.header(OpenAiRoutes.UPSTREAM_HEADER, stream.upstream());
        if (!stream.warnings().isEmpty()) ctx.header(OpenAiRoutes.WARNING_HEADER, String.join("; ", stream.warnings()));
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        if (!gen.stream()) {
            ctx.json(completion(reader.collect(ctx, stream), id, created, gen.params().logprobs()));
            return;
        }
        streamChat(ctx, stream, id, created, gen);
    }

    private ObjectNode completion(ChatCompletion answer, String id, long created, boolean logprobs) {
        ObjectNode root = OpenAiChunks.envelope(json, id, "chat.completion", created, answer.model());
        ArrayNode arr = root.putArray("choices");
        for (ChatCompletion.Choice c : answer.choices()) {
            ObjectNode ch = arr.addObject();
            ch.put("index", c.index());
            ObjectNode msg = ch.putObject("message");
            msg.put("role", "assistant");
            if (c.content().isEmpty() && !c.toolCalls().isEmpty()) {
                msg.putNull("content");
            } else {
                msg.put("content", c.content());
            }
            if (!c.reasoning().isEmpty()) {
                msg.put("reasoning_content", c.reasoning());
            }
            if (!c.toolCalls().isEmpty()) {
                ArrayNode calls = msg.putArray("tool_calls");
                for (ToolCall t : c.toolCalls()) {
                    ObjectNode o = calls.addObject();
                    o.put("id", t.id());
                    o.put("type", "function");
                    ObjectNode fn = o.putObject("function");
                    fn.put("name", t.name());
                    fn.put("arguments", t.arguments());
                }
            }
            msg.putNull("refusal");
            if (logprobs) {
                ch.set("logprobs", OpenAiChunks.chatLogprobs(json, c.logprobs()));
            } else {
                ch.putNull("logprobs");
            }
            ch.put("finish_reason", WireJson.finishReason(c.finish()));
        }
        root.set("usage", WireJson.usage(json, answer.usage()));
        return root;
    }

    private void streamChat(Context ctx, ChatStream stream, String id, long created, GenerationFields gen) {
        boolean includeUsage = gen.includeUsage();
        Set<Integer> started = new HashSet<>();
        reader.streamSse(ctx, stream, json, "chat completion", sse -> new AnswerReader.Sink() {
                @Override
                public void event(ChatEvent e) throws SseWriter.ClientGoneException {
                    switch (e) {
                        case ChatEvent.Delta d -> {
                            start(d.index());
                            boolean any = !d.content().isEmpty() || !d.reasoning().isEmpty() || !d.toolCalls().isEmpty()
                                    || !d.logprobs().isEmpty();
                            if (!any) {
                                return;
                            }
                            ObjectNode delta = json.createObjectNode();
                            if (!d.content().isEmpty() || d.toolCalls().isEmpty() && d.reasoning().isEmpty()) {
                                delta.put("content", d.content());
                            }
                            if (!d.reasoning().isEmpty()) {
                                delta.put("reasoning_content", d.reasoning());
                            }
                            if (!d.toolCalls().isEmpty()) {
                                ArrayNode calls = delta.putArray("tool_calls");
                                for (ToolCallDelta t : d.toolCalls()) {
                                    ObjectNode o = calls.addObject();
                                    o.put("index", t.index());
                                    if (t.id() != null) {
                                        o.put("id", t.id());
                                        o.put("type", "function");
                                    }
                                    ObjectNode fn = o.putObject("function");
                                    if (t.name() != null) {
                                        fn.put("name", t.name());
                                    }
                                    fn.put("arguments", t.arguments() == null ? "" : t.arguments());
                                }
                            }
                            ObjectNode lp = d.logprobs().isEmpty() ? null : OpenAiChunks.chatLogprobs(json, d.logprobs());
                            sse.data(chunk(d.index(), delta, lp, null).toString());
                        }
                        case ChatEvent.ChoiceEnd end -> {
                            start(end.index());
                            sse.data(chunk(end.index(), json.createObjectNode(), null,
                                    WireJson.finishReason(end.reason())).toString());
                        }
                        case ChatEvent.Done done -> OpenAiChunks.end(json, sse,
                                OpenAiChunks.envelope(json, id, "chat.completion.chunk", created, stream.model()), done.usage(), includeUsage);
                    }
                }

                /** The first chunk of each choice names the role. */
                private void start(int index) throws SseWriter.ClientGoneException {
                    if (started.add(index)) {
                        ObjectNode delta = json.createObjectNode();
                        delta.put("role", "assistant");
                        delta.put("content", "");
                        sse.data(chunk(index, delta, null, null).toString());
                    }
                }

                @Override
                public void idle() throws SseWriter.ClientGoneException {
                    sse.keepAlive();
                }

                private ObjectNode chunk(int index, ObjectNode delta, ObjectNode logprobs, String finish) {
                    ObjectNode c = OpenAiChunks.envelope(json, id, "chat.completion.chunk", created, stream.model());
                    ObjectNode ch = c.putArray("choices").addObject();
                    ch.put("index", index);
                    ch.set("delta", delta);
                    OpenAiChunks.choiceTail(c, ch, logprobs, finish, includeUsage);
                    return c;
                }
            });
    }
}
