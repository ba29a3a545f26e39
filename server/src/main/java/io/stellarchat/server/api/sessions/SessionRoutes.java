package io.stellarchat.server.api.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.api.stream.ClientWatch;
import io.stellarchat.server.api.GenerationFields;
import io.stellarchat.server.conversation.SessionTurns;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.protocol.GenerationParams;
import io.stellarchat.server.protocol.Usage;
import io.stellarchat.server.chat.AuditEvent;
import io.stellarchat.server.chat.AuditLog;
import io.stellarchat.server.chat.ChatMessage;
import io.stellarchat.server.chat.ChatSession;
import io.stellarchat.server.chat.HistoryStore;
import io.stellarchat.server.chat.InvalidCursorException;
import io.stellarchat.server.chat.NewSession;
import io.stellarchat.server.chat.Page;
import io.stellarchat.server.chat.SessionPatch;
import io.stellarchat.server.observe.LogContext;
import java.util.Map;
import org.slf4j.MDC;

/**
 * {@code /v1/sessions}: chat sessions with durable history. Create (201), list (newest first, cursor
 * pagination), get, patch, delete (with its messages); {@code POST /v1/sessions/{id}/messages} runs one turn
 * (see {@link SessionTurns}) and answers with the stored reply, or streams it as chat-completion chunks when
 * {@code stream} is true; {@code GET /v1/sessions/{id}/messages?limit=&before=} pages history.
 * {@code GET /v1/admin/audit} pages the audit log.
 */
public final class SessionRoutes implements RouteGroup {
    /** How often a non-streamed turn asks whether its client is still connected. */
    private static final long CLIENT_CHECK_NANOS = 100_000_000L;
    private final HistoryStore store;
    private final AuditLog audit;
    private final Gateway models;
    private final Admission admission;
    private final SessionTurns turns;
    private final ObjectMapper json;
    private final JsonBodyReader body;
    private final SessionJson shapes;

    public SessionRoutes(HistoryStore store, AuditLog audit, Gateway models, SessionTurns turns, ObjectMapper json,
                         long maxBodyBytes) {
        this(store, audit, models, Admission.open(models), turns, json, maxBodyBytes);
    }

    /** @param admission model visibility and rate limits of the caller's key for every turn */
    public SessionRoutes(HistoryStore store, AuditLog audit, Gateway models, Admission admission, SessionTurns turns,
                         ObjectMapper json, long maxBodyBytes) {
        this.admission = admission;
        this.store = store;
        this.audit = audit;
        this.models = models;
        this.turns = turns;
        this.json = json;
        this.body = new JsonBodyReader(json, maxBodyBytes);
        this.shapes = new SessionJson(json);
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.post("/v1/sessions", this::create);
        routes.get("/v1/sessions", this::list);
        routes.get("/v1/sessions/{id}", this::get);
        routes.patch("/v1/sessions/{id}", this::patch);
        routes.delete("/v1/sessions/{id}", this::delete);
        routes.post("/v1/sessions/{id}/messages", this::sendMessage);
        routes.get("/v1/sessions/{id}/messages", this::listMessages);
        routes.post("/v1/sessions/{id}/messages/{mid}/feedback", this::feedback);
        routes.delete("/v1/sessions/{id}/messages/{mid}", this::deleteFrom);
        routes.get("/v1/admin/audit", this::auditLog);
    }

    private ObjectNode object(Context ctx) {
        JsonNode root = body.readTree(ctx);
        if (!root.isObject()) {
            throw ApiException.invalidRequest(null, "The request body must be a JSON object.");
        }
        return (ObjectNode) root;
    }

    private void create(Context ctx) {
        String owner = Owners.of(ctx);
        ObjectNode req = object(ctx);
        String model = text(req, "model", null);
        if (model == null) {
            throw ApiException.invalidRequest("model", "Missing required parameter: 'model'.");
        }
        admission.model(Authentication.caller(ctx), model, "model");
        ChatSession s = store.createSession(new NewSession(owner, model, text(req, "title", ""),
                text(req, "system_prompt", ""), sampling(req), objectText(req, "metadata")));
        audit.append(owner, "session.create", s.id(), MDC.get(LogContext.REQUEST_ID));
        ctx.status(201).json(shapes.session(s));
    }

    private void list(Context ctx) {
        Page<ChatSession> page = paged("cursor", () -> store.listSessions(Owners.of(ctx), ctx.queryParam("cursor"), limit(ctx, 20)));
        ctx.json(listPage(page, shapes::session, "next_cursor"));
    }

    private void get(Context ctx) {
        ctx.json(shapes.session(session(ctx)));
    }

    private ChatSession session(Context ctx) {
        String id = ctx.pathParam("id");
        return store.getSession(Owners.of(ctx), id).orElseThrow(() -> notFound(id));
    }

    private void patch(Context ctx) {
        String owner = Owners.of(ctx);
        String id = ctx.pathParam("id");
        ObjectNode req = object(ctx);
        String model = text(req, "model", null);
        if (model != null) {
            admission.model(Authentication.caller(ctx), model, "model");
        }
        SessionPatch p = new SessionPatch(model, text(req, "title", null), text(req, "system_prompt", null),
                req.hasNonNull("sampling") ? sampling(req) : null,
                req.hasNonNull("metadata") ? objectText(req, "metadata") : null);
        ChatSession s = store.updateSession(owner, id, p).orElseThrow(() -> notFound(id));
        audit.append(owner, "session.update", id, MDC.get(LogContext.REQUEST_ID));
        ctx.json(shapes.session(s));
    }

    private void delete(Context ctx) {
        String owner = Owners.of(ctx);
        String id = ctx.pathParam("id");
        if (!store.deleteSession(owner, id)) {
            throw notFound(id);
        }
        audit.append(owner, "session.delete", id, MDC.get(LogContext.REQUEST_ID));
        ctx.json(Map.of("id", id, "object", "chat.session.deleted", "deleted", true));
    }

    private void listMessages(Context ctx) {
        String id = ctx.pathParam("id");
        Page<ChatMessage> page = paged("before", () -> store.listMessages(Owners.of(ctx), id, limit(ctx, 50),
                ctx.queryParam("before"))).orElseThrow(() -> notFound(id));
        ctx.json(listPage(page, shapes::message, "next_before"));
    }

    private SessionTurns.Gate gate(Context ctx) {
        return admission.gate(ctx, Authentication.caller(ctx));
    }

    /**
     * Deletes a message and every later one of the session: the history goes back to just before it, so a
     * question can be asked again (regenerate) or changed (edit and resend). 409 {@code session_busy} while the
     * session generates.
     */
    private void deleteFrom(Context ctx) {
        String owner = Owners.of(ctx);
        String id = ctx.pathParam("id");
        String mid = ctx.pathParam("mid");
        int deleted = turns.truncate(owner, id, mid);
        audit.append(owner, "session.truncate", id, MDC.get(LogContext.REQUEST_ID));
        ObjectNode out = json.createObjectNode();
        out.put("object", "chat.messages.deleted");
        out.put("session_id", id);
        out.put("from", mid);
        out.put("deleted", deleted);
        ctx.json(out);
    }

    /**
     * A thumbs up or down (and an optional comment, at most 4,000 characters) on a message of the caller's session;
     * a second rating replaces the first. Stored with the message and sent as a {@code feedback} event.
     */
    private void feedback(Context ctx) {
        String owner = Owners.of(ctx);
        String id = ctx.pathParam("id");
        String mid = ctx.pathParam("mid");
        ObjectNode req = object(ctx);
        String rating = text(req, "rating", null);
        if (rating == null) throw ApiException.invalidRequest("rating", "Missing required parameter: 'rating'.");
        if (!rating.equals("up") && !rating.equals("down")) {
            throw ApiException.invalidRequest("rating", "Invalid 'rating': '" + rating + "'. Supported values are: 'up' and 'down'.");
        }
        String comment = text(req, "comment", null);
        if (comment != null && comment.length() > 4000) {
            throw ApiException.invalidRequest("comment", "'comment' is too long: at most 4000 characters.");
        }
        ChatMessage rated = store.setFeedback(owner, id, mid, rating, comment).orElseThrow(() -> {
            store.getSession(owner, id).orElseThrow(() -> notFound(id));
            return ApiException.notFound("message_not_found", "message_id", "Message '" + mid
                    + "' does not exist in session '" + id + "'.");
        });
        java.util.Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("session_id", id);
        data.put("message_id", mid);
        data.put("rating", rating);
        if (comment != null) data.put("comment", comment);
        var caller = Authentication.caller(ctx);
        admission.calls().emit(io.stellarchat.server.observe.TelemetryEvent.of(
                io.stellarchat.server.observe.TelemetryEvent.Type.FEEDBACK, owner, caller.id(), data));
        ObjectNode out = json.createObjectNode();
        out.put("message_id", rated.id());
        out.put("rating", rating);
        if (comment == null) out.putNull("comment");
        else out.put("comment", comment);
        out.put("created_at", rated.feedback().created().toString());
        ctx.json(out);
    }

    /** The audit log: a managed key sees its owner's entries only; static keys (the operators) see all. */
    private void auditLog(Context ctx) {
        var caller = Authentication.caller(ctx);
        String actor = caller.id().startsWith("key_") ? caller.owner() : null;
        Page<AuditEvent> page = paged("cursor", () -> audit.list(actor, ctx.queryParam("cursor"), limit(ctx, 50)));
        ctx.json(listPage(page, shapes::audit, "next_cursor"));
    }

    /** A page as {@code {object: "list", data, has_more, <cursorField>}}. */
    private <T> ObjectNode listPage(Page<T> page, java.util.function.Function<T, ObjectNode> shape, String cursorField) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        page.items().forEach(item -> data.add(shape.apply(item)));
        root.put("has_more", page.hasMore());
        root.put(cursorField, page.nextCursor());
        return root;
    }

    private void sendMessage(Context ctx) {
        String owner = Owners.of(ctx);
        String id = ctx.pathParam("id");
        ObjectNode req = object(ctx);
        String content = text(req, "content", null);
        if (content == null) {
            throw ApiException.invalidRequest("content", "Missing required parameter: 'content'.");
        }
        boolean stream = req.hasNonNull("stream") && req.get("stream").asBoolean();
        SessionTurns.Input input = TurnInputs.parse(req, content);
        ObjectNode fields = req.deepCopy();
        fields.remove(java.util.List.of("content", "role", "tool_call_id", "tools", "tool_choice"));
        GenerationParams overrides = GenerationFields.forSession(fields);
        SessionTurns.Control control = new SessionTurns.Control();
        if (!stream) {
            ObjectNode[] result = new ObjectNode[1];
            ClientWatch watch = ClientWatch.of(ctx);
            turns.run(owner, id, input, overrides, control, gate(ctx), new SessionTurns.Listener() {
                ChatMessage user;
                long nextCheck = System.nanoTime() + CLIENT_CHECK_NANOS;

                /** Nothing is written until the end, so a gone client is noticed by asking the connection. */
                private void checkClient() {
                    if (System.nanoTime() >= nextCheck) {
                        nextCheck = System.nanoTime() + CLIENT_CHECK_NANOS;
                        if (watch.clientGone()) {
                            control.clientGone();
                        }
                    }
                }

                @Override
                public void onIdle() {
                    checkClient();
                }

                @Override
                public void onStart(ChatMessage u, ChatMessage reply, int truncated) {
                    user = u;
                }

                @Override
                public void onDelta(String text) {
                    checkClient();
                }

                @Override
                public void onEnd(ChatMessage reply, Usage usage, int truncated) {
                    ObjectNode root = json.createObjectNode();
                    root.set("user_message", shapes.message(user));
                    root.set("message", shapes.message(reply));
                    root.set("usage", io.stellarchat.server.api.WireJson.usage(json, usage));
                    root.put("truncated_messages", truncated);
                    result[0] = root;
                }
            });
            ctx.json(result[0]);
            return;
        }
        // Chunks name the model like /v1/chat/completions does (clients parse "model"); a missing session is
        // reported by the turn itself.
        String model = store.getSession(owner, id).map(ChatSession::model).orElse("");
        new SessionStream(ctx, json, shapes, model).run(turns, owner, id, input, overrides, control, gate(ctx));
    }

    /** Runs a listing; a bad cursor is a 400 naming the query parameter that carried it. */
    private <T> T paged(String param, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (InvalidCursorException e) {
            throw ApiException.invalidRequest(param, e.getMessage());
        }
    }

    private static int limit(Context ctx, int dflt) {
        String v = ctx.queryParam("limit");
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= HistoryStore.MAX_PAGE) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw ApiException.invalidRequest("limit", "Invalid 'limit': '" + v + "'; expected an integer 1.." + HistoryStore.MAX_PAGE + ".");
    }

    private static String text(JsonNode req, String name, String dflt) {
        JsonNode v = req.get(name);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw ApiException.invalidRequest(name, "Invalid type for '" + name + "': expected a string.");
        }
        return v.asText();
    }

    private String objectText(JsonNode req, String name) {
        JsonNode v = req.get(name);
        if (v == null || v.isNull()) {
            return "{}";
        }
        if (!v.isObject()) {
            throw ApiException.invalidRequest(name, "Invalid type for '" + name + "': expected an object.");
        }
        return v.toString();
    }

    /**
     * The {@code sampling} defaults as stored text, checked now as a turn would read them: defaults that no
     * turn could use are refused here (400 naming {@code sampling}) instead of failing every later message.
     */
    private String sampling(JsonNode req) {
        String text = objectText(req, "sampling");
        JsonNode v = req.get("sampling");
        if (v != null && v.isObject()) {
            try {
                GenerationFields.forSession(v);
            } catch (ApiException e) {
                throw ApiException.invalidRequest("sampling", "Invalid 'sampling' defaults: " + e.getMessage());
            }
        }
        return text;
    }

    static ApiException notFound(String id) {
        return ApiException.notFound("session_not_found", "session_id", "Session '" + id + "' does not exist.");
    }
}
