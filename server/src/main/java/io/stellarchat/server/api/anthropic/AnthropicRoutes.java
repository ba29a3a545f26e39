package io.stellarchat.server.api.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.api.ErrorDialect;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.api.stream.AnswerReader;
import io.stellarchat.server.api.stream.SseWriter;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.limits.Reservation;
import io.stellarchat.server.protocol.ChatCompletion;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ModelInfo;
import io.stellarchat.server.protocol.Tool;
import io.stellarchat.server.protocol.Usage;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anthropic's Messages API over the gateway: {@code POST /v1/messages} and {@code POST /v1/messages/count_tokens}.
 * Clients authenticate with {@code x-api-key} (or a bearer token) and send {@code anthropic-version}, which is
 * accepted whatever its value (the shapes served are those of {@code 2023-06-01}, the only version). Requests are
 * read by {@link MessagesRequest}; answers are a {@code message} object or the named events of
 * {@link MessageEvents}; every failure under {@code /v1/messages} has Anthropic's error shape
 * ({@link AnthropicErrors}, also for the 401 of {@link Authentication}).
 *
 * <p>Model visibility, rate-limit reservation and the response cache are {@link Admission}'s, exactly as for
 * OpenAI's chat completions; the reservation is settled when the answer ends.
 *
 * <p>Threads: stateless apart from its collaborators; each request runs on its own virtual thread.
 */
public final class AnthropicRoutes implements RouteGroup {
    private static final Logger log = LoggerFactory.getLogger(AnthropicRoutes.class);
    private static final AnthropicErrors ERRORS = new AnthropicErrors();

    private final Gateway gateway;
    private final Admission admission;
    private final ObjectMapper json;
    private final JsonBodyReader body;
    private final AnswerReader reader;

    /**
     * @param admission model visibility, rate limits and caches around every model call
     * @param keepAlive how long a stream may be silent before a {@code ping} event
     */
    public AnthropicRoutes(Gateway gateway, Admission admission, ObjectMapper json, long maxBodyBytes, Duration keepAlive) {
        this.gateway = gateway;
        this.admission = admission;
        this.json = json;
        this.body = new JsonBodyReader(json, maxBodyBytes);
        this.reader = new AnswerReader(keepAlive);
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.post("/v1/messages", this::messages);
        routes.post("/v1/messages/count_tokens", this::countTokens);
    }

    @Override
    public ErrorDialect errors() {
        return ERRORS;
    }

    private void messages(Context ctx) {
        JsonNode req = object(ctx);
        MessagesRequest parsed = MessagesRequest.parse(req, false);
        ChatRequest request = parsed.chat();
        Caller caller = Authentication.caller(ctx);
        ModelInfo info = admission.model(caller, request.model(), "model");
        Reservation reservation = admission.reserve(ctx, caller, info.id(), () -> Admission.budget(info,
                gateway.promptTokens(info.id(), request.messages()), request.params()));
        Admission.CachePlan plan = admission.cachePlan(ctx, caller, info, req, request.params());
        ChatStream stream = admission.call(Admission.site(ctx, null, "chat", caller, info.id(), request.stream(),
                request.messages()), reservation, () -> admission.cached(ctx, plan, () -> gateway.chat(request, !request.stream())));
        String id = MessageJson.messageId();
        if (!request.stream()) {
            ChatCompletion answer;
            try {
                answer = reader.collect(ctx, stream);
            } catch (AnswerReader.ClientGone e) {
                log.info("client disconnected before the message was ready; generation cancelled");
                return;
            }
            if (answer.choices().isEmpty()) {
                throw new ApiException(502, ErrorType.SERVER, null, null,
                        "The model ended its answer without a message.");
            }
            ctx.json(MessageJson.message(json, id, answer));
            return;
        }
        stream(ctx, stream, id, estimate(info, request));
    }

    /**
     * Streams the answer; a failure after the stream began ends it with Anthropic's {@code error} event (and no
     * {@code message_stop}, so the client sees it cut). A client that leaves cancels the generation.
     */
    private void stream(Context ctx, ChatStream stream, String id, Usage estimate) {
        stream = reader.awaitFirstEvent(ctx, stream); // a refusal before the first event is a plain 429/503
        if (stream == null) return;
        SseWriter sse;
        try {
            sse = new SseWriter(ctx);
        } catch (SseWriter.ClientGoneException e) {
            stream.cancel();
            return;
        }
        try {
            MessageEvents events = new MessageEvents(sse::event, json);
            events.start(id, stream.model(), estimate);
            reader.stream(stream, events);
        } catch (SseWriter.ClientGoneException e) {
            stream.cancel();
            log.info("client disconnected during a streamed message; generation cancelled");
        } catch (RuntimeException e) {
            stream.cancel();
            ApiException a = ApiException.of(e);
            if (a.status() >= 500) log.warn("streamed message failed: {} {}", a.code(), a.getMessage());
            try {
                sse.event("error", AnthropicErrors.of(json, a).toString());
            } catch (SseWriter.ClientGoneException ignored) {
                // nothing more to tell a client that is gone
            }
        }
    }

    /** The usage {@code message_start} announces: the prompt's tokens (exact for a local model), nothing generated. */
    private Usage estimate(ModelInfo info, ChatRequest request) {
        try {
            return new Usage(gateway.promptTokens(info.id(), request.messages()), 0, 0, 0, null);
        } catch (RuntimeException e) {
            return Usage.NONE; // message_delta carries the real count
        }
    }

    /**
     * {@code POST /v1/messages/count_tokens}: {@code {"input_tokens": n}} — the rendered prompt's tokens for a
     * local model (tools included, as its template writes them), an estimate for a remote one.
     */
    private void countTokens(Context ctx) {
        JsonNode req = object(ctx);
        ChatRequest request = MessagesRequest.parse(req, true).chat();
        ModelInfo info = admission.model(Authentication.caller(ctx), request.model(), "model");
        int tokens;
        if (request.tools().isEmpty()) {
            tokens = gateway.promptTokens(info.id(), request.messages());
        } else if (info.local() != null) {
            String prompt = gateway.applyTemplate(request.withModel(info.id()));
            tokens = gateway.tokenizer(info.id()).encode(prompt, true, true).length;
        } else {
            int schemaChars = 0;
            for (Tool t : request.tools()) {
                schemaChars += t.name().length() + (t.description() == null ? 0 : t.description().length())
                        + (t.parameters() == null ? 0 : t.parameters().toString().length());
            }
            tokens = gateway.promptTokens(info.id(), request.messages()) + schemaChars / 4;
        }
        ObjectNode out = json.createObjectNode();
        out.put("input_tokens", tokens);
        ctx.json(out);
    }

    private JsonNode object(Context ctx) {
        JsonNode root = body.readTree(ctx);
        if (!root.isObject()) {
            throw ApiException.invalidRequest(null, "The request body must be a JSON object, got " + Fields.describe(root) + ".");
        }
        return root;
    }
}
