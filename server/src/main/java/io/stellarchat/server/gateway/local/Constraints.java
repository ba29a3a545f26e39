package io.stellarchat.server.gateway.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.stellarchat.engine.sampling.Grammar;
import io.stellarchat.engine.sampling.GrammarException;
import io.stellarchat.server.protocol.ChatRequest;
import io.stellarchat.server.protocol.ProviderException;
import io.stellarchat.server.protocol.Tool;
import java.util.ArrayList;
import java.util.List;

/**
 * The grammar a local answer is decoded under, from the request: a tool call when {@code tool_choice} is
 * {@code required} or names a function (written in the model family's own syntax, so the model sees its trained
 * format and the {@link OutputParser} reads it back), else {@code response_format} ({@code json_object} or a
 * {@code json_schema}), else llama.cpp's {@code grammar} field (GBNF); none for free text.
 */
final class Constraints {
    /** Parallel calls at most, when {@code parallel_tool_calls} is true (off by default, as in llama.cpp's server: a small model would not stop calling). */
    static final int MAX_PARALLEL_CALLS = 8;

    private Constraints() {}

    /**
     * @throws ProviderException 400 naming the field when a schema or grammar cannot be compiled (an unsupported
     *                           keyword under {@code strict}, malformed GBNF, an unknown tool name)
     */
    static Grammar of(ChatRequest r, ToolSyntax syntax) {
        try {
            Grammar tools = toolGrammar(r, syntax);
            if (tools != null) return tools;
            JsonNode rf = r.responseFormat();
            if (rf != null && rf.isObject()) {
                String type = rf.path("type").asText("text");
                switch (type) {
                    case "text" -> { }
                    case "json_object" -> {
                        return Grammar.jsonObject();
                    }
                    case "json_schema" -> {
                        JsonNode js = rf.get("json_schema");
                        JsonNode schema = js == null ? null : js.get("schema");
                        if (schema == null || !schema.isObject()) {
                            throw ProviderException.invalid("response_format.json_schema.schema",
                                    "'response_format' of type 'json_schema' needs 'json_schema.schema': a JSON Schema object.");
                        }
                        return Grammar.jsonSchema(schema.toString(), js.path("strict").asBoolean(false));
                    }
                    default -> throw ProviderException.invalid("response_format.type", "Invalid 'response_format.type': '"
                            + type + "'. Supported values are: 'text', 'json_object' and 'json_schema'.");
                }
            }
            JsonNode gbnf = r.extra() == null ? null : r.extra().get("grammar");
            if (gbnf != null && gbnf.isTextual() && !gbnf.asText().isBlank()) return Grammar.gbnf(gbnf.asText());
            return null;
        } catch (GrammarException e) {
            String param = r.responseFormat() != null && toolGrammarWanted(r) == null ? "response_format" : "tools";
            if (r.extra() != null && r.extra().has("grammar") && r.responseFormat() == null && toolGrammarWanted(r) == null) {
                param = "grammar";
            }
            throw ProviderException.invalid(param, "The " + param + " cannot be used for constrained decoding: "
                    + e.getMessage());
        }
    }

    /** The tools a call is forced to (all for required, the named one), or null when the model chooses. */
    private static List<Tool> toolGrammarWanted(ChatRequest r) {
        if (r.tools().isEmpty() || r.toolChoice() == null) return null;
        JsonNode c = r.toolChoice();
        if (c.isTextual()) return c.asText().equals("required") ? r.tools() : null;
        String name = c.path("function").path("name").asText(null);
        if (name == null) return null;
        for (Tool t : r.tools()) {
            if (t.name().equals(name)) return List.of(t);
        }
        throw ProviderException.invalid("tool_choice", "Invalid 'tool_choice': no tool named '" + name
                + "' is in 'tools'.");
    }

    private static Grammar toolGrammar(ChatRequest r, ToolSyntax syntax) {
        List<Tool> tools = toolGrammarWanted(r);
        if (tools == null) return null;
        JsonNode parallel = r.extra() == null ? null : r.extra().get("parallel_tool_calls");
        int most = parallel != null && parallel.isBoolean() && parallel.asBoolean() ? MAX_PARALLEL_CALLS : 1;
        List<Grammar> one = new ArrayList<>();
        for (Tool t : tools) {
            Grammar args = Grammar.jsonSchema(t.parameters() == null || !t.parameters().isObject() ? "{\"type\":\"object\"}"
                    : t.parameters().toString(), false);
            String name = t.name();
            one.add(switch (syntax.family()) {
                case "hermes" -> Grammar.sequence("<tool_call>\n{\"name\": \"" + name + "\", \"arguments\": ", args, "}\n</tool_call>");
                case "llama3" -> Grammar.sequence("{\"name\": \"" + name + "\", \"parameters\": ", args, "}");
                case "command-r7b" -> Grammar.sequence("{\"tool_call_id\": \"0\", \"tool_name\": \"" + name
                        + "\", \"parameters\": ", args, "}");
                case "deepseek" -> Grammar.sequence(ToolSyntax.DS_CALL_BEGIN + name + ToolSyntax.DS_SEP, args,
                        ToolSyntax.DS_CALL_END);
                case "functionary-v3.2" -> Grammar.sequence(name + "\n", args, "");
                default -> Grammar.sequence("{\"name\": \"" + name + "\", \"arguments\": ", args, "}");
            });
        }
        Grammar call = one.size() == 1 ? one.getFirst() : Grammar.anyOf(one);
        return switch (syntax.family()) {
            case "hermes" -> Grammar.repeat(Grammar.sequence("", call, "\n"), 1, most);
            case "mistral" -> list("[TOOL_CALLS][", call, ", ", "]", most);
            case "granite" -> list("<|tool_call|>[", call, ", ", "]", most);
            case "command-r7b" -> list("<|START_ACTION|>[", call, ", ", "]<|END_ACTION|>", most);
            case "deepseek" -> Grammar.sequence(List.of(Grammar.literal(ToolSyntax.DS_CALLS_BEGIN),
                    Grammar.repeat(call, 1, most), Grammar.literal(ToolSyntax.DS_CALLS_END)));
            case "functionary-v3.2" -> Grammar.sequence(List.of(call,
                    Grammar.repeat(Grammar.sequence(">>>", call, ""), 0, most - 1)));
            case "llama3" -> call; // one call per message in Llama 3.1's format
            default -> list("{\"tool_calls\": [", call, ", ", "]}", most);
        };
    }

    /** {@code open call (sep call)* close}. */
    private static Grammar list(String open, Grammar call, String sep, String close, int most) {
        return Grammar.sequence(List.of(Grammar.literal(open), call,
                Grammar.repeat(Grammar.sequence(sep, call, ""), 0, most - 1), Grammar.literal(close)));
    }
}
