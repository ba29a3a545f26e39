package io.stellarchat.server.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.stellarchat.server.api.ApiException;
import io.stellarchat.server.api.Fields;
import io.stellarchat.server.gateway.Gateway;
import io.stellarchat.server.gateway.TokenizerView;

/**
 * llama.cpp's debugging endpoints. {@code POST /tokenize} {@code {content, add_special, parse_special,
 * with_pieces, model?}} → {@code {tokens: [...]}} (with pieces: {@code [{id, piece}]});
 * {@code POST /detokenize} {@code {tokens, model?}} → {@code {content}}. Without {@code model}, the first
 * loaded local model is used.
 */
final class TokenizeHandler {
    private final Gateway gateway;
    private final ObjectMapper json;

    /** The tokenizer, if the caller's key allows its model (else 404, as if there were none). */
    private static TokenizerView visible(Context ctx, TokenizerView tok) {
        if (!io.stellarchat.server.api.Authentication.caller(ctx).mayUse(tok.model())) {
            throw io.stellarchat.server.api.ApiException.notFound("model_not_found", "model",
                    "The model does not exist or you do not have access to it.");
        }
        return tok;
    }

    TokenizeHandler(Gateway gateway, ObjectMapper json) {
        this.gateway = gateway;
        this.json = json;
    }

    void tokenize(Context ctx, JsonNode req) {
        TokenizerView tok = visible(ctx, gateway.tokenizer(Fields.string(req, "model", null)));
        String content = Fields.requiredString(req, "content");
        boolean addSpecial = Fields.bool(req, "add_special", false);
        boolean parseSpecial = Fields.bool(req, "parse_special", true);
        boolean pieces = Fields.bool(req, "with_pieces", false);
        int[] ids = tok.encode(content, addSpecial, parseSpecial);
        ObjectNode root = json.createObjectNode();
        ArrayNode arr = root.putArray("tokens");
        for (int id : ids) {
            if (pieces) {
                ObjectNode o = arr.addObject();
                o.put("id", id);
                o.put("piece", tok.piece(id));
            } else {
                arr.add(id);
            }
        }
        ctx.json(root);
    }

    void detokenize(Context ctx, JsonNode req) {
        TokenizerView tok = visible(ctx, gateway.tokenizer(Fields.string(req, "model", null)));
        JsonNode tokens = Fields.present(req, "tokens");
        if (tokens == null) {
            throw ApiException.invalidRequest("tokens", "Missing required parameter: 'tokens'.");
        }
        if (!tokens.isArray()) {
            throw Fields.wrongType("tokens", tokens, "an array of token ids");
        }
        int vocab = tok.vocabSize();
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
        root.put("content", tok.decode(ids));
        ctx.json(root);
    }
}
