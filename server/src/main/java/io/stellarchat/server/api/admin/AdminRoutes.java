package io.stellarchat.server.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.api.sessions.Owners;
import io.stellarchat.server.chat.AuditLog;
import io.stellarchat.server.config.ConfigException;
import io.stellarchat.server.config.ModelEntry;
import io.stellarchat.server.config.ModelEntryJson;
import io.stellarchat.server.config.ModelListReader;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.gateway.ModelCatalog;
import io.stellarchat.server.observe.LogContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.MDC;

/**
 * {@code /v1/admin/models} and {@code /v1/admin/providers}.
 *
 * <p>An entry is shown as its {@code models.list} JSON plus {@code status} ({@code online}/{@code offline}) and
 * {@code source} ({@code file}: declared in the configuration, read-only except its status; {@code api}: made
 * here). Only remote entries (with {@code upstreams}) can be created here: loading a GGUF file at run time is
 * not supported; a create may also give {@code status} (default {@code online}). Every change is written to the catalog, reloaded into this replica's table before the answer,
 * and appended to the audit log as {@code model.create}, {@code model.update} or {@code model.delete} by the
 * request's owner.
 *
 * <p>Two replicas creating the same id at the same moment both pass the {@code model_exists} check; the later
 * write wins (the catalog's put replaces the row).
 */
public final class AdminRoutes implements RouteGroup {
    private static final Set<String> PATCH_FIELDS = Set.of("status", "weights", "upstreams", "fallbacks");
    private final Gateway gateway;
    private final AuditLog audit;
    private final ObjectMapper json;
    private final JsonBodyReader body;

    /**
     * @param gateway the models; its {@link Gateway#catalog()} receives the changes (none: changes answer 503)
     * @param audit   where changes are recorded, or null without a database
     */
    public AdminRoutes(Gateway gateway, AuditLog audit, ObjectMapper json, long maxBodyBytes) {
        this.gateway = gateway;
        this.audit = audit;
        this.json = json;
        this.body = new JsonBodyReader(json, maxBodyBytes);
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.get("/v1/admin/models", this::listModels);
        routes.post("/v1/admin/models", this::createModel);
        routes.patch("/v1/admin/models/{id}", this::patchModel);
        routes.delete("/v1/admin/models/{id}", this::deleteModel);
        routes.post("/v1/admin/models/{id}/load", this::loadModel);
        routes.post("/v1/admin/models/{id}/unload", this::unloadModel);
        routes.get("/v1/admin/providers", this::listProviders);
    }

    // ---- models

    private void listModels(Context ctx) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        Map<String, String> states = gateway.localStates();
        gateway.modelStatuses().forEach(m -> {
            ObjectNode o = shape(m);
            String state = states.get(m.entry().id());
            if (state != null) o.put("state", state);
            data.add(o);
        });
        ctx.json(root);
    }

    private static ObjectNode shape(Gateway.ModelStatus m) {
        ObjectNode o = ModelEntryJson.write(m.entry());
        o.put("status", m.online() ? "online" : "offline");
        o.put("source", m.source());
        return o;
    }

    /** Loads a local model now (it is loaded on demand anyway; this preloads it). */
    private void loadModel(Context ctx) {
        String id = ctx.pathParam("id");
        if (!gateway.localStates().containsKey(id) || !gateway.loadLocal(id)) {
            throw ApiException.notFound("model_not_found", "id", "No local model '" + id + "' (remote models are not loaded here).");
        }
        changed(ctx, "model.load", id);
        ctx.json(json.createObjectNode().put("id", id).put("object", "model").put("state", "loaded"));
    }

    /** Unloads a local model now; 409 while requests use it. */
    private void unloadModel(Context ctx) {
        String id = ctx.pathParam("id");
        String state = gateway.localStates().get(id);
        if (state == null) throw ApiException.notFound("model_not_found", "id", "No local model '" + id + "'.");
        if (state.equals("loaded") && !gateway.unloadLocal(id)) {
            throw new ApiException(409, ErrorType.INVALID_REQUEST, "model_busy", "id", "Model '" + id
                    + "' has requests in flight; it is unloaded when idle (models.keep_alive) or try again.");
        }
        changed(ctx, "model.unload", id);
        ctx.json(json.createObjectNode().put("id", id).put("object", "model").put("state", "unloaded"));
    }

    private void createModel(Context ctx) {
        ObjectNode req = object(ctx);
        if (req.has("path")) {
            throw new ApiException(400, ErrorType.INVALID_REQUEST, "local_model_not_supported", "path",
                    "Only remote models (with 'upstreams') can be added through the API; a local GGUF model "
                            + "('path') is declared in the configuration file.");
        }
        boolean online = status(req.remove("status"), true);
        ModelCatalog catalog = catalog();
        gateway.reload(); // see what other replicas made since the last refresh
        ModelEntry entry = validate(req, knownIds());
        for (String name : names(entry)) {
            if (gateway.knows(name)) {
                throw new ApiException(409, ErrorType.INVALID_REQUEST, "model_exists",
                        name.equals(entry.id()) ? "id" : "aliases",
                        "The model name '" + name + "' is already taken by a model or an alias.");
            }
        }
        catalog.put(new ModelCatalog.Stored(entry.id(), entry, online));
        changed(ctx, "model.create", entry.id());
        ctx.status(201).json(shape(new Gateway.ModelStatus(entry, online, "api")));
    }

    private void patchModel(Context ctx) {
        ObjectNode req = object(ctx);
        ModelCatalog catalog = catalog();
        gateway.reload();
        Gateway.ModelStatus current = find(ctx.pathParam("id"));
        String id = current.entry().id();
        for (Iterator<String> it = req.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!PATCH_FIELDS.contains(field)) {
                throw ApiException.invalidRequest(field, "Unknown field '" + field + "'; a model patch may set "
                        + "status, weights, upstreams and fallbacks.");
            }
            if (!field.equals("status") && gateway.isFileEntry(id)) {
                throw new ApiException(400, ErrorType.INVALID_REQUEST, "read_only_entry", field,
                        "Model '" + id + "' is declared in the configuration file; only its status can be changed "
                                + "here, not '" + field + "'.");
            }
        }
        boolean online = status(req.get("status"), current.online());
        ModelEntry entry = current.entry();
        if (!gateway.isFileEntry(id)) {
            ObjectNode merged = ModelEntryJson.write(entry);
            if (req.has("upstreams")) merged.set("upstreams", req.get("upstreams"));
            if (req.has("fallbacks")) merged.set("fallbacks", req.get("fallbacks"));
            if (req.has("weights")) applyWeights(merged, req.get("weights"));
            entry = validate(merged, knownIds());
        }
        catalog.put(new ModelCatalog.Stored(id, gateway.isFileEntry(id) ? null : entry, online));
        changed(ctx, "model.update", id);
        ctx.json(shape(new Gateway.ModelStatus(entry, online, current.source())));
    }

    /** Sets the weight of each {@code "<provider>/<model>"} named in {@code weights} on the entry's upstreams. */
    private static void applyWeights(ObjectNode merged, JsonNode weights) {
        if (weights == null || !weights.isObject()) {
            throw ApiException.invalidRequest("weights",
                    "'weights' must be an object of \"<provider>/<model>\": weight.");
        }
        for (Map.Entry<String, JsonNode> w : weights.properties()) {
            ObjectNode target = null;
            for (JsonNode u : merged.path("upstreams")) {
                if (w.getKey().equals(u.path("provider").asText() + "/" + u.path("model").asText())) {
                    target = (ObjectNode) u;
                }
            }
            if (target == null) {
                List<String> known = new ArrayList<>();
                merged.path("upstreams").forEach(u -> known.add(u.path("provider").asText() + "/" + u.path("model").asText()));
                throw ApiException.invalidRequest("weights." + w.getKey(), "The model has no upstream '" + w.getKey()
                        + "' (its upstreams: " + String.join(", ", known) + ").");
            }
            target.set("weight", w.getValue()); // its type and range are checked with the whole entry
        }
    }

    private void deleteModel(Context ctx) {
        ModelCatalog catalog = catalog();
        gateway.reload();
        String id = find(ctx.pathParam("id")).entry().id();
        if (gateway.isFileEntry(id)) {
            throw new ApiException(400, ErrorType.INVALID_REQUEST, "read_only_entry", "id",
                    "Model '" + id + "' is declared in the configuration file and cannot be deleted here; set its "
                            + "status to offline instead.");
        }
        if (!catalog.delete(id)) {
            throw notFound(id); // another replica deleted it just now
        }
        changed(ctx, "model.delete", id);
        ObjectNode o = json.createObjectNode();
        o.put("id", id);
        o.put("object", "model");
        o.put("deleted", true);
        ctx.json(o);
    }

    /** After a write: this replica's table now, then the audit record. */
    private void changed(Context ctx, String action, String id) {
        gateway.reload();
        if (audit != null) {
            audit.append(Owners.of(ctx), action, id, Objects.requireNonNullElse(MDC.get(LogContext.REQUEST_ID), ""));
        }
    }

    /** The entry named by id or alias, or 404. */
    private Gateway.ModelStatus find(String name) {
        for (Gateway.ModelStatus m : gateway.modelStatuses()) {
            if (m.entry().id().equals(name)) return m;
        }
        for (Gateway.ModelStatus m : gateway.modelStatuses()) {
            if (m.entry().aliases().contains(name)) return m;
        }
        throw notFound(name);
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("model_not_found", "id", "The model '" + id + "' does not exist.");
    }

    private ModelEntry validate(JsonNode entry, Set<String> known) {
        try {
            return ModelListReader.readOne(entry, "request body", List.copyOf(gateway.providerIds()), known);
        } catch (ConfigException e) {
            throw ApiException.invalidRequest("model", "Invalid model entry: " + String.join("; ", e.problems()));
        }
    }

    private Set<String> knownIds() {
        Set<String> ids = new LinkedHashSet<>();
        gateway.modelStatuses().forEach(m -> ids.add(m.entry().id()));
        return ids;
    }

    private static List<String> names(ModelEntry e) {
        List<String> all = new ArrayList<>();
        all.add(e.id());
        all.addAll(e.aliases());
        return all;
    }

    private static boolean status(JsonNode v, boolean dflt) {
        if (v == null || v.isNull()) return dflt;
        if (v.isTextual() && v.asText().equals("online")) return true;
        if (v.isTextual() && v.asText().equals("offline")) return false;
        throw ApiException.invalidRequest("status", "Invalid 'status': " + v + "; expected \"online\" or \"offline\".");
    }

    private ModelCatalog catalog() {
        ModelCatalog c = gateway.catalog();
        if (c == null) {
            throw new ApiException(503, ErrorType.UNAVAILABLE, "catalog_unavailable",
                    null, "The model registry cannot be changed: this server runs without a database.");
        }
        return c;
    }

    private ObjectNode object(Context ctx) {
        JsonNode root = body.readTree(ctx);
        if (!root.isObject()) {
            throw ApiException.invalidRequest(null, "The request body must be a JSON object.");
        }
        return (ObjectNode) root;
    }

    // ---- providers

    private void listProviders(Context ctx) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (Gateway.ProviderStatus p : gateway.providerStatuses()) provider(data.addObject(), p);
        ctx.json(root);
    }

    /** A provider's status fields, as {@code /v1/admin/providers} and {@code /v1/admin/stats} show them. */
    static ObjectNode provider(ObjectNode o, Gateway.ProviderStatus p) {
        o.put("id", p.id());
        o.put("type", p.type());
        o.put("base_url", p.baseUrl());
        o.put("circuit", p.circuit());
        o.put("healthy", p.healthy());
        o.put("health_detail", p.healthDetail());
        o.put("in_flight", p.inFlight());
        o.put("max_concurrency", p.maxConcurrency());
        if (p.errorRate() < 0) o.putNull("error_rate"); // too few recent calls to say
        else o.put("error_rate", p.errorRate()); // 0..1 over the breaker's window
        return o;
    }
}
