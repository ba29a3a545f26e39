package io.stellarchat.server.api.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.router.JavalinDefaultRoutingApi;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.api.RouteGroup;
import io.stellarchat.server.api.sessions.Owners;
import io.stellarchat.server.api.stream.NdjsonWriter;
import io.stellarchat.server.api.stream.SseWriter;
import io.stellarchat.server.chat.AuditLog;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.models.HubClient;
import io.stellarchat.server.models.HubFile;
import io.stellarchat.server.models.ModelPuller;
import io.stellarchat.server.models.PullException;
import io.stellarchat.server.observe.LogContext;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.slf4j.MDC;

/**
 * Pulling a model through the API: {@code POST /v1/admin/pull} and Ollama's {@code POST /api/pull}, both
 * {@code {"model": "<owner>/<repo>[:<quant or file>]"}} from the Hub set by {@code models.hub_endpoint}, with
 * progress as NDJSON status lines in Ollama's shape ({@code {"status":"pulling manifest"}}, {@code {"status":
 * "downloading <file>","digest":"sha256:…","total":N,"completed":M}}, {@code {"status":"verifying sha256
 * digest"}}, {@code {"status":"success","model":"<id>"}}; a failure is a last line {@code {"error":"…"}}), or
 * one object with {@code stream: false}. The pulled model is known at once and loads on its first request.
 * Admin scope; audited as {@code model.pull}.
 */
public final class PullRoutes implements RouteGroup {
    private final Gateway gateway;
    private final AuditLog audit;
    private final ObjectMapper json;
    private final JsonBodyReader body;
    private final Path modelsDir;
    private final String endpoint;
    private final String token;

    public PullRoutes(Gateway gateway, AuditLog audit, ObjectMapper json, long maxBodyBytes, Path modelsDir,
                      String endpoint, String token) {
        this.gateway = gateway;
        this.audit = audit;
        this.json = json;
        this.body = new JsonBodyReader(json, maxBodyBytes);
        this.modelsDir = modelsDir;
        this.endpoint = endpoint;
        this.token = token;
    }

    @Override
    public void register(JavalinDefaultRoutingApi routes) {
        routes.post("/v1/admin/pull", this::pull);
        routes.post("/api/pull", this::pull);
    }

    private void pull(Context ctx) {
        JsonNode req = body.readTree(ctx);
        if (!req.isObject()) throw ApiException.invalidRequest(null, "The request body must be a JSON object.");
        String spec = Fields.string(req, "model", Fields.string(req, "name", null));
        if (spec == null) throw ApiException.invalidRequest("model", "Missing required parameter: 'model' (<owner>/<repo>[:<quant>]).");
        ModelPuller.Spec parsed;
        try {
            parsed = ModelPuller.Spec.parse(spec);
        } catch (PullException e) {
            throw ApiException.invalidRequest("model", e.getMessage());
        }
        ModelPuller puller = new ModelPuller(new HubClient(URI.create(endpoint), token), modelsDir);
        boolean stream = Fields.bool(req, "stream", true);
        if (!stream) {
            try {
                List<Path> files = puller.pull(parsed, new Lines(null, json));
                ctx.json(success(files));
            } catch (PullException e) {
                throw new ApiException(502, io.stellarchat.server.api.ErrorType.SERVER, "pull_failed", "model", e.getMessage());
            }
            return;
        }
        NdjsonWriter out;
        try {
            out = new NdjsonWriter(ctx);
            out.line(json.createObjectNode().put("status", "pulling manifest").toString());
        } catch (SseWriter.ClientGoneException e) {
            return;
        }
        try {
            List<Path> files = puller.pull(parsed, new Lines(out, json));
            out.line(success(files).toString());
        } catch (PullException e) {
            try {
                out.line(json.createObjectNode().put("error", e.getMessage()).toString());
            } catch (SseWriter.ClientGoneException ignored) {
                // the client left; the partial file stays for a later pull to resume
            }
        } catch (SseWriter.ClientGoneException e) {
            // the client left before the end; the partial file stays for a later pull to resume
        }
    }

    private ObjectNode success(List<Path> files) {
        gateway.rescanLocal(); // known at once: the first request loads it
        String id = files.getFirst().getFileName().toString().replaceFirst("(?i)(-00001-of-\\d{5})?\\.gguf$", "");
        if (audit != null) audit.append("system", "model.pull", id, Objects.requireNonNullElse(MDC.get(LogContext.REQUEST_ID), ""));
        return json.createObjectNode().put("status", "success").put("model", id);
    }

    /** Progress as status lines (at most a few a second); nothing when not streaming. */
    private static final class Lines implements ModelPuller.Progress {
        private final NdjsonWriter out;
        private final ObjectMapper json;
        private long last;

        Lines(NdjsonWriter out, ObjectMapper json) {
            this.out = out;
            this.json = json;
        }

        private void line(ObjectNode o) {
            if (out == null) return;
            try {
                out.line(o.toString());
            } catch (SseWriter.ClientGoneException e) {
                throw new IllegalStateException("client gone", e);
            }
        }

        private ObjectNode status(HubFile f, long done) {
            ObjectNode o = json.createObjectNode().put("status", "downloading " + f.name());
            if (f.sha256() != null) o.put("digest", "sha256:" + f.sha256());
            return o.put("total", f.size()).put("completed", done);
        }

        @Override
        public void start(HubFile file, long already) {
            line(status(file, already));
        }

        @Override
        public void bytes(HubFile file, long done) {
            long now = System.nanoTime();
            if (now - last < 250_000_000L && done < file.size()) return;
            last = now;
            line(status(file, done));
        }

        @Override
        public void finished(HubFile file, Path where) {
            line(json.createObjectNode().put("status", "verifying sha256 digest"));
        }
    }
}
