package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.stellarchat.engine.runtime.ContextOverflowException;
import io.stellarchat.engine.runtime.EngineOverloadedException;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.ErrorType;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.gateway.LocalModel;
import io.stellarchat.server.gateway.ModelRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /v1/embeddings}: {@code input} as a string, an array of strings, an array of token ids or an
 * array of such arrays. Each embedding is the model's final hidden states (after the output norm), averaged
 * over the input's tokens and scaled to unit length (mean pooling, L2 normalisation). {@code encoding_format}
 * {@code float} or {@code base64} (little-endian float32); {@code dimensions} only when it equals the model's.
 */
final class EmbeddingsHandler {
    private static final long TIMEOUT_SECONDS = 300;

    private final ModelRegistry registry;
    private final ObjectMapper json;
    private final JsonBodyReader body;

    EmbeddingsHandler(ModelRegistry registry, ObjectMapper json, JsonBodyReader body) {
        this.registry = registry;
        this.json = json;
        this.body = body;
    }

    void handle(Context ctx) throws InterruptedException {
        JsonNode req = body.readTree(ctx);
        if (!req.isObject()) {
            throw ApiException.invalidRequest(null, "The request body must be a JSON object.");
        }
        String name = Fields.requiredString(req, "model");
        String format = Fields.string(req, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiException.invalidRequest("encoding_format", "Invalid 'encoding_format': '" + format
                    + "'. Supported values are: 'float' and 'base64'.");
        }
        LocalModel m = registry.find(name).orElseThrow(() -> ApiException.notFound("model_not_found", "model",
                "The model '" + name + "' does not exist or is not loaded."));
        Integer dims = Fields.integer(req, "dimensions", 1, Integer.MAX_VALUE);
        int dim = m.model().config().dim();
        if (dims != null && dims != dim) {
            throw ApiException.invalidRequest("dimensions", "Invalid 'dimensions': this model's embeddings have "
                    + dim + " dimensions; other sizes are not supported.");
        }
        List<int[]> inputs = inputs(req, m);
        List<CompletableFuture<float[]>> futures = new ArrayList<>();
        try {
            for (int[] in : inputs) {
                futures.add(m.engine().embed(in));
            }
            ObjectNode root = json.createObjectNode();
            root.put("object", "list");
            ArrayNode data = root.putArray("data");
            int tokens = 0;
            for (int i = 0; i < inputs.size(); i++) {
                float[] v = futures.get(i).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                tokens += inputs.get(i).length;
                ObjectNode e = data.addObject();
                e.put("object", "embedding");
                e.put("index", i);
                if (format.equals("float")) {
                    ArrayNode arr = e.putArray("embedding");
                    for (float x : v) {
                        arr.add(x);
                    }
                } else {
                    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    for (float x : v) {
                        b.putFloat(x);
                    }
                    e.put("embedding", Base64.getEncoder().encodeToString(b.array()));
                }
            }
            root.put("model", m.id());
            ObjectNode usage = root.putObject("usage");
            usage.put("prompt_tokens", tokens);
            usage.put("total_tokens", tokens);
            ctx.json(root);
        } catch (EngineOverloadedException e) {
            futures.forEach(f -> f.cancel(false));
            ctx.header("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds())));
            throw new ApiException(429, ErrorType.RATE_LIMIT, "queue_full", null, e.getMessage());
        } catch (TimeoutException e) {
            futures.forEach(f -> f.cancel(false));
            throw ApiException.unavailable("The embedding took longer than " + TIMEOUT_SECONDS + " s.");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ContextOverflowException c) {
                throw new ApiException(400, ErrorType.INVALID_REQUEST, "context_length_exceeded", "input", c.getMessage());
            }
            throw new IllegalStateException("embedding failed", e.getCause());
        }
    }

    private static List<int[]> inputs(JsonNode req, LocalModel m) {
        JsonNode in = Fields.present(req, "input");
        if (in == null) {
            throw ApiException.invalidRequest("input", "Missing required parameter: 'input'.");
        }
        var tok = m.model().tokenizer();
        List<int[]> out = new ArrayList<>();
        if (in.isTextual()) {
            out.add(nonEmpty(tok.encode(in.asText(), true, false), "input"));
        } else if (in.isArray() && !in.isEmpty()) {
            if (in.get(0).isIntegralNumber()) {
                out.add(ids(in, "input", m));
            } else {
                for (int i = 0; i < in.size(); i++) {
                    JsonNode x = in.get(i);
                    String at = "input[" + i + "]";
                    if (x.isTextual()) {
                        out.add(nonEmpty(tok.encode(x.asText(), true, false), at));
                    } else if (x.isArray()) {
                        out.add(ids(x, at, m));
                    } else {
                        throw Fields.wrongType(at, x, "a string or an array of token ids");
                    }
                }
            }
        } else {
            throw Fields.wrongType("input", in, "a string, an array of strings or an array of token ids");
        }
        return out;
    }

    private static int[] nonEmpty(int[] ids, String at) {
        if (ids.length == 0) {
            throw ApiException.invalidRequest(at, "Invalid '" + at + "': the input is empty.");
        }
        return ids;
    }

    private static int[] ids(JsonNode arr, String at, LocalModel m) {
        int vocab = m.model().config().vocabSize();
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode x = arr.get(i);
            if (!x.isIntegralNumber() || x.asLong() < 0 || x.asLong() >= vocab) {
                throw ApiException.invalidRequest(at, "Invalid '" + at + "[" + i + "]': expected a token id from 0 to "
                        + (vocab - 1) + ", got " + x + ".");
            }
            ids[i] = x.asInt();
        }
        return nonEmpty(ids, at);
    }
}
