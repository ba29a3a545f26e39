package io.stellarchat.server.gateway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits one choice's generated text, as it streams, into answer text, reasoning and tool calls, in the syntax of
 * the model's family ({@link ToolSyntax}). Text is passed on as soon as it cannot be the start of a marker; a
 * tool call is held until it is complete and then handed on whole. Text the parser does not recognise as a call
 * is returned as content — never an error.
 *
 * <p>Threads: owned by the one thread reading the choice.
 */
final class OutputParser {
    /** What the parser hands on. */
    sealed interface Piece {
        record Content(String text) implements Piece {}

        record Reasoning(String text) implements Piece {}

        record Call(String name, String arguments) implements Piece {}
    }

    private enum Mode { START, TEXT, THINK, CALLS }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ToolSyntax syntax;
    private final boolean calls;
    private final StringBuilder pending = new StringBuilder();
    private Mode mode;
    private boolean afterThink;
    private int callCount;
    /** Whether the calls being read were opened by the family's marker (to give it back if they are no calls). */
    private boolean byMarker;

    /**
     * @param syntax           the family's syntax
     * @param callsExpected    whether the request offered tools (else no text is taken for a call)
     * @param startInReasoning whether the prompt already opened the reasoning block (a template that ends its
     *                         generation prompt with {@code <think>})
     */
    OutputParser(ToolSyntax syntax, boolean callsExpected, boolean startInReasoning) {
        this.syntax = syntax;
        this.calls = callsExpected;
        this.mode = startInReasoning && syntax.thinkEnd() != null ? Mode.THINK
                : calls && syntax.body() == ToolSyntax.Body.FUNCTIONARY ? Mode.CALLS : Mode.START;
    }

    /** Whether the parser does nothing but pass text on (no tools, no reasoning tags): callers may skip it. */
    boolean passThrough() {
        return !calls && syntax.thinkStart() == null && mode != Mode.THINK;
    }

    /** Tool calls handed on so far. */
    int calls() {
        return callCount;
    }

    /** More generated text; returns what can be handed on now. */
    List<Piece> feed(String text) {
        List<Piece> out = new ArrayList<>();
        pending.append(text);
        step(out, false);
        return out;
    }

    /** The choice ended: everything still held, parsed as far as it goes. */
    List<Piece> finish() {
        List<Piece> out = new ArrayList<>();
        step(out, true);
        if (!pending.isEmpty()) {
            switch (mode) {
                case THINK -> out.add(new Piece.Reasoning(pending.toString()));
                case CALLS -> parseCalls(pending.toString(), out, true);
                default -> out.add(new Piece.Content(pending.toString()));
            }
            pending.setLength(0);
        }
        return out;
    }

    private void step(List<Piece> out, boolean end) {
        while (true) {
            switch (mode) {
                case START -> {
                    int i = firstNonSpace();
                    if (i < 0) {
                        if (end) mode = Mode.TEXT;
                        return;
                    }
                    String rest = pending.substring(i);
                    if (syntax.thinkStart() != null && mightStart(rest, syntax.thinkStart()) && !end
                            && rest.length() < syntax.thinkStart().length()) {
                        return; // could still become the reasoning marker
                    }
                    if (syntax.thinkStart() != null && rest.startsWith(syntax.thinkStart())) {
                        pending.delete(0, i + syntax.thinkStart().length());
                        mode = Mode.THINK;
                        continue;
                    }
                    if (calls && (rest.charAt(0) == '{' || rest.charAt(0) == '[') && syntax.callStart() == null
                            || calls && syntax.family().equals("llama3") && rest.charAt(0) == '{') {
                        pending.delete(0, i);
                        mode = Mode.CALLS; // bare JSON: held to the end and parsed, or given back as text
                        byMarker = false;
                        continue;
                    }
                    mode = Mode.TEXT;
                }
                case THINK -> {
                    int at = pending.indexOf(syntax.thinkEnd());
                    if (at >= 0) {
                        if (at > 0) out.add(new Piece.Reasoning(pending.substring(0, at)));
                        pending.delete(0, at + syntax.thinkEnd().length());
                        mode = Mode.START;
                        afterThink = true;
                        continue;
                    }
                    emitSafe(out, true, syntax.thinkEnd());
                    return;
                }
                case TEXT -> {
                    if (afterThink) { // the blank lines a model puts between its reasoning and its answer
                        int i = firstNonSpace();
                        if (i < 0 && !end) return;
                        pending.delete(0, i < 0 ? pending.length() : i);
                        afterThink = false;
                    }
                    int call = calls && syntax.callStart() != null ? pending.indexOf(syntax.callStart()) : -1;
                    if (call >= 0) {
                        if (call > 0) out.add(new Piece.Content(pending.substring(0, call)));
                        pending.delete(0, call + syntax.callStart().length());
                        mode = Mode.CALLS;
                        byMarker = true;
                        continue;
                    }
                    if (calls && syntax.callStart() != null) emitSafe(out, false, syntax.callStart());
                    else emitSafe(out, false);
                    return;
                }
                case CALLS -> {
                    if (syntax.callEnd() == null) return; // runs to the end of the output
                    int at = pending.indexOf(syntax.callEnd());
                    if (at < 0) return;
                    String body = pending.substring(0, at);
                    pending.delete(0, at + syntax.callEnd().length());
                    mode = Mode.TEXT;
                    afterThink = parseCalls(body, out, false); // drop the newline between calls
                }
            }
        }
    }

    /** Hands on the pending text except a tail that could be the start of one of {@code markers}. */
    private void emitSafe(List<Piece> out, boolean reasoning, String... markers) {
        int keep = 0;
        for (String m : markers) keep = Math.max(keep, partialSuffix(m));
        int upto = pending.length() - keep;
        if (upto <= 0) return;
        String text = pending.substring(0, upto);
        pending.delete(0, upto);
        out.add(reasoning ? new Piece.Reasoning(text) : new Piece.Content(text));
    }

    /** The length of the longest suffix of the pending text that is a proper prefix of {@code marker}. */
    private int partialSuffix(String marker) {
        int max = Math.min(marker.length() - 1, pending.length());
        for (int k = max; k > 0; k--) {
            if (pending.substring(pending.length() - k).equals(marker.substring(0, k))) return k;
        }
        return 0;
    }

    private int firstNonSpace() {
        for (int i = 0; i < pending.length(); i++) if (!Character.isWhitespace(pending.charAt(i))) return i;
        return -1;
    }

    private static boolean mightStart(String text, String marker) {
        return marker.startsWith(text);
    }

    /** Parses the text of one or more calls; when it is not a call after all, hands it on as content. */
    private boolean parseCalls(String body, List<Piece> out, boolean atEnd) {
        List<Piece.Call> found = new ArrayList<>();
        boolean ok;
        try {
            ok = switch (syntax.body()) {
                case JSON -> json(body, found);
                case DEEPSEEK -> deepseek(body, found);
                case COMMAND_R -> commandR(body, found);
                case FUNCTIONARY -> functionary(body, found, out);
            };
        } catch (IOException | RuntimeException e) {
            ok = false;
        }
        if (!ok || found.isEmpty() && syntax.body() != ToolSyntax.Body.FUNCTIONARY) {
            String raw = (byMarker ? syntax.callStart() : "")
                    + body + (!atEnd && syntax.callEnd() != null ? syntax.callEnd() : "");
            out.add(new Piece.Content(raw));
            return false;
        }
        for (Piece.Call c : found) {
            out.add(c);
            callCount++;
        }
        return true;
    }

    private static boolean json(String body, List<Piece.Call> found) throws IOException {
        String text = body.strip();
        if (text.isEmpty()) return false;
        if (text.charAt(0) != '{' && text.charAt(0) != '[') return mistralArgs(text, found);
        try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNext()) {
                if (!addCalls(it.next(), found)) return false;
            }
        }
        return true;
    }

    /** Mistral's newer {@code NAME[ARGS]{…}} form (possibly repeated). */
    private static boolean mistralArgs(String text, List<Piece.Call> found) throws IOException {
        int at = text.indexOf("[ARGS]");
        if (at <= 0) return false;
        String name = text.substring(0, at).strip();
        String rest = text.substring(at + 6);
        var parser = JSON.createParser(rest);
        JsonNode args = JSON.readTree(parser);
        if (args == null || !args.isObject() || name.isEmpty()) return false;
        found.add(new Piece.Call(name, args.toString()));
        String tail = rest.substring((int) parser.currentLocation().getCharOffset()).strip();
        if (tail.startsWith("[TOOL_CALLS]")) tail = tail.substring(12);
        return tail.isEmpty() || mistralArgs(tail, found);
    }

    private static boolean addCalls(JsonNode n, List<Piece.Call> found) {
        if (n.isArray()) {
            for (JsonNode x : n) if (!addCalls(x, found)) return false;
            return true;
        }
        if (!n.isObject()) return false;
        if (n.has("tool_calls")) return addCalls(n.get("tool_calls"), found);
        if (n.has("tool_call")) return addCalls(n.get("tool_call"), found);
        if (n.has("function") && n.get("function").isObject()) return addCalls(n.get("function"), found);
        JsonNode name = n.get("name");
        JsonNode args = n.has("arguments") ? n.get("arguments") : n.get("parameters");
        if (name == null || !name.isTextual() || args == null) return false;
        found.add(new Piece.Call(name.asText(), arguments(args)));
        return true;
    }

    private static String arguments(JsonNode args) {
        return args.isTextual() ? args.asText() : args.toString();
    }

    /** DeepSeek R1/V3/V3.1: the calls between {@code <｜tool▁call▁begin｜>} and {@code <｜tool▁call▁end｜>}. */
    private static boolean deepseek(String body, List<Piece.Call> found) throws IOException {
        int from = 0;
        while (true) {
            int b = body.indexOf(ToolSyntax.DS_CALL_BEGIN, from);
            if (b < 0) return !found.isEmpty();
            int e = body.indexOf(ToolSyntax.DS_CALL_END, b);
            String call = body.substring(b + ToolSyntax.DS_CALL_BEGIN.length(), e < 0 ? body.length() : e);
            int sep = call.indexOf(ToolSyntax.DS_SEP);
            if (sep < 0) return false;
            String before = call.substring(0, sep).strip();
            String after = call.substring(sep + ToolSyntax.DS_SEP.length());
            String name;
            String args;
            if (before.equals("function")) { // R1/V3: function<sep>NAME\n```json\n{…}\n```
                int nl = after.indexOf('\n');
                if (nl < 0) return false;
                name = after.substring(0, nl).strip();
                args = after.substring(nl + 1).strip();
                if (args.startsWith("```")) args = args.substring(args.indexOf('\n') + 1);
                if (args.endsWith("```")) args = args.substring(0, args.length() - 3);
            } else { // V3.1: NAME<sep>{…}
                name = before;
                args = after;
            }
            JsonNode parsed = JSON.readTree(args.strip());
            if (name.isEmpty() || parsed == null || !parsed.isObject()) return false;
            found.add(new Piece.Call(name, parsed.toString()));
            if (e < 0) return true;
            from = e + ToolSyntax.DS_CALL_END.length();
        }
    }

    /** Command R7B: {@code [{"tool_call_id": "0", "tool_name": …, "parameters": {…}}, …]}. */
    private static boolean commandR(String body, List<Piece.Call> found) throws IOException {
        JsonNode n = JSON.readTree(body.strip());
        if (n == null || !n.isArray()) return false;
        for (JsonNode c : n) {
            JsonNode name = c.get("tool_name");
            JsonNode args = c.get("parameters");
            if (name == null || !name.isTextual() || args == null) return false;
            found.add(new Piece.Call(name.asText(), arguments(args)));
        }
        return true;
    }

    /** Functionary v3.2: segments {@code NAME\n{…}} separated by {@code >>>}; {@code all\n…} is text. */
    private static boolean functionary(String body, List<Piece.Call> found, List<Piece> out) throws IOException {
        for (String seg : body.split(">>>")) {
            if (seg.isBlank()) continue;
            int nl = seg.indexOf('\n');
            String name = (nl < 0 ? seg : seg.substring(0, nl)).strip();
            String rest = nl < 0 ? "" : seg.substring(nl + 1);
            if (name.equals("all")) {
                if (!rest.isEmpty()) out.add(new Piece.Content(rest));
                continue;
            }
            JsonNode args = JSON.readTree(rest.strip());
            if (args == null || !args.isObject()) {
                out.add(new Piece.Content(seg));
                continue;
            }
            found.add(new Piece.Call(name, args.toString()));
        }
        return true;
    }
}
