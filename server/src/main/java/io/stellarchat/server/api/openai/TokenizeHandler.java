package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.JsonBodyReader;
import io.stellarchat.server.gateway.LocalModel;
import io.stellarchat.server.gateway.ModelRegistry;

/**
 * llama.cpp's debugging endpoints. {@code POST /tokenize} {@code {content, add_special, parse_special,
 * with_pieces, model?}} → {@code {tokens: [...]}} (with pieces: {@code [{id, piece}]});
 * {@code POST /detokenize} {@code {tokens, model?}} → {@code {content}}. Without {@code model}, the first
 * loaded model is used.
 */
final class TokenizeHandler {
    private final ModelRegistry registry;
    private final ObjectMapper json;
    private final JsonBodyReader body;

    TokenizeHandler(ModelRegistry registry, ObjectMapper json, JsonBodyReader body) {
        this.registry = registry;
        this.json = json;
        this.body = body;
    }

    private LocalModel model(JsonNode req) {
        String name = Fields.string(req, "model", null);
        if (name == null) {
            if (registry.models().isEmpty()) {
                throw ApiException.notFound("model_not_found", "model", "No model is loaded.");
            }
            return registry.models().getFirst();
        }
        return registry.find(name).orElseThrow(() -> ApiException.notFound("model_not_found", "model",
                "The model '" + name + "' does not exist or is not loaded."));
    }

    void tokenize(Context ctx) {
        JsonNode req = body.readTree(ctx);
        LocalModel m = model(req);
        String content = Fields.requiredString(req, "content");
        boolean addSpecial = Fields.bool(req, "add_special", false);
        boolean parseSpecial = Fields.bool(req, "parse_special", true);
        boolean pieces = Fields.bool(req, "with_pieces", false);
        var tok = m.model().tokenizer();
        int[] ids = tok.encode(content, addSpecial, parseSpecial);
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("tokens");
        for (int id : ids) {
            if (pieces) {
                ObjectNode o = arr.addObject();
                o.put("id", id);
                o.put("piece", GenerationRunner.piece(m, id));
            } else {
                arr.add(id);
            }
        }
        ctx.json(root);
    }

    void detokenize(Context ctx) {
        JsonNode req = body.readTree(ctx);
        LocalModel m = model(req);
        JsonNode tokens = Fields.present(req, "tokens");
        if (tokens == null) {
            throw ApiException.invalidRequest("tokens", "Missing required parameter: 'tokens'.");
        }
        if (!tokens.isArray()) {
            throw Fields.wrongType("tokens", tokens, "an array of token ids");
        }
        int vocab = m.model().tokenizer().vocabSize();
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode x = tokens.get(i);
            if (!x.isIntegralNumber() || x.asLong() < 0 || x.asLong() >= vocab) {
                throw ApiException.invalidRequest("tokens", "Invalid 'tokens[" + i + "]': expected a token id from 0 to "
                        + (vocab - 1) + ", got " + x + ".");
            }
            ids[i] = x.asInt();
        }
        ObjectNode root = json.createObjectNode();
        root.put("content", m.model().tokenizer().decode(ids, false, false));
        ctx.json(root);
    }
}
