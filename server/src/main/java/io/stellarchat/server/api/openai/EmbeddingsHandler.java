package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.api.Admission;
import io.stellarchat.server.api.Authentication;
import io.stellarchat.server.cache.EmbeddingCache;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.limits.Caller;
import io.stellarchat.server.limits.Reservation;
import io.stellarchat.server.protocol.ModelInfo;
import java.util.Optional;
import io.stellarchat.server.protocol.EmbeddingRequest;
import io.stellarchat.server.protocol.EmbeddingResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * {@code POST /v1/embeddings}: {@code input} as a string, an array of strings, an array of token ids or an
 * array of such arrays; {@code encoding_format} {@code float} or {@code base64} (little-endian float32);
 * {@code dimensions} passed to the answering model (the local engine keeps the leading dimensions and renormalises:
 * Matryoshka truncation); {@code truncate} (an extension, default false) cuts inputs longer than the model's context
 * instead of refusing them. What an embedding is depends on who answers: the local engine runs an encoder model
 * (BERT family: its own pooling, L2-normalised) or pools a decoder's final hidden states (mean, L2-normalised).
 */
final class EmbeddingsHandler {
    private final Gateway gateway;
    private final Admission admission;
    private final ObjectMapper json;

    EmbeddingsHandler(Gateway gateway, Admission admission, ObjectMapper json) {
        this.gateway = gateway;
        this.admission = admission;
        this.json = json;
    }

    /**
     * The vectors of {@code inputs}: those the embedding cache has from it, the rest computed in one call (and
     * then cached). Sets {@code X-Stellar-Cache} to {@code hit} (all cached), {@code partial} or {@code miss}.
     *
     * @return the vectors in input order, and the prompt tokens actually computed
     */
    private EmbeddingResult embed(Context ctx, Caller caller, ModelInfo info, String name, List<EmbeddingRequest.Input> inputs,
                                  Integer dims, boolean truncate) {
        Optional<EmbeddingCache> cache = admission.embeddings(caller);
        if (cache.isEmpty()) return gateway.embed(new EmbeddingRequest(name, inputs, dims, truncate));
        // A cut vector is not the vector of the whole input: truncating requests keep their own entries.
        String version = admission.modelVersion(info.id()) + (truncate ? "|truncate" : "");
        float[][] out = new float[inputs.size()][];
        String[] keys = new String[inputs.size()];
        List<EmbeddingRequest.Input> missing = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i) instanceof EmbeddingRequest.Text t) {
                keys[i] = EmbeddingCache.key(info.id(), version, dims, caller.owner(), t.text());
                out[i] = cache.get().get(keys[i]).orElse(null);
            }
            if (out[i] == null) {
                missing.add(inputs.get(i));
                where.add(i);
            }
        }
        ctx.header(Admission.CACHE_HEADER, missing.isEmpty() ? "hit" : missing.size() == inputs.size() ? "miss" : "partial");
        int tokens = 0;
        if (!missing.isEmpty()) {
            EmbeddingResult computed = gateway.embed(new EmbeddingRequest(name, missing, dims, truncate));
            tokens = computed.promptTokens();
            for (int j = 0; j < where.size(); j++) {
                int i = where.get(j);
                out[i] = computed.vectors().get(j);
                if (keys[i] != null) cache.get().put(keys[i], out[i]);
            }
        }
        return new EmbeddingResult(List.of(out), tokens);
    }

    /** About how many tokens the inputs are (for the rate limiter's reservation). */
    private static long estimate(List<EmbeddingRequest.Input> inputs) {
        long t = 0;
        for (EmbeddingRequest.Input in : inputs) {
            t += switch (in) {
                case EmbeddingRequest.Text x -> x.text().length() / 4 + 2;
                case EmbeddingRequest.Tokens x -> x.ids().length;
            };
        }
        return t;
    }

    void handle(Context ctx, JsonNode req) {
        String name = Fields.requiredString(req, "model");
        String format = Fields.string(req, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiException.invalidRequest("encoding_format", "Invalid 'encoding_format': '" + format
                    + "'. Supported values are: 'float' and 'base64'.");
        }
        Integer dims = Fields.integer(req, "dimensions", 1, Integer.MAX_VALUE);
        boolean truncate = Fields.bool(req, "truncate", false);
        Caller caller = Authentication.caller(ctx);
        ModelInfo info = admission.model(caller, name, "model");
        List<EmbeddingRequest.Input> inputs = inputs(req);
        Reservation reservation = admission.reserve(ctx, caller, info.id(), () -> estimate(inputs));
        EmbeddingResult result;
        var site = Admission.site(ctx, null, "embeddings", caller, info.id(), false, null);
        long start = System.nanoTime();
        try {
            result = embed(ctx, caller, info, name, inputs, dims, truncate);
        } catch (RuntimeException e) {
            reservation.settle(0);
            admission.calls().failed(site, start, e);
            throw e;
        }
        reservation.settle(result.promptTokens());
        admission.calls().embedded(site, start, (info.local() != null ? "local" : info.ownedBy()) + "/" + info.id(),
                result.promptTokens(), inputs.size());
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < result.vectors().size(); i++) {
            float[] v = result.vectors().get(i);
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
        root.put("model", name);
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", result.promptTokens());
        usage.put("total_tokens", result.promptTokens());
        ctx.json(root);
    }

    private static List<EmbeddingRequest.Input> inputs(JsonNode req) {
        JsonNode in = Fields.present(req, "input");
        if (in == null) {
            throw ApiException.invalidRequest("input", "Missing required parameter: 'input'.");
        }
        List<EmbeddingRequest.Input> out = new ArrayList<>();
        if (in.isTextual()) {
            out.add(new EmbeddingRequest.Text(in.asText(), "input"));
        } else if (in.isArray() && !in.isEmpty()) {
            if (in.get(0).isIntegralNumber()) {
                out.add(ids(in, "input"));
            } else {
                for (int i = 0; i < in.size(); i++) {
                    JsonNode x = in.get(i);
                    String at = "input[" + i + "]";
                    if (x.isTextual()) {
                        out.add(new EmbeddingRequest.Text(x.asText(), at));
                    } else if (x.isArray()) {
                        out.add(ids(x, at));
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

    /** Token ids: integers from 0 (the answering model checks them against its vocabulary). */
    private static EmbeddingRequest.Tokens ids(JsonNode arr, String at) {
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode x = arr.get(i);
            if (!x.isIntegralNumber() || x.asLong() < 0 || x.asLong() > Integer.MAX_VALUE) {
                throw ApiException.invalidRequest(at, "Invalid '" + at + "[" + i + "]': expected a token id (an "
                        + "integer from 0), got " + x + ".");
            }
            ids[i] = x.asInt();
        }
        return new EmbeddingRequest.Tokens(ids, at);
    }
}
