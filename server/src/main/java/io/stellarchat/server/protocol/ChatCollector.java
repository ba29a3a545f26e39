package io.stellarchat.server.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Assembles a {@link ChatCompletion} from the events of a stream: text and reasoning appended per choice,
 * tool-call pieces joined by their index (the first piece names the call, later ones add arguments).
 *
 * <p>Threads: one thread feeds it, then reads {@link #result}.
 */
public final class ChatCollector {
    private final TreeMap<Integer, Building> choices = new TreeMap<>();
    private Usage usage;

    private static final class Building {
        final StringBuilder content = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final TreeMap<Integer, String[]> calls = new TreeMap<>(); // index → {id, name, arguments}
        final List<TokenLogprob> logprobs = new ArrayList<>();
        FinishReason finish;
    }

    /** Takes one event; returns true when it was the last ({@link ChatEvent.Done}). */
    public boolean accept(ChatEvent event) {
        switch (event) {
            case ChatEvent.Delta d -> {
                Building b = choice(d.index());
                b.content.append(d.content());
                b.reasoning.append(d.reasoning());
                b.logprobs.addAll(d.logprobs());
                for (ToolCallDelta t : d.toolCalls()) {
                    String[] c = b.calls.computeIfAbsent(t.index(), k -> new String[] {null, null, ""});
                    if (t.id() != null) c[0] = t.id();
                    if (t.name() != null) c[1] = t.name();
                    if (t.arguments() != null) c[2] = c[2] + t.arguments();
                }
            }
            case ChatEvent.ChoiceEnd e -> choice(e.index()).finish = e.reason();
            case ChatEvent.Done done -> {
                usage = done.usage();
                return true;
            }
        }
        return false;
    }

    private Building choice(int index) {
        return choices.computeIfAbsent(index, k -> new Building());
    }

    /** The answer so far ({@link Usage#NONE} and {@link FinishReason#ERROR} for what has not ended). */
    public ChatCompletion result(String model, String upstream) {
        List<ChatCompletion.Choice> out = new ArrayList<>();
        choices.forEach((index, b) -> {
            List<ToolCall> calls = new ArrayList<>();
            b.calls.forEach((i, c) -> calls.add(new ToolCall(c[0] == null ? "call_" + index + "_" + i : c[0],
                    c[1] == null ? "" : c[1], c[2])));
            out.add(new ChatCompletion.Choice(index, b.content.toString(), b.reasoning.toString(), calls, b.logprobs,
                    b.finish == null ? FinishReason.ERROR : b.finish));
        });
        return new ChatCompletion(model, upstream, out, usage == null ? Usage.NONE : usage);
    }
}
