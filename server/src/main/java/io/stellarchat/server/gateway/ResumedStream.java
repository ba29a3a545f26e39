package io.stellarchat.server.gateway;

import io.stellarchat.server.protocol.ChatEvent;
import io.stellarchat.server.protocol.ChatStream;
import io.stellarchat.server.protocol.ProviderException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A streamed remote answer that survives its upstream breaking off (the model's {@code retries.resume_streams}):
 * events go to the client as they come, and the answer text handed on so far is kept; when the upstream then
 * fails in a way another try may fix (a reset, an idle or total timeout, a 5xx in the stream), the request is
 * routed again — retries, breakers and fallbacks as for a first try — with that text as the start of the
 * assistant's reply to continue ({@code continue_final_message}, or Anthropic's prefill), and the continuation's
 * events follow in the same client stream, up to {@code restarts} times. Without it such a stream can only end
 * in an error event: its status and first words have already reached the client.
 *
 * <p>Only a plain text answer is continued: one choice, no tool-call or reasoning pieces handed on yet (a
 * continuation could not join them up). Anything else, a client error, or a cancelled stream fails as before.
 * The {@link ChatEvent.Done} usage is the last upstream's (its prompt counts the continued text).
 *
 * <p>Threads: as {@link RestartableStream}; the text and piece count belong to the consumer thread.
 */
final class ResumedStream extends RestartableStream {
    /** What of the answer reached the client: its text, and in how many non-empty pieces (about its tokens). */
    record Progress(String text, int pieces) {}

    private final Function<Progress, ChatStream> resume;
    private final StringBuilder text = new StringBuilder();
    private int pieces;
    private boolean plainText = true;

    /**
     * @param first    the answer as first routed
     * @param resume   routes the request again, given the answer handed on so far (empty text: from the start)
     * @param restarts how many times it may be routed again
     * @param onResume told the upstream label ({@code provider/model}) of each broken-off answer that is continued
     */
    ResumedStream(ChatStream first, Function<Progress, ChatStream> resume, int restarts, Consumer<String> onResume) {
        super(first, restarts, onResume);
        this.resume = resume;
    }

    @Override
    public ChatEvent next(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ChatEvent e;
            try {
                e = current().next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (ProviderException cut) {
                Progress done = new Progress(text.toString(), pieces);
                restart(cut, plainText, "continuing it after " + done.text().length() + " chars",
                        () -> resume.apply(done));
                if (deadline - System.nanoTime() <= 0) return null;
                continue;
            }
            if (e instanceof ChatEvent.Delta d) {
                if (d.index() != 0 || !d.toolCalls().isEmpty() || !d.reasoning().isEmpty()) plainText = false;
                text.append(d.content());
                if (!d.content().isEmpty()) pieces++;
            } else if (e instanceof ChatEvent.ChoiceEnd end && end.index() != 0) {
                plainText = false;
            }
            return e;
        }
    }
}
