package io.stellarchat.server.gateway.local;

import java.util.Locale;

/**
 * How a model family writes tool calls and reasoning in its output, recognised from its chat template (the
 * template renders past calls in the same syntax the model was trained to produce). Llama.cpp's chat parsers
 * key on the same template markers.
 *
 * @param family     the family's name (for logs and tests)
 * @param callStart  the marker that opens tool calls, or null when calls are bare JSON at the start of the output
 * @param callEnd    the marker that closes one call, or null when the calls run to the end of the output
 * @param body       how the text between the markers names the function and its arguments
 * @param thinkStart the marker that opens reasoning, or null when the family has none
 * @param thinkEnd   the marker that closes reasoning
 */
record ToolSyntax(String family, String callStart, String callEnd, Body body, String thinkStart, String thinkEnd) {
    /** The shape of a call's text. */
    enum Body {
        /** {@code {"name": …, "arguments"|"parameters": {…}}} or an array of those (or {"tool_calls": […]}). */
        JSON,
        /** DeepSeek: {@code [function<｜tool▁sep｜>]NAME<sep or newline>[```json]{…}[```]} per call. */
        DEEPSEEK,
        /** Command R7B: {@code [{"tool_call_id", "tool_name", "parameters"}, …]}. */
        COMMAND_R,
        /** Functionary v3.2: {@code NAME\n{…}} after each {@code >>>}; {@code all\n…} is text. */
        FUNCTIONARY
    }

    static final String DS_CALLS_BEGIN = "<｜tool▁calls▁begin｜>";
    static final String DS_CALL_BEGIN = "<｜tool▁call▁begin｜>";
    static final String DS_CALL_END = "<｜tool▁call▁end｜>";
    static final String DS_CALLS_END = "<｜tool▁calls▁end｜>";
    static final String DS_SEP = "<｜tool▁sep｜>";

    /** The syntax of the family whose template is {@code template} (null or unknown: bare JSON, no reasoning tags). */
    static ToolSyntax of(String template) {
        String t = template == null ? "" : template;
        boolean think = t.contains("<think>") || t.contains("</think>");
        String ts = think ? "<think>" : null;
        String te = think ? "</think>" : null;
        if (t.contains("tool▁calls▁begin")) return new ToolSyntax("deepseek", DS_CALLS_BEGIN, DS_CALLS_END, Body.DEEPSEEK, ts, te);
        if (t.contains("<|START_ACTION|>")) {
            return new ToolSyntax("command-r7b", "<|START_ACTION|>", "<|END_ACTION|>", Body.COMMAND_R,
                    "<|START_THINKING|>", "<|END_THINKING|>");
        }
        if (t.contains("<tool_call>")) return new ToolSyntax("hermes", "<tool_call>", "</tool_call>", Body.JSON, ts, te);
        if (t.contains("[TOOL_CALLS]")) return new ToolSyntax("mistral", "[TOOL_CALLS]", null, Body.JSON, ts, te);
        if (t.contains("<|tool_call|>")) return new ToolSyntax("granite", "<|tool_call|>", null, Body.JSON, ts, te);
        if (t.contains(">>>all") || t.contains("'>>>' +") || t.contains(">>>' +")) {
            return new ToolSyntax("functionary-v3.2", ">>>", null, Body.FUNCTIONARY, null, null);
        }
        if (t.contains("<|python_tag|>") || t.toLowerCase(Locale.ROOT).contains("\"parameters\"")) {
            return new ToolSyntax("llama3", "<|python_tag|>", null, Body.JSON, ts, te);
        }
        return new ToolSyntax("generic", null, null, Body.JSON, ts, te);
    }
}
