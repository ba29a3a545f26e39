package io.stellarchat.server.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.api.sessions.Owners;
import io.stellarchat.server.chat.AuditLog;
import io.stellarchat.server.chat.KeyRecord;
import io.stellarchat.server.limits.KeyLimits;
import io.stellarchat.server.limits.KeyRing;
import io.stellarchat.server.limits.LimitsJson;
import io.stellarchat.server.limits.Scope;
import io.stellarchat.server.observe.LogContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.MDC;

/**
 * {@code /v1/admin/keys}: managed API keys. {@code POST} makes one and answers its secret — the only time it is
 * ever shown ({@code key}); {@code GET} lists them (never a secret: the display {@code prefix} only);
 * {@code PATCH /{id}} changes {@code name}, {@code scopes}, {@code models}, {@code limits}, {@code cache},
 * {@code expires_at} or {@code disabled}; {@code DELETE /{id}} revokes it for good; {@code POST /{id}/rotate}
 * gives it a new secret (the old one stops working at once). Every change is an audit event ({@code key.create},
 * {@code key.update}, {@code key.revoke}, {@code key.rotate}). Without a database: 503 {@code keys_unavailable}.
 */
public final class KeyRoutes implements RouteGroup {
    private static final Set<String> CREATE_FIELDS = Set.of("name", "owner", "scopes", "models", "limits", "cache",
            "expires_at");
    private static final Set<String> PATCH_FIELDS = Set.of("name", "scopes", "models", "limits", "cache", "expires_at",
            "disabled");
    private static final List<String> DEFAULT_SCOPES = List.of("chat", "embeddings", "sessions");
    private final KeyRing keys;
    private final AuditLog audit;
    private final ObjectMapper json;
    private final JsonBodyReader body;

    public KeyRoutes(KeyRing keys, AuditLog audit, ObjectMapper json, long maxBodyBytes) {
        this.keys = keys;
        this.audit = audit;
        this.json = json;
        this.body = new JsonBodyReader(json, maxBodyBytes);
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.post("/v1/admin/keys", this::create);
        routes.get("/v1/admin/keys", this::list);
        routes.get("/v1/admin/keys/{id}", ctx -> ctx.json(shape(find(ctx))));
        routes.patch("/v1/admin/keys/{id}", this::patch);
        routes.delete("/v1/admin/keys/{id}", this::revoke);
        routes.post("/v1/admin/keys/{id}/rotate", this::rotate);
    }

    private void create(Context ctx) {
        requireStore();
        JsonNode req = object(ctx, CREATE_FIELDS);
        String name = Fields.string(req, "name", "");
        String owner = Fields.string(req, "owner", null);
        if (owner != null && (owner.isBlank() || owner.length() > 256)) {
            throw ApiException.invalidRequest("owner", "'owner' must be 1 to 256 characters.");
        }
        Set<Scope> scopes = scopes(req.has("scopes") ? req.get("scopes") : json.valueToTree(DEFAULT_SCOPES));
        List<String> models = models(req.get("models"));
        KeyLimits limits = limits(req.get("limits"));
        boolean cache = Fields.bool(req, "cache", true);
        Instant expires = expires(req.get("expires_at"));
        KeyRing.Issued issued = keys.create(new KeyRing.NewKey(name, owner == null ? "owner-" + java.util.UUID.randomUUID()
                : owner, scopes, models, limits, cache, expires));
        changed(ctx, "key.create", issued.key().id());
        ObjectNode o = shape(issued.key());
        o.put("key", issued.secret());
        ctx.status(201).json(o);
    }

    private void list(Context ctx) {
        requireStore();
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        keys.list().forEach(k -> data.add(shape(k)));
        ctx.json(root);
    }

    private void patch(Context ctx) {
        KeyRecord k = find(ctx);
        if (k.revoked() != null) {
            throw new ApiException(409, ErrorType.INVALID_REQUEST, "key_revoked", null, "Key " + k.id()
                    + " is revoked and cannot be changed.");
        }
        JsonNode req = object(ctx, PATCH_FIELDS);
        String name = req.has("name") ? Fields.string(req, "name", "") : k.name();
        List<String> scopes = req.has("scopes") ? scopes(req.get("scopes")).stream().map(Scope::wire).sorted().toList()
                : k.scopes();
        List<String> models = req.has("models") ? models(req.get("models")) : k.models();
        String limits = req.has("limits") ? LimitsJson.write(json, limits(req.get("limits"))).toString() : k.limitsJson();
        boolean cache = req.has("cache") ? Fields.bool(req, "cache", true) : k.cache();
        Instant expires = req.has("expires_at") ? expires(req.get("expires_at")) : k.expires();
        boolean disabled = req.has("disabled") ? Fields.bool(req, "disabled", false) : k.disabled();
        KeyRecord changed = new KeyRecord(k.id(), name, k.owner(), k.prefix(), k.secretHash(), scopes, models, limits,
                cache, disabled, expires, null, k.created(), Instant.now());
        if (!keys.update(changed)) throw notFound(k.id());
        changed(ctx, "key.update", k.id());
        ctx.json(shape(keys.find(k.id()).orElse(changed)));
    }

    private void revoke(Context ctx) {
        KeyRecord k = find(ctx);
        keys.revoke(k.id());
        changed(ctx, "key.revoke", k.id());
        ObjectNode o = json.createObjectNode();
        o.put("id", k.id());
        o.put("object", "api_key");
        o.put("revoked", true);
        ctx.json(o);
    }

    private void rotate(Context ctx) {
        KeyRecord k = find(ctx);
        if (k.revoked() != null) {
            throw new ApiException(409, ErrorType.INVALID_REQUEST, "key_revoked", null, "Key " + k.id()
                    + " is revoked; make a new one instead.");
        }
        KeyRing.Issued issued = keys.rotate(k.id()).orElseThrow(() -> notFound(k.id()));
        changed(ctx, "key.rotate", k.id());
        ObjectNode o = shape(issued.key());
        o.put("key", issued.secret());
        ctx.json(o);
    }

    // ---- shapes and fields

    private ObjectNode shape(KeyRecord k) {
        ObjectNode o = json.createObjectNode();
        o.put("id", k.id());
        o.put("object", "api_key");
        o.put("name", k.name());
        o.put("owner", k.owner());
        o.put("prefix", k.prefix());
        o.set("scopes", json.valueToTree(k.scopes()));
        o.set("models", json.valueToTree(k.models()));
        o.set("limits", LimitsJson.write(json, keys.limitsOf(k)));
        o.put("cache", k.cache());
        o.put("disabled", k.disabled());
        o.put("revoked", k.revoked() != null);
        if (k.expires() == null) o.putNull("expires_at");
        else o.put("expires_at", k.expires().getEpochSecond());
        o.put("created_at", k.created().getEpochSecond());
        o.put("updated_at", k.updated().getEpochSecond());
        return o;
    }

    private JsonNode object(Context ctx, Set<String> allowed) {
        JsonNode root = body.readTree(ctx);
        if (!root.isObject()) {
            throw ApiException.invalidRequest(null, "The request body must be a JSON object, got " + Fields.describe(root) + ".");
        }
        for (var name : (Iterable<String>) root::fieldNames) {
            if (!allowed.contains(name)) {
                throw ApiException.invalidRequest(name, "Unknown field '" + name + "'; allowed: " + String.join(", ",
                        allowed.stream().sorted().toList()) + ".");
            }
        }
        return root;
    }

    private static Set<Scope> scopes(JsonNode n) {
        if (n == null || !n.isArray()) throw ApiException.invalidRequest("scopes", "'scopes' must be an array of: chat, "
                + "embeddings, sessions, admin.");
        Set<Scope> out = EnumSet.noneOf(Scope.class);
        for (int i = 0; i < n.size(); i++) {
            JsonNode s = n.get(i);
            Scope scope = s.isTextual() ? Scope.parse(s.asText()).orElse(null) : null;
            if (scope == null) {
                throw ApiException.invalidRequest("scopes[" + i + "]", "Unknown scope " + s + "; allowed: chat, "
                        + "embeddings, sessions, admin.");
            }
            out.add(scope);
        }
        return out;
    }

    private static List<String> models(JsonNode n) {
        if (n == null || n.isNull()) return List.of("*");
        if (!n.isArray() || n.isEmpty()) {
            throw ApiException.invalidRequest("models", "'models' must be a non-empty array of model ids, or [\"*\"] for all.");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode m = n.get(i);
            if (!m.isTextual() || m.asText().isBlank() || m.asText().contains(",")) {
                throw ApiException.invalidRequest("models[" + i + "]", "'models[" + i + "]' must be a model id (no commas).");
            }
            out.add(m.asText());
        }
        return out;
    }

    private static KeyLimits limits(JsonNode n) {
        try {
            return LimitsJson.read(n, "limits");
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidRequest("limits", e.getMessage() + ".");
        }
    }

    /** {@code expires_at}: Unix seconds or an ISO-8601 instant; null for never. */
    private static Instant expires(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isIntegralNumber() && n.asLong() > 0) return Instant.ofEpochSecond(n.asLong());
        if (n.isTextual()) {
            try {
                return Instant.parse(n.asText());
            } catch (DateTimeParseException e) {
                // fall through to the error
            }
        }
        throw ApiException.invalidRequest("expires_at", "'expires_at' must be Unix seconds or an ISO-8601 time such as "
                + "2027-01-31T00:00:00Z, or null for never.");
    }

    private KeyRecord find(Context ctx) {
        requireStore();
        String id = ctx.pathParam("id");
        return keys.find(id).orElseThrow(() -> notFound(id));
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("key_not_found", "id", "No API key with id '" + id + "'.");
    }

    private void requireStore() {
        if (!keys.managed()) {
            throw new ApiException(503, ErrorType.UNAVAILABLE, "keys_unavailable", null,
                    "Managed API keys need the database, which this server runs without.");
        }
    }

    private void changed(Context ctx, String action, String id) {
        if (audit != null) {
            audit.append(Owners.of(ctx), action, id, Objects.requireNonNullElse(MDC.get(LogContext.REQUEST_ID), ""));
        }
    }
}
